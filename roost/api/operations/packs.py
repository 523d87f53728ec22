"""Conformance packs (AWS Config's area I): Put, Describe, DescribeStatus, compliance per rule and per
resource, the summary, scores, Delete. The deploying lives in roost/packs/deploy.py, the compliance
arithmetic in roost/packs/compliance.py.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions

from roost.api.context import RequestContext
from roost.api.operations import operation
from roost.api.operations.rules import evaluate
from roost.api.operations.tags import check_tags, tag_on_create, taggable
from roost.api.pagination import decode_token, encode_token, page_size, paged
from roost.api.service_model import config_model
from roost.api.validation import validate_input
from roost.compliance import ComplianceType
from roost.errors import ApiError, CloudError
from roost.packs import compliance as pack_compliance
from roost.packs.deploy import PackRequest, delete_pack, put_pack
from roost.packs.model import ConformancePack
from roost.packs.template import MAX_TEMPLATE_BODY, MAX_TEMPLATE_FILE


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterValueException", message)


def no_such_pack(name: str) -> ApiError:
    return ApiError("NoSuchConformancePackException", f"Could not find conformance pack '{name}'.")


def get_pack(ctx: RequestContext, name: str) -> ConformancePack:
    found = ctx.store.packs.get(ctx.source, name)
    if found is None:
        raise no_such_pack(name)
    return found


@taggable("conformance-pack")
def _pack_exists(ctx: RequestContext, arn: str) -> bool:
    return any(pack.arn == arn for pack in ctx.store.packs.list(ctx.source))


def _template_from_s3(ctx: RequestContext, uri: str) -> str:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise _invalid(f"The TemplateS3Uri {uri} is not of the form s3://bucket/key.")
    bucket, key = uri[5:].split("/", 1)
    connector = ctx.services.connector
    if connector is None:
        raise _invalid("roost reaches no cloud here: give the template as TemplateBody.")
    try:
        s3 = connector.client(ctx.source.account_id, ctx.source.region, "s3")
        found = s3.get_object(Bucket=bucket, Key=key)
        if int(found.get("ContentLength") or 0) > 4 * MAX_TEMPLATE_FILE:  # UTF-8: up to 4 bytes a character
            raise ApiError(
                "ConformancePackTemplateValidationException",
                f"The template at {uri} is longer than {MAX_TEMPLATE_FILE} characters.",
            )
        body = found["Body"].read()
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise ApiError(
            "ConformancePackTemplateValidationException",
            f"The template at {uri} could not be read: {error.get('Code')}: {error.get('Message')}",
        ) from None
    except (CloudError, botocore.exceptions.BotoCoreError) as exc:
        raise ApiError(
            "ConformancePackTemplateValidationException", f"The template at {uri} could not be read: {exc}"
        ) from None
    try:
        return bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(
            "ConformancePackTemplateValidationException", f"The template at {uri} is not UTF-8 text."
        ) from None


def _check_shape(name: str, raw: dict[str, Any]) -> None:
    """A pack's rule or remediation passes the checks PutConfigRule's and
    PutRemediationConfigurations' input would (lengths, types, enums)."""
    validate_input(config_model().shape_for(name), raw)


