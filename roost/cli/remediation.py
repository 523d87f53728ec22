"""`roost remediation documents|put|list|delete|executions` and `roost remediate`.

Configurations go through the API's own operations (PutRemediationConfigurations,
DeleteRemediationConfiguration): the same checks and errors as boto3 gets. `roost remediate` runs the
executions in this process, with a RemediationEngine of its own over the store and the configured
accounts; after one succeeds the resource is recorded again and its rules judge it, as in `roost up`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import click

from roost.api.context import ApiServices
from roost.api.operations import Handler
from roost.api.operations.remediation import (
    config_to_wire,
    delete_remediation_configuration,
    put_remediation_configurations,
)
from roost.cli.context import CliContext
from roost.cli.operations import run_operation
from roost.cli.output import emit, fail
from roost.cli.resources import with_source
from roost.clock import SystemClock
from roost.cloud import CloudConnector
from roost.compliance import Owner
from roost.model import AccountRegion, ResourceKey
from roost.recorder.recorder import Recorder
from roost.remediation.document import AutomationDocument, load_documents
from roost.remediation.engine import RemediationEngine
from roost.remediation.model import RESOURCE_ID, CloudCall, Execution, ExecutionStep
from roost.rules.engine import RuleEngine
from roost.service import REMEDIATION_SWEEP_SECONDS

WAIT_POLL_SECONDS = 0.1


@click.group()
def remediation() -> None:
    """Remediation: automation documents, rules' remediation configurations and their executions."""


# --- documents ---------------------------------------------------------------------------------


def _parameter_line(parameter: Any) -> str:
    if parameter.required:
        return f"{parameter.name} ({parameter.type}, required)"
    return f"{parameter.name} ({parameter.type}, default {json.dumps(parameter.default)})"


@remediation.command("documents")
@click.option("--search", default=None, help="Only documents whose name or description contains this.")
@click.pass_obj
def documents_command(obj: CliContext, search: str | None) -> None:
    """The automation documents roost runs, with their resource types and parameters."""
    registry = load_documents()
    rows: list[dict[str, Any]] = []
    for name in sorted(registry):
        document: type[AutomationDocument] = registry.get(name)
        if search and search.lower() not in f"{name}\n{document.description}".lower():
            continue
        json_output = obj.output == "json"
        rows.append(
            {
                "document": name,
                "resource types": list(document.resource_types)
                if json_output
                else "\n".join(document.resource_types),
                "parameters": [{**asdict(p), "required": p.required} for p in document.parameters]
                if json_output
                else "\n".join(_parameter_line(p) for p in document.parameters),
                "description": document.description,
            }
        )
    emit(rows, output=obj.output, title=f"automation documents ({len(rows)} of {len(registry)})")


# --- configurations ----------------------------------------------------------------------------


def _operation(
    obj: CliContext, source: AccountRegion, name: str, handler: Handler, params: dict[str, Any]
) -> None:
    run_operation(ApiServices(store=obj.store, clock=SystemClock()), source, name, handler, params)


def _parameters(pairs: Sequence[str]) -> dict[str, Any]:
    """--param NAME=RESOURCE_ID | NAME=value[,value...] as the API's Parameters."""
    parameters: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            fail(f"--param takes NAME=RESOURCE_ID or NAME=value[,value...], got {pair!r}")
        if value == RESOURCE_ID:
            parameters[name] = {"ResourceValue": {"Value": RESOURCE_ID}}
        else:
            parameters[name] = {"StaticValue": {"Values": value.split(",") if value else [""]}}
    return parameters


