"""Running an API operation in the CLI's process, as a caller: how the CLI's writes get exactly the
checks and errors boto3 gets (the input checked against the operation's shape, then its handler)."""

from __future__ import annotations

from typing import Any

from roost.api.auth import Caller
from roost.api.context import ApiServices, RequestContext
from roost.api.operations import Handler
from roost.api.service_model import operation_model
from roost.api.validation import validate_input
from roost.cli.output import fail
from roost.errors import ApiError
from roost.model import AccountRegion


def run_operation(
    services: ApiServices, source: AccountRegion, name: str, handler: Handler, params: dict[str, Any]
) -> Any:
    """The operation's answer; an API error ends the command with its one line."""
    model = operation_model(name)
    context = RequestContext(services, Caller("roost-cli", source.account_id, source.region), name)
    try:
        validate_input(model.input_shape if model else None, params)
        return handler(context, params)
    except ApiError as error:
        fail(f"{error.code}: {error.message}")