@operation("PutConformancePack")
def put_conformance_pack(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return put_conformance_pack_from(ctx, params, template=None)


def put_conformance_pack_from(
    ctx: RequestContext, params: dict[str, Any], *, template: str | None
) -> dict[str, Any]:
    """PutConformancePack. `template` is a template the caller read from a file (`roost packs
    deploy`), taken as AWS takes one from S3 (up to MAX_TEMPLATE_FILE characters: some published
    packs are longer than an inline TemplateBody may be) instead of TemplateBody/TemplateS3Uri."""
    name = params["ConformancePackName"]
    body, uri = params.get("TemplateBody"), params.get("TemplateS3Uri")
    if template is not None:
        if body is not None or uri is not None:
            raise _invalid("A template file replaces TemplateBody and TemplateS3Uri: give only one.")
        body = template
    if params.get("Source") is not None:
        raise _invalid(
            "roost has no AWS-managed conformance packs (Source): deploy the pack's template with "
            "TemplateBody or TemplateS3Uri."
        )
    if params.get("TemplateSSMDocumentDetails") is not None:
        raise _invalid("roost hosts no SSM documents: give the template as TemplateBody or TemplateS3Uri.")
    if (body is None) == (uri is None):
        raise ApiError(
            "ConformancePackTemplateValidationException",
            "Provide exactly one of TemplateBody and TemplateS3Uri.",
        )
    if template is None and body is not None and len(body) > MAX_TEMPLATE_BODY:
        raise ApiError(
            "ConformancePackTemplateValidationException",
            f"The TemplateBody is longer than {MAX_TEMPLATE_BODY} characters.",
        )
    parameters: dict[str, str] = {}
    for given in params.get("ConformancePackInputParameters") or []:
        if given["ParameterName"] in parameters:
            raise _invalid(f"The parameter {given['ParameterName']} is given twice.")
        parameters[given["ParameterName"]] = given["ParameterValue"]
    tags = params.get("Tags") or []
    try:
        check_tags(tags)
    except ApiError as error:
        raise _invalid(error.message) from None
    scope = params.get("Scope") or {}
    if uri is not None:
        body = _template_from_s3(ctx, uri)
    host = ctx.services.functions
    existed = ctx.store.packs.get(ctx.source, name) is not None
    pack, changed = put_pack(
        ctx.store,
        ctx.source,
        PackRequest(
            name=name,
            template_body=str(body),
            template_s3_uri=uri,
            input_parameters=parameters,
            delivery_bucket=params.get("DeliveryS3Bucket") or None,
            delivery_prefix=params.get("DeliveryS3KeyPrefix") or None,
            scope_tag_key=scope.get("TagKey"),
            scope_tag_value=scope.get("TagValue"),
        ),
        now=ctx.clock.now(),
        function_exists=(lambda arn: host.find_own(ctx.source, arn) is not None) if host else None,
        check_shape=_check_shape,
    )
    if not existed:
        try:
            tag_on_create(ctx, pack.arn, tags)
        except ApiError as error:
            raise _invalid(error.message) from None
    for rule in changed:
        evaluate(ctx, rule)
    return {"ConformancePackArn": pack.arn}


def _pack_to_wire(pack: ConformancePack) -> dict[str, Any]:
    scope = {"TagKey": pack.scope_tag_key, "TagValue": pack.scope_tag_value} if pack.scope_tag_key else None
    return {
        "ConformancePackName": pack.name,
        "ConformancePackArn": pack.arn,
        "ConformancePackId": pack.pack_id,
        "DeliveryS3Bucket": pack.delivery_bucket,
        "DeliveryS3KeyPrefix": pack.delivery_prefix,
        "ConformancePackInputParameters": [
            {"ParameterName": k, "ParameterValue": v} for k, v in sorted(pack.input_parameters.items())
        ],
        "LastUpdateRequestedTime": pack.last_update_requested,
        "CreatedBy": None,
        "Type": "CUSTOM",
        "Scope": scope,
    }


def _named(ctx: RequestContext, names: list[str]) -> list[ConformancePack]:
    packs = ctx.store.packs.list(ctx.source, names)
    missing = sorted(set(names) - {p.name for p in packs})
    if missing:
        raise no_such_pack(missing[0])
    return packs


def _by_name(pack: ConformancePack) -> list[str]:
    return [pack.name]


@operation("DescribeConformancePacks")
def describe_conformance_packs(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    limit = page_size(params.get("Limit"), default=20, maximum=20)
    packs = _named(ctx, params.get("ConformancePackNames") or [])
    types = (params.get("Filters") or {}).get("Types")
    if types and "CUSTOM" not in types:
        packs = []  # roost's packs are all CUSTOM (deployed from a template)
    page, token = paged("DescribeConformancePacks", packs, params.get("NextToken"), limit, _by_name)
    return {"ConformancePackDetails": [_pack_to_wire(p) for p in page], "NextToken": token}


@operation("DescribeConformancePackStatus")
def describe_conformance_pack_status(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    limit = page_size(params.get("Limit"), default=20, maximum=20)
    names = params.get("ConformancePackNames") or []
    packs = ctx.store.packs.list(ctx.source, names)  # AWS: an unknown name is simply not listed
    page, token = paged("DescribeConformancePackStatus", packs, params.get("NextToken"), limit, _by_name)
    return {
        "ConformancePackStatusDetails": [
            {
                "ConformancePackName": p.name,
                "ConformancePackId": p.pack_id,
                "ConformancePackArn": p.arn,
                "ConformancePackState": p.state.value,
                "StackArn": p.stack_arn,
                "ConformancePackStatusReason": p.status_reason,
                "LastUpdateRequestedTime": p.last_update_requested,
                "LastUpdateCompletedTime": p.last_update_completed,
                "Type": "CUSTOM",
            }
            for p in page
        ],
        "NextToken": token,
    }


@operation("DeleteConformancePack")
def delete_conformance_pack(ctx: RequestContext, params: dict[str, Any]) -> None:
    delete_pack(ctx.store, ctx.source, params["ConformancePackName"], now=ctx.clock.now())


# --- compliance ----------------------------------------------------------------------------------


def _compliance_type(value: str | None) -> ComplianceType | None:
    return ComplianceType(value) if value else None


def _rule_names(pack: ConformancePack, names: list[str]) -> set[str]:
    owned = {b.rule_name for b in pack.rules}
    for name in names:
        if name not in owned:
            raise ApiError(
                "NoSuchConfigRuleInConformancePackException",
                f"The config rule {name} is not a rule of the conformance pack {pack.name}.",
            )
    return set(names) or owned


@operation("DescribeConformancePackCompliance")
def describe_conformance_pack_compliance(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    pack = get_pack(ctx, params["ConformancePackName"])
    limit = page_size(params.get("Limit"), default=1000, maximum=1000)
    filters = params.get("Filters") or {}
    wanted = _rule_names(pack, filters.get("ConfigRuleNames") or [])
    compliance = _compliance_type(filters.get("ComplianceType"))
    rules = [
        r
        for r in pack_compliance.rules_compliance(ctx.store, pack)
        if r.rule_name in wanted and (compliance is None or r.compliance_type is compliance)
    ]
    page, token = paged(
        "DescribeConformancePackCompliance", rules, params.get("NextToken"), limit, lambda r: [r.rule_name]
    )
    return {
        "ConformancePackName": pack.name,
        "ConformancePackRuleComplianceList": [
            {
                "ConfigRuleName": r.rule_name,
                "ComplianceType": r.compliance_type.value,
                "Controls": list(r.binding.controls),
            }
            for r in page
        ],
        "NextToken": token,
    }


@operation("GetConformancePackComplianceDetails")
def get_conformance_pack_compliance_details(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    operation_name = "GetConformancePackComplianceDetails"
    pack = get_pack(ctx, params["ConformancePackName"])
    limit = page_size(params.get("Limit"), default=100, maximum=100)
    filters = params.get("Filters") or {}
    wanted = sorted(_rule_names(pack, filters.get("ConfigRuleNames") or []))
    compliance = _compliance_type(filters.get("ComplianceType"))
    resource_ids = set(filters.get("ResourceIds") or [])
    if resource_ids and not filters.get("ResourceType"):
        raise _invalid("ResourceIds can be given only with a ResourceType.")
    results = ctx.store.evaluations.results(
        ctx.source,
        rule_names=wanted,
        resource_type=filters.get("ResourceType"),
        compliance_types=[compliance]
        if compliance
        else [ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT],
    )
    results = sorted(  # in Python's order, the order the token is compared in
        (r for r in results if not resource_ids or r.resource_id in resource_ids),
        key=lambda r: (r.rule_name, r.resource_type, r.resource_id),
    )
    after = decode_token(operation_name, params.get("NextToken"))
    if after is not None and not (isinstance(after, list) and all(isinstance(p, str) for p in after)):
        raise ApiError("InvalidNextTokenException", "The nextToken provided is invalid.")
    if after is not None:
        results = [r for r in results if [r.rule_name, r.resource_type, r.resource_id] > after]
    page = results[:limit]
    return {
        "ConformancePackName": pack.name,
        "ConformancePackRuleEvaluationResults": [
            {
                "ComplianceType": r.compliance_type.value,
                "EvaluationResultIdentifier": {
                    "EvaluationResultQualifier": {
                        "ConfigRuleName": r.rule_name,
                        "ResourceType": r.resource_type,
                        "ResourceId": r.resource_id,
                        "EvaluationMode": r.evaluation_mode,
                    },
                    "OrderingTimestamp": r.ordering_timestamp,
                },
                "ConfigRuleInvokedTime": r.config_rule_invoked_time,
                "ResultRecordedTime": r.result_recorded_time,
                "Annotation": r.annotation,
            }
            for r in page
        ],
        "NextToken": encode_token(
            operation_name, [page[-1].rule_name, page[-1].resource_type, page[-1].resource_id]
        )
        if len(results) > limit
        else None,
    }


@operation("GetConformancePackComplianceSummary")
def get_conformance_pack_compliance_summary(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    limit = page_size(params.get("Limit"), default=20, maximum=20)
    packs = _named(ctx, params["ConformancePackNames"])
    page, token = paged(
        "GetConformancePackComplianceSummary", packs, params.get("NextToken"), limit, _by_name
    )
    return {
        "ConformancePackComplianceSummaryList": [
            {
                "ConformancePackName": p.name,
                "ConformancePackComplianceStatus": pack_compliance.pack_compliance(
                    pack_compliance.rules_compliance(ctx.store, p)
                ).value,
            }
            for p in page
        ],
        "NextToken": token,
    }


@operation("ListConformancePackComplianceScores")
def list_conformance_pack_compliance_scores(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    operation_name = "ListConformancePackComplianceScores"
    limit = page_size(params.get("Limit"), default=20, maximum=20)
    names = (params.get("Filters") or {}).get("ConformancePackNames") or []
    packs = ctx.store.packs.list(ctx.source, names)
    scored = [
        (p, pack_compliance.score(ctx.store, p, pack_compliance.rules_compliance(ctx.store, p)))
        for p in packs
    ]
    descending = params.get("SortOrder") == "DESCENDING"
    if params.get("SortBy") == "SCORE":
        # INSUFFICIENT_DATA sorts as the lowest score; ties by name.
        def by_score(entry: tuple[ConformancePack, str]) -> tuple[float, str]:
            value = -1.0 if entry[1] == pack_compliance.INSUFFICIENT else float(entry[1])
            return (-value if descending else value, entry[0].name)

        scored.sort(key=by_score)
    else:
        scored.sort(key=lambda e: e[0].name, reverse=descending)
    after = decode_token(operation_name, params.get("NextToken"))
    if after is not None and (isinstance(after, bool) or not isinstance(after, int) or after < 0):
        raise ApiError("InvalidNextTokenException", "The nextToken provided is invalid.")
    start = after or 0
    page = scored[start : start + limit]
    return {
        "ConformancePackComplianceScores": [
            {
                "Score": s,
                "ConformancePackName": p.name,
                "LastUpdatedTime": p.last_update_completed or p.last_update_requested,
            }
            for p, s in page
        ],
        "NextToken": encode_token(operation_name, start + limit) if len(scored) > start + limit else None,
    }
