"""`roost aggregators ...`: many accounts and regions in one view.

The aggregator's side (list, show, put, delete, compliance, resources) works on the aggregators of
one (account, region), chosen with --aggregator-account / --aggregator-region (default: the first
configured account and its first region); there --account / --region name the aggregated sources
(put: which to aggregate; compliance, resources: which to show). The source's side (authorize,
deauthorize, requests) acts as the source --account / --region, as every other command does.

Writes go through the API's own operations (the same checks and errors, one line each); reads use
the aggregation domain and the store's multi-source queries directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from roost.aggregator.model import ConfigurationAggregator, SourceStatus
from roost.aggregator.sources import Aggregation
from roost.api.context import ApiServices
from roost.api.operations import Handler
from roost.api.operations.aggregators import (
    delete_aggregation_authorization,
    delete_configuration_aggregator,
    put_aggregation_authorization,
    put_configuration_aggregator,
)
from roost.cli.context import CliContext
from roost.cli.operations import run_operation
from roost.cli.output import emit, fail
from roost.cli.resources import with_source
from roost.clock import SystemClock
from roost.cloud import CloudConnector
from roost.compliance import ComplianceType, roll_up
from roost.model import AccountRegion

COUNT_KEYS = {"type": "RESOURCE_TYPE", "account": "ACCOUNT_ID", "region": "AWS_REGION"}

_aggregator_options = [
    click.option(
        "--aggregator-account",
        default=None,
        metavar="ACCOUNT",
        help="The aggregator's own account (default: the first configured one).",
    ),
    click.option(
        "--aggregator-region",
        default=None,
        metavar="REGION",
        help="The aggregator's own region (default: the account's first region).",
    ),
]


def with_aggregator_source(f: Any) -> Any:
    for option in reversed(_aggregator_options):
        f = option(f)
    return f


def _services(obj: CliContext) -> ApiServices:
    return ApiServices(store=obj.store, clock=SystemClock(), connector=CloudConnector(obj.settings.accounts))


def _aggregation(obj: CliContext) -> Aggregation:
    return Aggregation(obj.store, SystemClock(), CloudConnector(obj.settings.accounts))


def _operation(
    obj: CliContext, source: AccountRegion, name: str, handler: Handler, params: dict[str, Any]
) -> Any:
    return run_operation(_services(obj), source, name, handler, params)


def _aggregator(obj: CliContext, source: AccountRegion, name: str) -> ConfigurationAggregator:
    found = obj.store.aggregators.get(source, name)
    if found is None:
        fail(f"no aggregator {name} in {source}")
        raise AssertionError  # unreachable: fail() exits
    return found


def _covers(aggregator: ConfigurationAggregator) -> str:
    """What the aggregator aggregates, in a few words."""
    parts = []
    for source in aggregator.account_sources:
        regions = "all regions" if source.all_aws_regions else ", ".join(source.aws_regions)
        parts.append(f"accounts {', '.join(source.account_ids)} in {regions}")
    organization = aggregator.organization_source
    if organization is not None:
        regions = "all regions" if organization.all_aws_regions else ", ".join(organization.aws_regions)
        parts.append(f"organization (role {organization.role_arn}) in {regions}")
    return "; ".join(parts)


def _status_row(status: SourceStatus) -> dict[str, Any]:
    return {
        "source": status.source_id,
        "type": status.source_type.value,
        "account": status.account_id,
        "region": status.region,
        "status": status.status.value,
        "error": f"{status.error_code}: {status.error_message}" if status.error_code else None,
    }


def _shown_sources(
    obj: CliContext,
    aggregator: ConfigurationAggregator,
    accounts: Sequence[str],
    regions: Sequence[str],
) -> list[AccountRegion]:
    """The aggregator's visible sources, narrowed to --account / --region when given."""
    return [
        s
        for s in _aggregation(obj).visible(aggregator)
        if (not accounts or s.account_id in accounts) and (not regions or s.region in regions)
    ]