@remediation.command("put")
@click.argument("rule")
@click.argument("document")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=RESOURCE_ID|NAME=VALUE[,VALUE...]",
    help="A document parameter: the non-compliant resource's id (RESOURCE_ID) or static values.",
)
@click.option("--resource-type", default=None, metavar="TYPE", help="The resource type it remediates.")
@click.option(
    "--automatic", is_flag=True, help="Remediate by itself (needs --param AutomationAssumeRole=ARN)."
)
@click.option("--attempts", type=int, default=None, help="MaximumAutomaticAttempts (default 5).")
@click.option(
    "--retry-seconds", type=int, default=None, help="RetryAttemptSeconds: the attempts' window (default 60)."
)
@with_source
@click.pass_obj
def put(
    obj: CliContext,
    rule: str,
    document: str,
    params: tuple[str, ...],
    resource_type: str | None,
    automatic: bool,
    attempts: int | None,
    retry_seconds: int | None,
    account: str | None,
    region: str | None,
) -> None:
    """Give RULE a remediation: the automation DOCUMENT with its parameters (as
    PutRemediationConfigurations, with its checks)."""
    source = obj.source(account, region)
    raw: dict[str, Any] = {
        "ConfigRuleName": rule,
        "TargetType": "SSM_DOCUMENT",
        "TargetId": document,
        "Parameters": _parameters(params),
        "Automatic": automatic,
    }
    if resource_type:
        raw["ResourceType"] = resource_type
    if attempts is not None:
        raw["MaximumAutomaticAttempts"] = attempts
    if retry_seconds is not None:
        raw["RetryAttemptSeconds"] = retry_seconds
    request = {"RemediationConfigurations": [raw]}
    _operation(obj, source, "PutRemediationConfigurations", put_remediation_configurations, request)
    mode = (
        f"automatic: a running roost up remediates its NON_COMPLIANT resources (within "
        f"{REMEDIATION_SWEEP_SECONDS:g} s)"
        if automatic
        else f"manual: roost remediate {rule} RESOURCE_ID..."
    )
    click.echo(f"remediation of {rule} in {source}: {document} ({mode})")


@remediation.command("list")
@with_source
@click.pass_obj
def list_configurations(obj: CliContext, account: str | None, region: str | None) -> None:
    """The rules' remediation configurations."""
    source = obj.source(account, region)
    configs = obj.store.remediation.configurations(source)
    if obj.output == "json":
        emit([config_to_wire(c) for c in configs], output="json")
        return
    rows = []
    for config in configs:
        rows.append(
            {
                "rule": config.config_rule_name,
                "resource type": config.resource_type,
                "document": config.target_id,
                "parameters": ", ".join(
                    f"{name}={value.resource_value or ','.join(value.static_values or ())}"
                    for name, value in config.parameters.items()
                ),
                "automatic": config.automatic,
                "attempts": config.attempts,
                "retry seconds": config.retry_window_seconds,
            }
        )
    emit(rows, output=obj.output, title=f"remediation configurations in {source}")


@remediation.command("delete")
@click.argument("rule")
@click.option("--resource-type", default=None, metavar="TYPE", help="Only the configuration for this type.")
@with_source
@click.pass_obj
def delete(
    obj: CliContext, rule: str, resource_type: str | None, account: str | None, region: str | None
) -> None:
    """Delete RULE's remediation configuration (as DeleteRemediationConfiguration)."""
    source = obj.source(account, region)
    params: dict[str, Any] = {"ConfigRuleName": rule}
    if resource_type:
        params["ResourceType"] = resource_type
    _operation(obj, source, "DeleteRemediationConfiguration", delete_remediation_configuration, params)
    click.echo(f"remediation of {rule} deleted from {source}")


# --- executions --------------------------------------------------------------------------------


def _steps(steps: Sequence[ExecutionStep]) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "state": s.state.value,
            "error": s.error_message,
            "start": s.start_time,
            "stop": s.stop_time,
        }
        for s in steps
    ]


def _steps_line(steps: Sequence[ExecutionStep]) -> str:
    return "\n".join(
        f"{s.name} {s.state.value}" + (f": {s.error_message}" if s.error_message else "") for s in steps
    )


def _execution(execution: Execution, *, calls: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "execution id": execution.execution_id,
        "resource type": execution.resource_type,
        "resource id": execution.resource_id,
        "document": execution.document,
        "state": execution.state.value,
        "attempt": execution.attempt,
        "mode": "automatic" if execution.automatic else "manual",
        "invoked": execution.invocation_time,
        "last updated": execution.last_updated_time,
        "parameters": execution.parameters,
        "steps": _steps(execution.steps),
        "error": execution.error_message,
    }
    if calls:
        shown["calls"] = [asdict(c) for c in execution.calls]
    return shown


def _print_steps(title: str, steps: Sequence[ExecutionStep]) -> None:
    rows = [{"step": s.name, "state": s.state.value, "error": s.error_message} for s in steps]
    emit(rows, output="table", title=title)


