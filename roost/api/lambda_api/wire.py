"""Lambda's REST-JSON wire: JSON bodies in and out, errors as `x-amzn-ErrorType` plus a JSON body,
typed reads of request members, and FunctionConfiguration as Lambda shows it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from roost.errors import ApiError, FunctionError
from roost.functions.model import LATEST, FunctionConfig

JSON_TYPE = "application/json"

#: Authentication failures, answered 403 as AWS's front end does.
AUTH_ERRORS = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "MissingAuthenticationTokenException",
        "IncompleteSignatureException",
        "AccessDeniedException",
    }
)


def status_of(error: ApiError) -> int:
    if isinstance(error, FunctionError):
        return error.status
    return 403 if error.code in AUTH_ERRORS else 400


def json_response(status: int, body: Any, request_id: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        media_type=JSON_TYPE,
        headers={"x-amzn-RequestId": request_id, **(headers or {})},
    )


def empty_response(status: int, request_id: str, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers={"x-amzn-RequestId": request_id, **(headers or {})})


def error_response(error: ApiError, request_id: str) -> Response:
    status = status_of(error)
    body = {"Type": "Service" if status >= 500 else "User", "message": error.message}
    return json_response(status, body, request_id, {"x-amzn-ErrorType": error.code})


def invalid_content(detail: str) -> FunctionError:
    return FunctionError(
        "InvalidRequestContentException", f"Could not parse request body into json: {detail}"
    )


def invalid_value(message: str) -> FunctionError:
    return FunctionError("InvalidParameterValueException", message)


def validation(value: object, where: str, constraint: str) -> FunctionError:
    return FunctionError(
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{where}' "
        f"failed to satisfy constraint: {constraint}",
    )


def parse_json(body: bytes) -> dict[str, Any]:
    """A request body as a JSON object (empty means {}); else InvalidRequestContentException."""
    if not body.strip():
        return {}
    try:
        params = json.loads(body.decode("utf-8"))
    except RecursionError:
        raise invalid_content("the body is nested too deeply") from None
    except ValueError as exc:
        raise invalid_content(str(exc)) from None
    if not isinstance(params, dict):
        raise invalid_content("the body must be a JSON object")
    return params


def signing_path(request: Request) -> str:
    """The path as `authenticate` wants it so its canonical URI is the one SigV4 clients sign: they
    sign the path as sent, percent-encoded once more (an ARN's `%3A` is signed as `%253A`)."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1").split("?", 1)[0] if isinstance(raw, bytes) else request.url.path
    return quote(path, safe="/-_.~")


# --- typed members of a request ----------------------------------------------------------------


def _wrong_type(name: str, wanted: str, value: object) -> FunctionError:
    return invalid_content(f"{name} must be {wanted}, not {type(value).__name__} {json.dumps(value)[:60]}")


def get_str(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, str):
        return value
    raise _wrong_type(name, "a string", value)


def require_str(params: dict[str, Any], name: str, where: str) -> str:
    value = get_str(params, name)
    if value is None:
        raise validation("null", where, "Member must not be null")
    return value


def get_int(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _wrong_type(name, "an integer", value)


def get_bool(params: dict[str, Any], name: str) -> bool:
    value = params.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    raise _wrong_type(name, "a boolean", value)


def get_object(params: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = params.get(name)
    if value is None or isinstance(value, dict):
        return value
    raise _wrong_type(name, "an object", value)


def get_list(params: dict[str, Any], name: str) -> list[Any] | None:
    value = params.get(name)
    if value is None or isinstance(value, list):
        return value
    raise _wrong_type(name, "a list", value)


def get_string_map(params: dict[str, Any], name: str) -> dict[str, str] | None:
    value = get_object(params, name)
    if value is None:
        return None
    for key, item in value.items():
        if not isinstance(item, str):
            raise _wrong_type(f"{name}.{key}", "a string", item)
    return dict(value)


def environment_variables(params: dict[str, Any]) -> dict[str, str] | None:
    """Environment.Variables of a request: None when Environment is absent, {} when it is empty."""
    environment = get_object(params, "Environment")
    if environment is None:
        return None
    return get_string_map(environment, "Variables") or {}


# --- output ------------------------------------------------------------------------------------


def lambda_time(moment: datetime) -> str:
    """Lambda's LastModified: `2026-11-29T14:00:00.000+0000`."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def function_configuration(config: FunctionConfig) -> dict[str, Any]:
    """FunctionConfiguration as CreateFunction, GetFunctionConfiguration and ListFunctions show it."""
    shown: dict[str, Any] = {
        "FunctionName": config.name,
        "FunctionArn": config.arn,
        "Runtime": config.runtime,
        "Role": config.role,
        "Handler": config.handler,
        "CodeSize": config.code_size,
        "Description": config.description,
        "Timeout": config.timeout,
        "MemorySize": config.memory_size,
        "LastModified": lambda_time(config.last_modified),
        "CodeSha256": config.code_sha256,
        "Version": LATEST,
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": config.revision_id,
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": config.log_group_name},
    }
    if config.environment:
        shown["Environment"] = {"Variables": dict(config.environment)}
    return shown