@click.group()
def aggregators() -> None:
    """Aggregators: the resources and compliance of many accounts and regions in one view."""


# --- the aggregator's side -----------------------------------------------------------------------


@aggregators.command("list")
@with_aggregator_source
@click.pass_obj
def list_aggregators(obj: CliContext, aggregator_account: str | None, aggregator_region: str | None) -> None:
    """The aggregators of an account and region, with how many of their sources are visible."""
    source = obj.source(aggregator_account, aggregator_region)
    aggregation = _aggregation(obj)
    rows = []
    for aggregator in obj.store.aggregators.list(source):
        statuses = aggregation.statuses(aggregator)
        rows.append(
            {
                "aggregator": aggregator.name,
                "covers": _covers(aggregator),
                "resource types": list(aggregator.resource_types)
                if aggregator.resource_types is not None
                else "all",
                "sources": len(statuses),
                "visible": sum(s.visible for s in statuses),
                "updated": aggregator.last_updated_time,
            }
        )
    emit(rows, output=obj.output, title=f"aggregators in {source}")


@aggregators.command()
@click.argument("name")
@with_aggregator_source
@click.pass_obj
def show(obj: CliContext, name: str, aggregator_account: str | None, aggregator_region: str | None) -> None:
    """One aggregator: what it covers, and each source's status (SUCCEEDED, or FAILED and why)."""
    source = obj.source(aggregator_account, aggregator_region)
    aggregator = _aggregator(obj, source, name)
    summary = {
        "name": aggregator.name,
        "arn": aggregator.arn,
        "covers": _covers(aggregator),
        "resource types": list(aggregator.resource_types) if aggregator.resource_types is not None else "all",
        "created": aggregator.creation_time,
        "updated": aggregator.last_updated_time,
    }
    rows = [_status_row(s) for s in _aggregation(obj).statuses(aggregator)]
    if obj.output == "json":
        emit({**summary, "sources": rows}, output="json")
        return
    emit(summary, output="table", title=f"aggregator {name} in {source}")
    emit(rows, output="table", title="sources")


@aggregators.command()
@click.argument("name")
@click.option(
    "--account",
    "accounts",
    multiple=True,
    metavar="ACCOUNT",
    help="Aggregate this account (repeat for more); the list replaces the aggregator's.",
)
@click.option(
    "--organization-role",
    default=None,
    metavar="ARN",
    help="Aggregate every member account of the organization, listed with this role.",
)
@click.option("--all-regions", is_flag=True, help="Every region, regions that start recording later too.")
@click.option("--region", "regions", multiple=True, metavar="REGION", help="Only this region (repeat).")
@click.option(
    "--resource-type",
    "resource_types",
    multiple=True,
    metavar="TYPE",
    help="Aggregate only these resource types (AggregatorFilters; default: every type).",
)
@with_aggregator_source
@click.pass_obj
def put(
    obj: CliContext,
    name: str,
    accounts: tuple[str, ...],
    organization_role: str | None,
    all_regions: bool,
    regions: tuple[str, ...],
    resource_types: tuple[str, ...],
    aggregator_account: str | None,
    aggregator_region: str | None,
) -> None:
    """Create or update an aggregator of --account A [--account B ...] or of --organization-role
    ARN, in --all-regions or in --region R [--region S ...] (as PutConfigurationAggregator)."""
    source = obj.source(aggregator_account, aggregator_region)
    if bool(accounts) == (organization_role is not None):
        fail("give --account ACCOUNT (one or more) or --organization-role ARN, not both")
    if all_regions == bool(regions):
        fail("give --all-regions or --region REGION (one or more), not both")
    where: dict[str, Any] = {"AllAwsRegions": True} if all_regions else {"AwsRegions": list(regions)}
    params: dict[str, Any] = {"ConfigurationAggregatorName": name}
    if organization_role is not None:
        params["OrganizationAggregationSource"] = {"RoleArn": organization_role, **where}
    else:
        params["AccountAggregationSources"] = [{"AccountIds": list(accounts), **where}]
    if resource_types:
        params["AggregatorFilters"] = {"ResourceType": {"Type": "INCLUDE", "Value": list(resource_types)}}
    existed = obj.store.aggregators.get(source, name) is not None
    answer = _operation(obj, source, "PutConfigurationAggregator", put_configuration_aggregator, params)
    if obj.output == "json":
        emit(answer["ConfigurationAggregator"], output="json")
        return
    aggregator = _aggregator(obj, source, name)
    statuses = _aggregation(obj).statuses(aggregator)
    click.echo(
        f"aggregator {name} {'updated' if existed else 'added'} in {source}: {_covers(aggregator)}; "
        f"{sum(s.visible for s in statuses)} of {len(statuses)} sources visible"
    )


