"""Aggregators and authorizations: the 9 operations of AWS Config's area G.

An aggregator of account A in region R covers account sources (listed accounts, listed regions or
all regions) or A's organization. A source of another account is shown only once that account
authorized (A, R) in the source region; until then it is FAILED in the sources status and the
aggregator is a pending request on the source's side.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from roost.aggregator.model import (
    AccountSource,
    AggregationAuthorization,
    ConfigurationAggregator,
    OrganizationSource,
    UpdateStatus,
)
from roost.aggregator.sources import Aggregation
from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.operations.tags import forget_tags, tag_on_create, taggable
from roost.api.pagination import page_size, paged
from roost.clock import whole_millis
from roost.errors import ApiError
from roost.model import AccountRegion

MAX_AGGREGATORS = 50


def aggregation(ctx: RequestContext) -> Aggregation:
    found = ctx.services.aggregation
    if found is None:
        found = ctx.services.aggregation = Aggregation(ctx.store, ctx.clock, ctx.services.connector)
    return found


def no_such_aggregator(name: str) -> ApiError:
    return ApiError(
        "NoSuchConfigurationAggregatorException",
        "The configuration aggregator does not exist. Check the configuration aggregator name and try "
        f"again: {name}",
    )


def get_aggregator(ctx: RequestContext, name: str) -> ConfigurationAggregator:
    found = ctx.store.aggregators.get(ctx.source, name)
    if found is None:
        raise no_such_aggregator(name)
    return found


def visible_sources(ctx: RequestContext, aggregator: ConfigurationAggregator) -> list[AccountRegion]:
    """The sources whose data an aggregator shows (authorized or its own, recording or listed)."""
    return aggregation(ctx).visible(aggregator)


def _tag(ctx: RequestContext, arn: str, tags: list[dict[str, Any]]) -> None:
    # These operations model no tag errors: the model caps Tags at 50 (ValidationException first).
    try:
        tag_on_create(ctx, arn, tags)
    except ApiError as error:
        raise ApiError("ValidationException", error.message) from None


# --- aggregators ---------------------------------------------------------------------------------


def _regions(raw: dict[str, Any], where: str) -> tuple[bool, tuple[str, ...]]:
    every = bool(raw.get("AllAwsRegions"))
    regions = tuple(raw.get("AwsRegions") or ())
    if every and regions:
        raise ApiError(
            "InvalidParameterValueException",
            f"Your {where} has both AllAwsRegions and AwsRegions: give one of them.",
        )
    if not every and not regions:
        raise ApiError(
            "InvalidParameterValueException",
            f"Your {where} has neither AllAwsRegions nor AwsRegions: give one of them.",
        )
    return every, regions


def _aggregator_arn(source: AccountRegion) -> str:
    suffix = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8))
    return f"arn:aws:config:{source.region}:{source.account_id}:config-aggregator/config-aggregator-{suffix}"


@taggable("config-aggregator")
def _aggregator_exists(ctx: RequestContext, arn: str) -> bool:
    return any(a.arn == arn for a in ctx.store.aggregators.list(ctx.source))


@operation("PutConfigurationAggregator")
def put_configuration_aggregator(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["ConfigurationAggregatorName"]
    account_sources = params.get("AccountAggregationSources") or []
    organization = params.get("OrganizationAggregationSource")
    if bool(account_sources) == bool(organization):
        raise ApiError(
            "InvalidParameterValueException",
            "Give either AccountAggregationSources or OrganizationAggregationSource (one, not both).",
        )
    sources: list[AccountSource] = []
    for raw in account_sources:
        every, regions = _regions(raw, "AccountAggregationSource")
        sources.append(AccountSource(tuple(dict.fromkeys(raw["AccountIds"])), every, regions))
    organization_source = None
    if organization:
        every, regions = _regions(organization, "OrganizationAggregationSource")
        organization_source = OrganizationSource(organization["RoleArn"], every, regions)
    filters = params.get("AggregatorFilters") or {}
    types = (filters.get("ResourceType") or {}).get("Value")
    principals = (filters.get("ServicePrincipal") or {}).get("Value")
    existing = ctx.store.aggregators.get(ctx.source, name)
    if existing is None and len(ctx.store.aggregators.list(ctx.source)) >= MAX_AGGREGATORS:
        raise ApiError(
            "LimitExceededException", f"An account may have at most {MAX_AGGREGATORS} aggregators per region."
        )
    now = whole_millis(ctx.clock.now())  # as the store keeps it, so Put answers what Describe will
    aggregator = ConfigurationAggregator(
        account_id=ctx.source.account_id,
        region=ctx.source.region,
        name=name,
        arn=existing.arn if existing else _aggregator_arn(ctx.source),
        creation_time=existing.creation_time if existing else now,
        last_updated_time=now,
        account_sources=tuple(sources),  # the account list is replaced, never merged
        organization_source=organization_source,
        resource_types=tuple(types) if types is not None else None,
        service_principals=tuple(principals) if principals is not None else None,
    )
    if organization_source is not None:
        aggregation(ctx).check_organization(aggregator)
    ctx.store.aggregators.put(aggregator)
    if existing is None:
        _tag(ctx, aggregator.arn, params.get("Tags") or [])
    return {"ConfigurationAggregator": aggregator_to_wire(aggregator)}


def aggregator_to_wire(aggregator: ConfigurationAggregator) -> dict[str, Any]:
    def regions(every: bool, listed: tuple[str, ...]) -> dict[str, Any]:
        return {"AllAwsRegions": True} if every else {"AwsRegions": list(listed), "AllAwsRegions": False}

    wire: dict[str, Any] = {
        "ConfigurationAggregatorName": aggregator.name,
        "ConfigurationAggregatorArn": aggregator.arn,
        "CreationTime": aggregator.creation_time,
        "LastUpdatedTime": aggregator.last_updated_time,
        "CreatedBy": aggregator.created_by,
    }
    if aggregator.account_sources:
        wire["AccountAggregationSources"] = [
            {"AccountIds": list(s.account_ids), **regions(s.all_aws_regions, s.aws_regions)}
            for s in aggregator.account_sources
        ]
    if aggregator.organization_source is not None:
        o = aggregator.organization_source
        wire["OrganizationAggregationSource"] = {
            "RoleArn": o.role_arn,
            **regions(o.all_aws_regions, o.aws_regions),
        }
    filters: dict[str, Any] = {}
    if aggregator.resource_types is not None:
        filters["ResourceType"] = {"Type": "INCLUDE", "Value": list(aggregator.resource_types)}
    if aggregator.service_principals is not None:
        filters["ServicePrincipal"] = {"Type": "INCLUDE", "Value": list(aggregator.service_principals)}
    if filters:
        wire["AggregatorFilters"] = filters
    return wire


@operation("DescribeConfigurationAggregators")
def describe_configuration_aggregators(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    names = params.get("ConfigurationAggregatorNames") or []
    found = ctx.store.aggregators.list(ctx.source)
    if names:
        by_name = {a.name: a for a in found}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise no_such_aggregator(missing[0])
        found = [by_name[n] for n in dict.fromkeys(names)]
    found = sorted(found, key=lambda a: a.name)  # the order the NextToken pages by
    limit = page_size(params.get("Limit"), default=100, maximum=100)
    page, token = paged(
        "DescribeConfigurationAggregators", found, params.get("NextToken"), limit, lambda a: [a.name]
    )
    return {"ConfigurationAggregators": [aggregator_to_wire(a) for a in page], "NextToken": token}


@operation("DeleteConfigurationAggregator")
def delete_configuration_aggregator(ctx: RequestContext, params: dict[str, Any]) -> None:
    name = params["ConfigurationAggregatorName"]
    aggregator = get_aggregator(ctx, name)
    ctx.store.aggregators.delete(ctx.source, name)
    forget_tags(ctx, aggregator.arn)


@operation("DescribeConfigurationAggregatorSourcesStatus")
def describe_configuration_aggregator_sources_status(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    aggregator = get_aggregator(ctx, params["ConfigurationAggregatorName"])
    wanted = {UpdateStatus(s) for s in params.get("UpdateStatus") or []}
    statuses = [s for s in aggregation(ctx).statuses(aggregator) if not wanted or s.status in wanted]
    limit = page_size(params.get("Limit"), default=100, maximum=100)
    page, token = paged(
        "DescribeConfigurationAggregatorSourcesStatus",
        statuses,
        params.get("NextToken"),
        limit,
        lambda s: [s.source_id, s.region],
    )
    return {
        "AggregatedSourceStatusList": [
            {
                "SourceId": s.source_id,
                "SourceType": s.source_type.value,
                "AwsRegion": s.region,
                "LastUpdateStatus": s.status.value,
                "LastUpdateTime": s.last_update_time,
                "LastErrorCode": s.error_code,
                "LastErrorMessage": s.error_message,
            }
            for s in page
        ],
        "NextToken": token,
    }


# --- authorizations (the source's side) ----------------------------------------------------------


def authorization_to_wire(authorization: AggregationAuthorization) -> dict[str, Any]:
    return {
        "AggregationAuthorizationArn": authorization.arn,
        "AuthorizedAccountId": authorization.authorized_account_id,
        "AuthorizedAwsRegion": authorization.authorized_aws_region,
        "CreationTime": authorization.creation_time,
    }


@taggable("aggregation-authorization")
def _authorization_exists(ctx: RequestContext, arn: str) -> bool:
    return any(a.arn == arn for a in ctx.store.aggregators.authorizations(ctx.source))


@operation("PutAggregationAuthorization")
def put_aggregation_authorization(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    authorized = (params["AuthorizedAccountId"], params["AuthorizedAwsRegion"])
    existed = any(
        (a.authorized_account_id, a.authorized_aws_region) == authorized
        for a in ctx.store.aggregators.authorizations(ctx.source)
    )
    authorization = ctx.store.aggregators.authorize(
        AggregationAuthorization(
            ctx.source.account_id,
            ctx.source.region,
            params["AuthorizedAccountId"],
            params["AuthorizedAwsRegion"],
            ctx.clock.now(),
        )
    )
    if not existed:  # tags apply when it is created (tag_on_create would replace them)
        _tag(ctx, authorization.arn, params.get("Tags") or [])
    return {"AggregationAuthorization": authorization_to_wire(authorization)}


@operation("DescribeAggregationAuthorizations")
def describe_aggregation_authorizations(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    found = ctx.store.aggregators.authorizations(ctx.source)
    limit = page_size(params.get("Limit"), default=100, maximum=100)
    page, token = paged(
        "DescribeAggregationAuthorizations",
        found,
        params.get("NextToken"),
        limit,
        lambda a: [a.authorized_account_id, a.authorized_aws_region],
    )
    return {"AggregationAuthorizations": [authorization_to_wire(a) for a in page], "NextToken": token}


@operation("DeleteAggregationAuthorization")
def delete_aggregation_authorization(ctx: RequestContext, params: dict[str, Any]) -> None:
    authorized = AccountRegion(params["AuthorizedAccountId"], params["AuthorizedAwsRegion"])
    found = [
        a
        for a in ctx.store.aggregators.authorizations(ctx.source)
        if (a.authorized_account_id, a.authorized_aws_region) == (authorized.account_id, authorized.region)
    ]
    ctx.store.aggregators.revoke(ctx.source, authorized)  # deleting one that is not there is no error
    for authorization in found:
        forget_tags(ctx, authorization.arn)


@operation("DescribePendingAggregationRequests")
def describe_pending_aggregation_requests(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    found = aggregation(ctx).pending_requests(ctx.source)
    limit = page_size(params.get("Limit"), default=20, maximum=20)
    page, token = paged(
        "DescribePendingAggregationRequests",
        found,
        params.get("NextToken"),
        limit,
        lambda r: [r.account_id, r.region],
    )
    return {
        "PendingAggregationRequests": [
            {"RequesterAccountId": r.account_id, "RequesterAwsRegion": r.region} for r in page
        ],
        "NextToken": token,
    }


@operation("DeletePendingAggregationRequest")
def delete_pending_aggregation_request(ctx: RequestContext, params: dict[str, Any]) -> None:
    ctx.store.aggregators.dismiss(
        ctx.source, AccountRegion(params["RequesterAccountId"], params["RequesterAwsRegion"])
    )