def _print_calls(title: str, calls: Sequence[CloudCall]) -> None:
    rows = [
        {
            "#": index,
            "service": c.service,
            "operation": c.operation,
            "parameters": json.dumps(c.parameters, sort_keys=True, default=str),
            "kind": ("write" if c.writes else "read") + ("" if c.made else " (not made: dry run)"),
            "error": c.error,
        }
        for index, c in enumerate(calls, 1)
    ]
    emit(rows, output="table", title=title)


@remediation.command("executions")
@click.argument("rule")
@click.option(
    "--resource", "resource_id", default=None, metavar="ID", help="Only this resource's executions."
)
@click.option("--calls", is_flag=True, help="Also every cloud call each execution made (its audit record).")
@with_source
@click.pass_obj
def executions(
    obj: CliContext, rule: str, resource_id: str | None, calls: bool, account: str | None, region: str | None
) -> None:
    """RULE's remediation executions, newest first: state, attempt, automatic or manual, steps."""
    source = obj.source(account, region)
    found = [
        e
        for e in obj.store.remediation.executions(source, rule)
        if resource_id is None or e.resource_id == resource_id
    ]
    if obj.output == "json":
        emit([_execution(e, calls=calls) for e in found], output="json")
        return
    rows = [
        {
            "invoked": e.invocation_time,
            "resource type": e.resource_type,
            "resource id": e.resource_id,
            "state": e.state.value,
            "attempt": e.attempt,
            "mode": "automatic" if e.automatic else "manual",
            "steps": _steps_line(e.steps),
            "error": e.error_message,
            "execution id": e.execution_id,
        }
        for e in found
    ]
    emit(rows, output="table", title=f"remediation executions of {rule} in {source}")
    if calls:
        for e in found:
            _print_calls(f"calls of {e.execution_id} ({e.resource_id}, {e.state.value})", e.calls)


def _resource_type(
    obj: CliContext, source: AccountRegion, rule: str, resource_id: str, given: str | None
) -> str:
    """The type of a resource to remediate: --resource-type, the configuration's, or the recorded one's."""
    if given:
        return given
    configs = obj.store.remediation.configurations(source, [rule])
    typed = {c.resource_type for c in configs if c.resource_type}
    general = any(not c.resource_type for c in configs)
    if len(typed) == 1 and not general:
        return typed.pop()
    recorded = {
        r.resource_type
        for r in obj.store.items.discovered(source, resource_ids=[resource_id], include_deleted=True)
    }
    if typed and not general:
        recorded &= typed
    if len(recorded) == 1:
        return recorded.pop()
    if not recorded:
        fail(
            f"{resource_id} is not recorded in {source} and the remediation of {rule} names no single "
            "resource type: give --resource-type"
        )
    fail(f"{resource_id} is recorded as {', '.join(sorted(recorded))}: give --resource-type")
    raise AssertionError("unreachable")


def _engine(obj: CliContext, source: AccountRegion) -> RemediationEngine:
    """A remediation engine over the CLI's store that records a fixed resource again and lets its rules
    judge it (change-triggered rules through the recorder's listener, periodic ones evaluated now)."""
    clock = SystemClock()
    connector = CloudConnector(obj.settings.accounts)
    rules = RuleEngine(obj.store, connector, clock)
    recorder = Recorder(obj.store, connector, clock=clock)
    recorder.listeners.append(rules.handle_items)

    def reevaluate(where: AccountRegion, rule_name: str) -> None:
        rule = obj.store.rules.get(where, rule_name)
        if rule is None or rules.change_triggered(rule):
            return
        if rule.source.owner is Owner.AWS:
            rules.evaluate_rule(rule)
        else:  # its function runs in roost up's workers: mark it due
            obj.store.rules.mark_periodic_run(rule, None)

    return RemediationEngine(obj.store, connector, clock, recorder=recorder, reevaluate=reevaluate)


def _wait(obj: CliContext, queued: Sequence[Execution]) -> list[Execution]:
    pending = {e.execution_id for e in queued}
    done: dict[str, Execution] = {}
    while pending:
        for execution_id in list(pending):
            found = obj.store.remediation.get_execution(execution_id)
            if found is not None and found.state.finished:
                done[execution_id] = found
                pending.discard(execution_id)
        if pending:
            time.sleep(WAIT_POLL_SECONDS)
    return [done[e.execution_id] for e in queued]