@aggregators.command()
@click.argument("name")
@with_aggregator_source
@click.pass_obj
def delete(obj: CliContext, name: str, aggregator_account: str | None, aggregator_region: str | None) -> None:
    """Delete an aggregator (the aggregated data stays where it is: it was never copied)."""
    source = obj.source(aggregator_account, aggregator_region)
    params = {"ConfigurationAggregatorName": name}
    _operation(obj, source, "DeleteConfigurationAggregator", delete_configuration_aggregator, params)
    click.echo(f"aggregator {name} deleted from {source}")


@aggregators.command()
@click.argument("name")
@click.option("--account", "accounts", multiple=True, metavar="ACCOUNT", help="Only this source account.")
@click.option("--region", "regions", multiple=True, metavar="REGION", help="Only this source region.")
@click.option("--rule", "rule_name", default=None, help="Only this rule.")
@click.option(
    "--status",
    "compliance",
    type=click.Choice([c.value for c in ComplianceType]),
    default=None,
    help="Only rules whose roll-up is this compliance type.",
)
@with_aggregator_source
@click.pass_obj
def compliance(
    obj: CliContext,
    name: str,
    accounts: tuple[str, ...],
    regions: tuple[str, ...],
    rule_name: str | None,
    compliance: str | None,
    aggregator_account: str | None,
    aggregator_region: str | None,
) -> None:
    """Each rule of the visible sources, by account and region, with its compliance roll-up."""
    source = obj.source(aggregator_account, aggregator_region)
    aggregator = _aggregator(obj, source, name)
    sources = _shown_sources(obj, aggregator, accounts, regions)
    rules = obj.store.aggregates.rules(sources, rule_name=rule_name)
    counts = obj.store.aggregates.rule_counts(sources, rule_name=rule_name)
    rows = []
    for where, rule in rules:
        found = counts.get((where, rule), {})
        verdict = roll_up([t for t, n in found.items() if n])
        if compliance is not None and verdict.value != compliance:
            continue
        rows.append(
            {
                "account": where.account_id,
                "region": where.region,
                "rule": rule,
                "compliance": verdict.value,
                "compliant": found.get(ComplianceType.COMPLIANT, 0),
                "non-compliant": found.get(ComplianceType.NON_COMPLIANT, 0),
            }
        )
    emit(rows, output=obj.output, title=f"compliance in aggregator {name}")


