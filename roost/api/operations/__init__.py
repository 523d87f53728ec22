"""Handlers of AWS Config operations, grouped by area; each registers under its botocore name.

    @operation("DescribeConfigurationRecorders")
    def describe_configuration_recorders(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ...

A handler receives the request body already checked against the input shape, and returns a dict named
as the output shape names its members (datetimes allowed; None members dropped). It raises ApiError
with one of the operation's modeled errors (or ValidationException).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.api.context import RequestContext
from roost.api.service_model import operation_model
from roost.registry import Registry, import_submodules

Handler = Callable[[RequestContext, dict[str, Any]], dict[str, Any] | None]

OPERATIONS: Registry[Handler] = Registry("operation")


def operation(name: str) -> Callable[[Handler], Handler]:
    if operation_model(name) is None:
        raise ValueError(f"{name} is not an operation of botocore's config model")
    return OPERATIONS.register(name)


def load_operations() -> Registry[Handler]:
    import_submodules("roost.api.operations")
    return OPERATIONS