def _dry_run(obj: CliContext, source: AccountRegion, rule: str, keys: Sequence[ResourceKey]) -> None:
    engine = RemediationEngine(obj.store, CloudConnector(obj.settings.accounts), SystemClock())
    try:
        runs = [engine.dry_run(source, rule, key) for key in keys]
    finally:
        engine.close()
    if obj.output == "json":
        emit([_execution(e, calls=True) for e in runs], output="json")
    else:
        for run in runs:
            writes = [c for c in run.calls if c.writes]
            click.echo(
                f"dry run of {run.document} on {run.resource_type} {run.resource_id}: "
                f"{run.state.value}, {len(writes)} change(s) it would make, nothing changed"
                + (f"; {run.error_message}" if run.error_message else "")
            )
            _print_steps("steps", run.steps)
            _print_calls("cloud calls (reads made, writes only planned)", run.calls)
    failed = [r for r in runs if r.error_message]
    if failed:
        for run in failed:
            click.echo(f"roost: {run.resource_id}: {run.error_message}", err=True)
        sys.exit(1)


@click.command()
@click.argument("rule")
@click.argument("resource_ids", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Show the cloud calls it would make; change nothing.")
@click.option("--wait/--no-wait", default=True, show_default=True, help="Print each execution's outcome.")
@click.option("--resource-type", default=None, metavar="TYPE", help="The resources' type (default: found).")
@with_source
@click.pass_obj
def remediate(
    obj: CliContext,
    rule: str,
    resource_ids: tuple[str, ...],
    dry_run: bool,
    wait: bool,
    resource_type: str | None,
    account: str | None,
    region: str | None,
) -> None:
    """Run RULE's remediation on RESOURCE_IDs now (as StartRemediationExecution), in this process.

    With --no-wait the executions are printed as queued; the command still ends only once they have
    run (they run in this process), and `roost remediation executions RULE` shows how they went."""
    source = obj.source(account, region)
    if obj.store.rules.get(source, rule) is None:
        fail(f"no rule {rule} in {source}")
    if not obj.store.remediation.configurations(source, [rule]):
        fail(f"the rule {rule} has no remediation configuration (roost remediation put {rule} DOCUMENT ...)")
    keys = [ResourceKey(_resource_type(obj, source, rule, r, resource_type), r) for r in resource_ids]
    if dry_run:
        _dry_run(obj, source, rule, keys)
        return
    engine = _engine(obj, source)
    try:
        queued, refused = engine.start(source, rule, keys)
        if not wait:
            started = [
                {"resource id": e.resource_id, "state": "QUEUED", "execution id": e.execution_id}
                for e in queued
            ]
            emit(started, output=obj.output, title=f"remediation of {rule} started")
        finished = _wait(obj, queued)
    finally:
        engine.close()  # waits for the re-record and re-evaluation after the last success
    problems = [f"{key.resource_id}: {why}" for key, why in refused]
    if wait:
        _print_outcomes(obj, source, rule, finished)
        problems += [
            f"{e.resource_id}: {e.state.value}: {e.error_message}" for e in finished if e.error_message
        ]
    for problem in problems:
        click.echo(f"roost: {problem}", err=True)
    if problems:
        sys.exit(1)


def _print_outcomes(obj: CliContext, source: AccountRegion, rule: str, finished: Sequence[Execution]) -> None:
    compliance = {
        (r.resource_type, r.resource_id): r.compliance_type.value
        for r in obj.store.evaluations.results(source, rule_names=[rule])
    }
    if obj.output == "json":
        emit(
            [
                {**_execution(e, calls=False), "compliance": compliance.get((e.resource_type, e.resource_id))}
                for e in finished
            ],
            output="json",
        )
        return
    for e in finished:
        now = compliance.get((e.resource_type, e.resource_id))
        click.echo(
            f"{e.resource_type} {e.resource_id}: {e.state.value}"
            + (f" ({e.error_message})" if e.error_message else "")
            + (f"; {rule} now {now}" if now else "")
        )
        _print_steps(f"steps of {e.execution_id}", e.steps)


COMMANDS = [remediation, remediate]