@aggregators.command()
@click.argument("name")
@click.option("--type", "resource_type", default=None, metavar="TYPE", help="Only this resource type.")
@click.option("--account", "accounts", multiple=True, metavar="ACCOUNT", help="Only this source account.")
@click.option("--region", "regions", multiple=True, metavar="REGION", help="Only this source region.")
@click.option(
    "--count-by",
    type=click.Choice(sorted(COUNT_KEYS)),
    default=None,
    help="Count the resources per type, account or region instead of listing them.",
)
@with_aggregator_source
@click.pass_obj
def resources(
    obj: CliContext,
    name: str,
    resource_type: str | None,
    accounts: tuple[str, ...],
    regions: tuple[str, ...],
    count_by: str | None,
    aggregator_account: str | None,
    aggregator_region: str | None,
) -> None:
    """The current resources of the aggregator's visible sources (or their counts, --count-by)."""
    source = obj.source(aggregator_account, aggregator_region)
    aggregator = _aggregator(obj, source, name)
    sources = _shown_sources(obj, aggregator, accounts, regions)
    allowed = aggregator.resource_types
    types: list[str] | None = [resource_type] if resource_type is not None else None
    if allowed is not None:
        types = [t for t in (types if types is not None else allowed) if t in allowed]
    if count_by is not None:
        group = COUNT_KEYS[count_by]
        counted = obj.store.aggregates.resource_counts(sources, group_by=group, resource_types=types)
        rows: list[dict[str, Any]] = [{count_by: k, "resources": n} for k, n in sorted(counted.items())]
        emit(rows, output=obj.output, title=f"resources in aggregator {name} by {count_by}")
        return
    if types is None:
        types = sorted(obj.store.aggregates.resource_counts(sources, group_by="RESOURCE_TYPE"))
    rows = [
        {
            "resource type": r.resource_type,
            "resource id": r.resource_id,
            "name": r.resource_name,
            "account": r.account_id,
            "region": r.region,
        }
        for t in types
        for r in obj.store.aggregates.resources(sources, t)
    ]
    emit(rows, output=obj.output, title=f"resources in aggregator {name}")


# --- the source's side ---------------------------------------------------------------------------


def _authorization(
    obj: CliContext, operation: str, handler: Handler, authorized: AccountRegion, source: AccountRegion
) -> None:
    params = {"AuthorizedAccountId": authorized.account_id, "AuthorizedAwsRegion": authorized.region}
    _operation(obj, source, operation, handler, params)


@aggregators.command()
@click.argument("aggregator_account", metavar="ACCOUNT")
@click.argument("aggregator_region", metavar="REGION")
@with_source
@click.pass_obj
def authorize(
    obj: CliContext, aggregator_account: str, aggregator_region: str, account: str | None, region: str | None
) -> None:
    """Let the aggregators of ACCOUNT in REGION show this source's data (--account, --region)."""
    source = obj.source(account, region)
    authorized = AccountRegion(aggregator_account, aggregator_region)
    _authorization(obj, "PutAggregationAuthorization", put_aggregation_authorization, authorized, source)
    click.echo(f"{source} authorized the aggregators of {authorized}")


@aggregators.command()
@click.argument("aggregator_account", metavar="ACCOUNT")
@click.argument("aggregator_region", metavar="REGION")
@with_source
@click.pass_obj
def deauthorize(
    obj: CliContext, aggregator_account: str, aggregator_region: str, account: str | None, region: str | None
) -> None:
    """Take back an authorization: the aggregators of ACCOUNT in REGION no longer show this source."""
    source = obj.source(account, region)
    authorized = AccountRegion(aggregator_account, aggregator_region)
    _authorization(
        obj, "DeleteAggregationAuthorization", delete_aggregation_authorization, authorized, source
    )
    click.echo(f"{source} no longer authorizes the aggregators of {authorized}")


@aggregators.command()
@with_source
@click.pass_obj
def requests(obj: CliContext, account: str | None, region: str | None) -> None:
    """This source's authorizations, and the aggregators that include it but wait for one."""
    source = obj.source(account, region)
    pending = _aggregation(obj).pending_requests(source)
    granted = obj.store.aggregators.authorizations(source)
    rows = [
        {"aggregator account": r.account_id, "aggregator region": r.region, "state": "PENDING"}
        for r in pending
    ] + [
        {
            "aggregator account": a.authorized_account_id,
            "aggregator region": a.authorized_aws_region,
            "state": "AUTHORIZED",
        }
        for a in granted
    ]
    emit(rows, output=obj.output, title=f"aggregation requests of {source}")


COMMANDS = [aggregators]
