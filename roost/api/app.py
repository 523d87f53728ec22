"""The AWS JSON 1.1 endpoint: `POST /` with `X-Amz-Target: StarlingDoveService.<Operation>`.

Order of checks, as AWS's front end: the target names an operation; the signature is valid; the body
is a JSON object; it fits the operation's input shape; then the handler runs (in a worker thread: the
core is synchronous). Every failure is HTTP 400 with `{"__type": ..., "message": ...}`; only a bug in
roost answers 500 InternalFailure, and it is logged with its traceback. A parameter error a handler
raises that its operation does not model (a bad token, for an operation that models only
ValidationException) is answered as one it does model: see `answered_code`.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from roost.api.auth import Caller, KeyRing, authenticate_request
from roost.api.context import ApiServices, RequestContext
from roost.api.operations import OPERATIONS, load_operations
from roost.api.serialize import shape_output
from roost.api.service_model import (
    COMMON_ERRORS,
    CONTENT_TYPE,
    SIGNING_NAME,
    TARGET_PREFIX,
    modeled_errors,
    operation_model,
)
from roost.api.validation import validate_input
from roost.errors import ApiError

log = logging.getLogger(__name__)

_JSON_TYPES = ("application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json")

#: Parameter errors that shared helpers (pagination) raise in the words of the older operations. An
#: operation that models none of them (the newer ones model only ValidationException) answers with
#: the generic one it does model instead, so a client never sees an error its operation lacks.
PARAMETER_ERRORS = frozenset(
    {"InvalidNextTokenException", "InvalidLimitException", "InvalidParameterValueException"}
)


def answered_code(operation: str, code: str) -> str:
    """The error code the wire carries when `operation`'s handler raises ApiError(`code`)."""
    modeled = modeled_errors(operation)
    if code not in PARAMETER_ERRORS or code in modeled:
        return code
    for generic in ("ValidationException", "InvalidParameterValueException"):
        if generic in modeled:
            return generic
    return "ValidationException"


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:40]} is out of range")
    return number


def parse_body(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object (empty means {}); anything else is a SerializationException.

    Strict as AWS's parser is: UTF-8 only, no NaN/Infinity, numbers that fit a double, and nesting
    or digits beyond Python's limits are answered, not raised."""
    if not body.strip():
        return {}
    try:
        params = json.loads(body.decode("utf-8"), parse_constant=_no_constants, parse_float=_finite)
    except RecursionError:
        raise ApiError("SerializationException", "The request body is nested too deeply.") from None
    except ValueError as exc:  # also JSONDecodeError, UnicodeDecodeError, too many digits
        raise ApiError("SerializationException", f"The request body is not valid JSON: {exc}") from None
    if not isinstance(params, dict):
        raise ApiError("SerializationException", "The request body must be a JSON object.")
    return params


def _response(status: int, body: dict[str, Any], request_id: str) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        media_type=CONTENT_TYPE,
        headers={"x-amzn-RequestId": request_id},
    )


def error_response(error: ApiError, request_id: str) -> Response:
    response = _response(400, {"__type": error.code, "message": error.message}, request_id)
    response.headers["x-amzn-ErrorType"] = error.code
    return response


class ConfigApi:
    """Answers Config API requests for the accounts in `keys`, with `services` behind it."""

    def __init__(self, services: ApiServices, keys: KeyRing, *, strict_output: bool = False) -> None:
        self.services = services
        self.keys = keys
        self.strict_output = strict_output
        load_operations()

    def call(self, name: str, params: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """Run an operation in-process for `caller` (the dashboard does), exactly as over HTTP: the
        input is checked against the model, the answer shaped as the wire has it (times as epoch
        seconds). Raises ApiError as the API would answer."""
        operation = operation_model(name)
        if operation is None or name not in OPERATIONS:
            raise ApiError("UnknownOperationException", f"{name} is not an operation roost answers.")
        validate_input(operation.input_shape, params)
        result = OPERATIONS.get(name)(RequestContext(self.services, caller, name), params)
        shaped: dict[str, Any] = shape_output(operation.output_shape, result, strict=self.strict_output)
        return shaped

    async def handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            body = await request.body()
            return await self._handle(request, body, request_id)
        except ApiError as error:
            return error_response(error, request_id)
        except Exception:
            log.exception("internal error answering %s", request.headers.get("x-amz-target"))
            failure = ApiError("InternalFailure", "roost failed to answer this request; its log says why.")
            return _response(500, {"__type": failure.code, "message": failure.message}, request_id)

    async def _handle(self, request: Request, body: bytes, request_id: str) -> Response:
        target = request.headers.get("x-amz-target")
        if not target:
            raise ApiError("UnknownOperationException", "The request has no X-Amz-Target header.")
        prefix, _, name = target.partition(".")
        operation = operation_model(name) if prefix == TARGET_PREFIX else None
        if operation is None:
            raise ApiError("UnknownOperationException", f"{target} is not an operation of AWS Config.")
        content_type = request.headers.get("content-type", CONTENT_TYPE).split(";")[0].strip().lower()
        if content_type not in _JSON_TYPES:
            raise ApiError("SerializationException", f"Unsupported Content-Type {content_type!r}.")
        caller = authenticate_request(
            self.keys, request, body, now=self.services.clock.now(), service=SIGNING_NAME
        )
        params = parse_body(body)
        validate_input(operation.input_shape, params)
        if name not in OPERATIONS:
            raise ApiError(
                "NotImplementedException",
                f"roost does not implement {name} yet; docs/api-coverage.md lists what it does.",
            )
        handler = OPERATIONS.get(name)
        context = RequestContext(self.services, caller, name)
        try:
            result = await run_in_threadpool(handler, context, params)
        except ApiError as error:
            code = answered_code(name, error.code)
            if code != error.code:
                raise ApiError(code, error.message) from None
            if code not in COMMON_ERRORS and code not in modeled_errors(name):
                log.warning("%s answered %s, an error it does not model (a roost bug)", name, code)
            raise
        shaped = shape_output(operation.output_shape, result, strict=self.strict_output)
        return _response(200, shaped, request_id)
