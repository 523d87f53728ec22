"""Lambda's checks on a function's settings, with Lambda's error names and messages."""

from __future__ import annotations

import re

from roost.errors import FunctionError
from roost.functions.environment import check_environment
from roost.functions.model import MAX_MEMORY, MAX_TIMEOUT, MIN_MEMORY, RUNTIME, FunctionConfig

ROLE = re.compile(r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")
KNOWN_RUNTIMES = re.compile(r"(nodejs|java|dotnet|go|ruby|provided|dotnetcore)[\w.]*")


def validation_error(value: object, where: str, constraint: str) -> FunctionError:
    return FunctionError(
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy constraint: "
        f"{constraint}",
    )


def check_config(config: FunctionConfig) -> None:
    if RUNTIME.fullmatch(config.runtime) is None:
        if KNOWN_RUNTIMES.fullmatch(config.runtime):
            raise FunctionError(
                "InvalidParameterValueException",
                f"roost runs Python functions only: the runtime {config.runtime} is not supported.",
            )
        raise FunctionError(
            "InvalidParameterValueException",
            f"The runtime parameter of {config.runtime} is not supported.",
        )
    if not ROLE.fullmatch(config.role):
        raise validation_error(
            config.role, "role", f"Member must satisfy regular expression pattern: {ROLE.pattern}"
        )
    if not 1 <= len(config.handler) <= 128 or any(c.isspace() for c in config.handler):
        raise validation_error(
            config.handler, "handler", r"Member must satisfy regular expression pattern: [^\s]+"
        )
    if not 1 <= config.timeout <= MAX_TIMEOUT:
        raise validation_error(
            config.timeout, "timeout", f"Member must have value less than or equal to {MAX_TIMEOUT}"
        )
    if not MIN_MEMORY <= config.memory_size <= MAX_MEMORY:
        raise validation_error(
            config.memory_size,
            "memorySize",
            f"Member must have value between {MIN_MEMORY} and {MAX_MEMORY}",
        )
    if len(config.description) > 256:
        raise validation_error(
            config.description, "description", "Member must have length less than or equal to 256"
        )
    check_environment(config.environment)
