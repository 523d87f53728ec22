"""`roost rules ...` and `roost compliance`: rules, their results and AWS's catalogue."""

from __future__ import annotations

import json

import click

from roost.cli.context import CliContext
from roost.cli.output import emit, fail
from roost.cli.resources import with_source
from roost.clock import SystemClock
from roost.cloud import CloudConnector
from roost.compliance import (
    ComplianceType,
    ExecutionFrequency,
    MessageType,
    Owner,
    RuleScope,
    RuleSource,
    SourceDetail,
    roll_up,
)
from roost.errors import ApiError
from roost.functions.host import FunctionHost
from roost.model import AccountRegion
from roost.rules.catalog import catalog
from roost.rules.configuration import RuleRequest, delete_rule, put_rule
from roost.rules.engine import RuleEngine
from roost.rules.managed_rule import load_managed_rules


@click.group()
def rules() -> None:
    """Config rules: what judges the recorded resources."""


@rules.command("list")
@with_source
@click.pass_obj
def list_rules(obj: CliContext, account: str | None, region: str | None) -> None:
    """The rules of an account and region, with their compliance."""
    source = obj.source(account, region)
    rows = []
    for rule in obj.store.rules.list(source):
        results = obj.store.evaluations.results(source, rule_names=[rule.name])
        non_compliant = sum(r.compliance_type is ComplianceType.NON_COMPLIANT for r in results)
        rows.append(
            {
                "rule": rule.name,
                "source": rule.source.source_identifier,
                "owner": rule.source.owner.value,
                "state": rule.state.value,
                "compliance": roll_up([r.compliance_type for r in results]).value,
                "non-compliant resources": non_compliant,
            }
        )
    emit(rows, output=obj.output, title=f"rules in {source}")


@rules.command()
@click.argument("name")
@with_source
@click.pass_obj
def show(obj: CliContext, name: str, account: str | None, region: str | None) -> None:
    """One rule: its definition, evaluation status and results."""
    source = obj.source(account, region)
    rule = obj.store.rules.get(source, name)
    if rule is None:
        fail(f"no rule {name} in {source}")
        return
    status = obj.store.rules.status(source, name)
    results = obj.store.evaluations.results(source, rule_names=[name])
    summary = {
        "name": rule.name,
        "arn": rule.arn,
        "source": f"{rule.source.owner.value} {rule.source.source_identifier}",
        "scope": [*rule.scope.resource_types, *([f"tag {rule.scope.tag_key}"] if rule.scope.tag_key else [])],
        "parameters": rule.input_parameters,
        "state": rule.state.value,
        "compliance": roll_up([r.compliance_type for r in results]).value,
        "last successful evaluation": status.last_successful_evaluation_time if status else None,
        "last error": f"{status.last_error_code}: {status.last_error_message}"
        if status and status.last_error_code
        else None,
    }
    rows = [
        {
            "resource type": r.resource_type,
            "resource id": r.resource_id,
            "compliance": r.compliance_type.value,
            "annotation": r.annotation,
            "recorded": r.result_recorded_time,
        }
        for r in results
    ]
    if obj.output == "json":
        emit({**summary, "results": rows}, output="json")
        return
    emit(summary, output="table", title=f"rule {name}")
    emit(rows, output="table", title="results")


@rules.command()
@click.argument("names", nargs=-1, required=True)
@with_source
@click.pass_obj
def evaluate(obj: CliContext, names: tuple[str, ...], account: str | None, region: str | None) -> None:
    """Evaluate rules now over what is recorded (as StartConfigRulesEvaluation)."""
    source = obj.source(account, region)
    engine = RuleEngine(obj.store, CloudConnector(obj.settings.accounts), SystemClock())
    for name in names:
        rule = obj.store.rules.get(source, name)
        if rule is None:
            fail(f"no rule {name} in {source}")
            return
        if rule.source.owner is not Owner.AWS:
            # Its function runs in `roost up`'s workers: mark the rule due, roost up runs it in seconds.
            obj.store.rules.mark_periodic_run(rule, None)
            click.echo(f"{name} queued: roost up runs its function")
            continue
        engine.evaluate_rule(rule)
        status = obj.store.rules.status(source, name)
        if status is not None and status.last_error_code:
            click.echo(f"roost: {name}: {status.last_error_code}: {status.last_error_message}", err=True)
        else:
            click.echo(f"{name} evaluated")


