"""Invoke, the resource policy (AddPermission, RemovePermission, GetPolicy) and tags (ListTags,
TagResource, UntagResource)."""

from __future__ import annotations

import base64
import json

from starlette.responses import Response

from roost.api.lambda_api.call import Call
from roost.api.lambda_api.wire import (
    JSON_TYPE,
    empty_response,
    get_str,
    get_string_map,
    invalid_value,
    json_response,
    parse_json,
    require_str,
    validation,
)
from roost.errors import FunctionError
from roost.functions.model import LATEST, PolicyStatement

INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")
LOG_TYPES = ("None", "Tail")
TAIL_BYTES = 4096


def _payload(body: bytes) -> bytes:
    """The event to hand the function: the body if it is JSON ({} when empty)."""
    if not body.strip():
        return b"{}"
    try:
        json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # also UnicodeDecodeError
        raise FunctionError(
            "InvalidRequestContentException",
            f"Could not parse request body into json: Could not parse payload into json: {exc}",
        ) from None
    return body


def invoke(call: Call) -> Response:
    config = call.function(call.path("name"), call.query("Qualifier"), action="lambda:InvokeFunction")
    kind = call.header("x-amz-invocation-type") or "RequestResponse"
    if kind not in INVOCATION_TYPES:
        raise validation(
            kind, "invocationType", f"Member must satisfy enum value set: [{', '.join(INVOCATION_TYPES)}]"
        )
    log_type = call.header("x-amz-log-type") or "None"
    if log_type not in LOG_TYPES:
        raise validation(log_type, "logType", "Member must satisfy enum value set: [None, Tail]")
    payload = _payload(call.body)
    headers = {"X-Amz-Executed-Version": LATEST}
    if kind == "DryRun":
        return empty_response(204, call.request_id, headers)
    if kind == "Event":
        request_id = call.host.invoke_async(config, payload)
        return empty_response(202, request_id)
    invocation = call.host.invoke(config, payload)
    if invocation.failed:
        headers["X-Amz-Function-Error"] = "Unhandled"
    if log_type == "Tail":
        headers["X-Amz-Log-Result"] = base64.b64encode(invocation.log.encode()[-TAIL_BYTES:]).decode()
    return Response(
        invocation.payload,
        status_code=200,
        media_type=JSON_TYPE,
        headers={"x-amzn-RequestId": invocation.request_id, **headers},
    )


# --- resource policy ---------------------------------------------------------------------------


def add_permission(call: Call) -> Response:
    params = parse_json(call.body)
    for unsupported in ("PrincipalOrgID", "FunctionUrlAuthType", "EventSourceToken"):
        if params.get(unsupported) is not None:
            raise invalid_value(f"roost does not support {unsupported} in a function's resource policy.")
    config = call.function(call.path("name"), call.query("Qualifier"), action="lambda:AddPermission")
    call.check_revision(config, get_str(params, "RevisionId"))
    statement = PolicyStatement(
        sid=require_str(params, "StatementId", "statementId"),
        action=require_str(params, "Action", "action"),
        principal=require_str(params, "Principal", "principal"),
        source_arn=get_str(params, "SourceArn"),
        source_account=get_str(params, "SourceAccount"),
    )
    shown = call.host.add_permission(call.source, config.arn, statement)
    return json_response(201, {"Statement": json.dumps(shown)}, call.request_id)


def remove_permission(call: Call) -> Response:
    config = call.function(call.path("name"), call.query("Qualifier"), action="lambda:RemovePermission")
    call.check_revision(config, call.query("RevisionId"))
    call.host.remove_permission(call.source, config.arn, call.path("sid"))
    return empty_response(204, call.request_id)


def get_policy(call: Call) -> Response:
    config = call.function(call.path("name"), call.query("Qualifier"), action="lambda:GetPolicy")
    policy = call.host.policy(call.source, config.arn)
    return json_response(
        200, {"Policy": json.dumps(policy), "RevisionId": config.revision_id}, call.request_id
    )


# --- tags --------------------------------------------------------------------------------------


def list_tags(call: Call) -> Response:
    config = call.function(call.path("arn"), action="lambda:ListTags")
    return json_response(200, {"Tags": dict(config.tags)}, call.request_id)


def tag_resource(call: Call) -> Response:
    params = parse_json(call.body)
    tags = get_string_map(params, "Tags")
    if not tags:
        raise validation("null", "tags", "Member must not be null")
    config = call.function(call.path("arn"), action="lambda:TagResource")
    call.host.update_configuration(call.source, config.arn, {"tags": {**config.tags, **tags}})
    return empty_response(204, call.request_id)


def untag_resource(call: Call) -> Response:
    keys = call.request.query_params.getlist("tagKeys")
    if not keys:
        raise validation("null", "tagKeys", "Member must not be null")
    config = call.function(call.path("arn"), action="lambda:UntagResource")
    remaining = {key: value for key, value in config.tags.items() if key not in keys}
    call.host.update_configuration(call.source, config.arn, {"tags": remaining})
    return empty_response(204, call.request_id)
