"""`roost packs deploy|list|show|delete|check`: conformance packs from the terminal.

Deploying and deleting go through the API's own operations (PutConformancePack,
DeleteConformancePack): the same checks and errors as boto3 gets, one line each. The rules a
deployment creates or changes are evaluated in this process, as `roost rules put` does (a custom
rule's function is left to `roost up`). Reading uses the packs' domain (roost.packs.compliance)
and, for `-o json`, the read operations' AWS shapes (roost.cli.packs_show). `check` renders a
template without deploying it and needs no store or cloud.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import click

from roost.api.context import ApiServices
from roost.api.operations import Handler
from roost.api.operations.packs import delete_conformance_pack, put_conformance_pack_from
from roost.cli.context import CliContext
from roost.cli.operations import run_operation
from roost.cli.output import emit, fail
from roost.cli.packs_show import RULE_COLUMNS, pack_summary, rule_rows, show_pack, support_by_name
from roost.cli.resources import with_source
from roost.clock import SystemClock
from roost.cloud import CloudConnector
from roost.compliance import ConfigRule, Owner
from roost.functions.host import FunctionHost
from roost.model import AccountRegion
from roost.packs import compliance as pack_compliance
from roost.packs.check import check_template, remediation_support
from roost.packs.model import PackState
from roost.packs.template import TemplateError
from roost.rules.engine import RuleEngine

_FAILED = (PackState.CREATE_FAILED, PackState.UPDATE_FAILED, PackState.DELETE_FAILED)

_param_option = click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A template parameter's value (ConformancePackInputParameters); repeat for more.",
)


@click.group()
def packs() -> None:
    """Conformance packs: rules (and their remediations) deployed together from one template."""


def _parameters(pairs: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            fail(f"--param takes NAME=VALUE, got {pair!r}")
        if name in found:
            fail(f"--param {name} is given twice")
        found[name] = value
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}")
    raise AssertionError  # unreachable: fail() exits


def _operation(
    obj: CliContext, source: AccountRegion, name: str, handler: Handler, services: ApiServices, params: Any
) -> Any:
    return run_operation(services, source, name, handler, params)


def _evaluator(obj: CliContext, engine: RuleEngine) -> Any:
    """Evaluate a deployed rule now, as `roost rules put` does; a custom rule is marked due instead
    (its function runs in `roost up`'s workers, which take it up within seconds)."""

    def evaluate(rule: ConfigRule) -> None:
        if rule.source.owner is Owner.AWS:
            engine.evaluate_rule(rule)
        else:
            obj.store.rules.mark_periodic_run(rule, None)

    return evaluate


@packs.command()
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_param_option
@with_source
@click.pass_obj
def deploy(
    obj: CliContext, name: str, file: Path, params: tuple[str, ...], account: str | None, region: str | None
) -> None:
    """Deploy (or update) the conformance pack NAME from the template FILE (YAML or JSON), as
    PutConformancePack; its new and changed rules are evaluated at once."""
    source = obj.source(account, region)
    parameters = _parameters(params)
    # The file is read here and handed over as AWS takes a template from S3: a published pack may be
    # longer than an inline TemplateBody may be.
    template = _read(file)
    request: dict[str, Any] = {"ConformancePackName": name}
    if parameters:
        request["ConformancePackInputParameters"] = [
            {"ParameterName": k, "ParameterValue": v} for k, v in parameters.items()
        ]
    before = obj.store.packs.get(source, name)
    definitions = {r.name: r for r in obj.store.rules.list(source)} if before is not None else {}
    clock = SystemClock()
    connector = CloudConnector(obj.settings.accounts)
    host = FunctionHost(obj.store, clock)
    services = ApiServices(
        store=obj.store,
        clock=clock,
        connector=connector,
        evaluate_rule=_evaluator(obj, RuleEngine(obj.store, connector, clock)),
        functions=host,
    )
    try:
        answer = _operation(
            obj,
            source,
            "PutConformancePack",
            lambda ctx, params: put_conformance_pack_from(ctx, params, template=template),
            services,
            request,
        )
    finally:
        host.close()
    pack = obj.store.packs.get(source, name)
    if pack is None:  # deleted meanwhile by someone else
        fail(f"NoSuchConformancePackException: Could not find conformance pack '{name}'.")
        raise AssertionError
    if pack.state in _FAILED:
        fail(f"conformance pack {name} {pack.state.value}: {pack.status_reason}")
    rules = pack_compliance.rules_compliance(obj.store, pack)
    support = support_by_name(pack)
    rows = rule_rows(rules, support)
    if before is not None:
        earlier = {b.template_name: b.rule_name for b in before.rules}
        for row, found in zip(rows, rules, strict=True):
            old = definitions.get(earlier.get(found.binding.template_name, ""))
            if old is None:
                row["change"] = "added"
            elif found.rule is not None and replace(old, state=found.rule.state) != found.rule:
                row["change"] = "changed"
            else:
                row["change"] = "unchanged"
    if obj.output == "json":
        emit({**answer, **pack_summary(obj.store, pack, rules), "Rules": rows}, output="json")
    else:
        verdict = pack_compliance.pack_compliance(rules).value
        click.echo(f"conformance pack {name} {pack.state.value} in {source}: {verdict}")
        columns = [*RULE_COLUMNS, "change"] if before is not None else RULE_COLUMNS
        emit(rows, output="table", title=f"rules of conformance pack {name}", columns=columns)
        if before is not None:
            gone = sorted({b.rule_name for b in before.rules} - {b.rule_name for b in pack.rules})
            for rule_name in gone:
                click.echo(f"removed {rule_name}")
    waiting = [r for r in rules if r.rule is not None and r.rule.source.owner is Owner.CUSTOM_LAMBDA]
    for found in waiting:
        click.echo(f"{found.rule_name}: a custom rule, roost up runs its function", err=True)
    not_evaluated = [r for r in rules if not r.evaluated]
    if not_evaluated:
        listed = ", ".join(r.rule_name for r in not_evaluated)
        click.echo(
            f"warning: roost does not evaluate {len(not_evaluated)} of the pack's {len(rules)} rules yet "
            f"(they stay INSUFFICIENT_DATA and keep the pack from COMPLIANT): {listed}",
            err=True,
        )


@packs.command("list")
@with_source
@click.pass_obj
def list_packs(obj: CliContext, account: str | None, region: str | None) -> None:
    """The conformance packs of an account and region: state, compliance, score and rules."""
    source = obj.source(account, region)
    found = obj.store.packs.list(source)
    if obj.output == "json":
        emit(
            [pack_summary(obj.store, p, pack_compliance.rules_compliance(obj.store, p)) for p in found],
            output="json",
        )
        return
    rows = []
    for pack in found:
        rules = pack_compliance.rules_compliance(obj.store, pack)
        rows.append(
            {
                "pack": pack.name,
                "state": pack.state.value,
                "compliance": pack_compliance.pack_compliance(rules).value,
                "score": pack_compliance.score(obj.store, pack, rules),
                "rules": len(pack.rules),
                "not evaluated": sum(not r.evaluated for r in rules),
                "updated": pack.last_update_completed or pack.last_update_requested,
            }
        )
    emit(rows, output="table", title=f"conformance packs in {source}")


@packs.command()
@click.argument("name")
@click.option(
    "--resources",
    "per_resource",
    is_flag=True,
    help="Each rule's result per resource (GetConformancePackComplianceDetails).",
)
@click.option("--rule", "rule_names", multiple=True, metavar="RULE", help="Only this rule (repeat).")
@click.option(
    "--compliance",
    type=click.Choice(["COMPLIANT", "NON_COMPLIANT", "INSUFFICIENT_DATA"]),
    default=None,
    help="Only rules (and, with --resources, results) of this compliance type.",
)
@with_source
@click.pass_obj
def show(
    obj: CliContext,
    name: str,
    per_resource: bool,
    rule_names: tuple[str, ...],
    compliance: str | None,
    account: str | None,
    region: str | None,
) -> None:
    """One conformance pack: its state, parameters, compliance and score, and each rule with its
    compliance, controls and whether roost evaluates it (--resources: each resource's result)."""
    source = obj.source(account, region)
    services = ApiServices(store=obj.store, clock=SystemClock())
    show_pack(
        obj,
        source,
        name,
        lambda op, handler, params: _operation(obj, source, op, handler, services, params),
        per_resource=per_resource,
        rule_names=rule_names,
        compliance=compliance,
    )


@packs.command()
@click.argument("name")
@with_source
@click.pass_obj
def delete(obj: CliContext, name: str, account: str | None, region: str | None) -> None:
    """Delete a conformance pack with its rules, their results and remediation configurations."""
    source = obj.source(account, region)
    pack = obj.store.packs.get(source, name)
    services = ApiServices(store=obj.store, clock=SystemClock())
    params = {"ConformancePackName": name}
    _operation(obj, source, "DeleteConformancePack", delete_conformance_pack, services, params)
    count = len(pack.rules) if pack is not None else 0
    click.echo(f"conformance pack {name} deleted from {source} with its {count} rules")


@packs.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_param_option
@with_source
@click.pass_obj
def check(
    obj: CliContext, file: Path, params: tuple[str, ...], account: str | None, region: str | None
) -> None:
    """Without deploying: each rule of the template FILE, whether roost evaluates it and why, and
    the parameters that still need a value."""
    source = obj.source(account, region)
    try:
        template, support = check_template(
            _read(file), _parameters(params), account_id=source.account_id, region=source.region
        )
    except TemplateError as exc:
        fail(f"{file}: {exc}")
        return
    evaluated = sum(s.evaluated for s in support)
    summary = f"{evaluated} of {len(support)} rules evaluated by roost; {len(support) - evaluated} not yet"
    remediations = remediation_support(template)
    if obj.output == "json":
        emit(
            {
                "Rules": [asdict(s) for s in support],
                "Parameters": template.parameters,
                "MissingParameters": list(template.missing_parameters),
                "Remediations": [asdict(r) for r in remediations],
                "Summary": summary,
            },
            output="json",
        )
        return
    rows = [
        {
            "rule": s.name,
            "owner": s.owner,
            "identifier": s.identifier,
            "evaluated": "yes" if s.evaluated else "not yet",
            "why": s.why,
        }
        for s in support
    ]
    emit(rows, output="table", title=f"rules of {file.name}")
    for r in remediations:
        runs = "roost runs it" if r.runs else "roost does not implement it yet: its executions will fail"
        click.echo(f"remediation of {r.rule_name}: {r.document} ({runs})")
    if template.missing_parameters:
        click.echo(
            "parameters without a value (give them with --param NAME=VALUE): "
            + ", ".join(template.missing_parameters)
        )
    click.echo(summary)


COMMANDS = [packs]