@rules.command()
@click.argument("identifier", required=False)
@click.option(
    "--function",
    "function",
    default=None,
    metavar="NAME|ARN",
    help="A custom rule (CUSTOM_LAMBDA) run by this hosted function instead of a managed IDENTIFIER.",
)
@click.option("--name", default=None, help="Rule name (default: AWS's name for the managed rule).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="An InputParameters entry.")
@click.option(
    "--resource-type", "resource_types", multiple=True, metavar="TYPE", help="Scope: resource types."
)
@click.option("--tag", default=None, metavar="KEY[=VALUE]", help="Scope: resources with this tag.")
@click.option(
    "--frequency",
    type=click.Choice([f.value for f in ExecutionFrequency]),
    default=None,
    help="MaximumExecutionFrequency of a periodic rule.",
)
@with_source
@click.pass_obj
def put(
    obj: CliContext,
    identifier: str | None,
    function: str | None,
    name: str | None,
    params: tuple[str, ...],
    resource_types: tuple[str, ...],
    tag: str | None,
    frequency: str | None,
    account: str | None,
    region: str | None,
) -> None:
    """Add (or update) the managed rule IDENTIFIER, and evaluate it at once; or, with --function, a
    custom rule whose function `roost up` runs (on changes to --resource-type, every --frequency)."""
    source = obj.source(account, region)
    if (identifier is None) == (function is None):
        fail("give a managed rule IDENTIFIER or --function NAME, not both")
    rule_source, default_name = (
        _custom_source(obj, source, function, changes=bool(resource_types or tag), frequency=frequency)
        if function is not None
        else _managed_source(str(identifier))
    )
    parameters = {}
    for pair in params:
        key, sep, value = pair.partition("=")
        if not sep:
            fail(f"--param takes KEY=VALUE, got {pair!r}")
        parameters[key] = value
    tag_key, _, tag_value = (tag or "").partition("=")
    request = RuleRequest(
        source=rule_source,
        name=name or default_name,
        scope=RuleScope(
            resource_types=resource_types,
            tag_key=tag_key or None,
            tag_value=tag_value or None if tag else None,
        ),
        input_parameters=json.dumps(parameters) if parameters else None,
        maximum_execution_frequency=ExecutionFrequency(frequency) if frequency and not function else None,
    )
    clock = SystemClock()
    rule, created = put_rule(obj.store, source, request, now=clock.now())
    if function is not None:
        # Its function runs in `roost up`'s workers, which take up a rule that never ran within seconds.
        click.echo(
            f"rule {rule.name} {'added' if created else 'updated'} in {source}: roost up runs {function}"
        )
        return
    RuleEngine(obj.store, CloudConnector(obj.settings.accounts), clock).evaluate_rule(rule)
    results = obj.store.evaluations.results(source, rule_names=[rule.name])
    verdict = roll_up([r.compliance_type for r in results]).value
    click.echo(f"rule {rule.name} {'added' if created else 'updated'} in {source}: {verdict}")


def _managed_source(identifier: str) -> tuple[RuleSource, str]:
    managed = load_managed_rules()
    default_name = (
        managed.get(identifier).name if identifier in managed else identifier.lower().replace("_", "-")
    )
    return RuleSource(owner=Owner.AWS, source_identifier=identifier), default_name


def _custom_source(
    obj: CliContext, source: AccountRegion, function: str, *, changes: bool, frequency: str | None
) -> tuple[RuleSource, str]:
    host = FunctionHost(obj.store, SystemClock())
    try:
        config = host.get(source, function)
    except ApiError as error:
        fail(f"{error.code}: {error.message}")
        raise
    finally:
        host.close()
    if not changes and frequency is None:
        fail("a custom rule needs --resource-type / --tag (run on changes) or --frequency (periodic)")
    details: list[SourceDetail] = []
    if changes:
        details += [
            SourceDetail(message_type=MessageType.CONFIGURATION_ITEM_CHANGE),
            SourceDetail(message_type=MessageType.OVERSIZED_CONFIGURATION_ITEM_CHANGE),
        ]
    if frequency is not None:
        details.append(
            SourceDetail(
                message_type=MessageType.SCHEDULED, maximum_execution_frequency=ExecutionFrequency(frequency)
            )
        )
    rule_source = RuleSource(Owner.CUSTOM_LAMBDA, source_identifier=config.arn, source_details=tuple(details))
    return rule_source, config.name


@rules.command()
@click.argument("name")
@with_source
@click.pass_obj
def delete(obj: CliContext, name: str, account: str | None, region: str | None) -> None:
    """Delete a rule and its results."""
    source = obj.source(account, region)
    delete_rule(obj.store, source, name, now=SystemClock().now())
    click.echo(f"rule {name} deleted from {source}")


@rules.command("catalog")
@click.option("--implemented", is_flag=True, help="Only the rules roost implements.")
@click.option("--search", default=None, help="Only identifiers containing this text.")
@click.pass_obj
def catalog_command(obj: CliContext, implemented: bool, search: str | None) -> None:
    """AWS's managed rules: identifier, parameters, resource types, trigger, and whether roost has it."""
    managed = load_managed_rules()
    rows = []
    for identifier, entry in sorted(catalog().items()):
        if implemented and identifier not in managed:
            continue
        if search and search.upper() not in identifier:
            continue
        rows.append(
            {
                "identifier": identifier,
                "name": managed.get(identifier).name if identifier in managed else None,
                "in roost": identifier in managed,
                "trigger": entry.trigger,
                "resource types": list(entry.resource_types),
                "parameters": [f"{p.name}={p.default}" if p.default else p.name for p in entry.parameters],
            }
        )
    emit(rows, output=obj.output, title=f"managed rules ({len(managed)} of {len(catalog())} in roost)")


@click.command()
@click.option("--rule", "rule_name", default=None, help="Only this rule's results.")
@click.option(
    "--status",
    "compliance",
    type=click.Choice(["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"]),
    default=None,
    help="Only results of this compliance type.",
)
@with_source
@click.pass_obj
def compliance(
    obj: CliContext, rule_name: str | None, compliance: str | None, account: str | None, region: str | None
) -> None:
    """Evaluation results: which resource complies with which rule."""
    source = obj.source(account, region)
    results = obj.store.evaluations.results(
        source,
        rule_names=[rule_name] if rule_name else None,
        compliance_types=[ComplianceType(compliance)] if compliance else None,
    )
    rows = [
        {
            "rule": r.rule_name,
            "resource type": r.resource_type,
            "resource id": r.resource_id,
            "compliance": r.compliance_type.value,
            "annotation": r.annotation,
        }
        for r in results
    ]
    emit(rows, output=obj.output, title=f"compliance in {source}")


COMMANDS = [rules, compliance]
