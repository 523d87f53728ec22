"""Checking a request body against an operation's input shape, as AWS's front end does.

Wrong JSON types are a SerializationException; broken constraints (required members, lengths,
ranges, enums, patterns) are one ValidationException listing each, worded as AWS words them:
`1 validation error detected: Value 'x' at 'configurationRecorder.name' failed to satisfy
constraint: Member must have length less than or equal to 256`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from typing import Any

import botocore.model

from roost.errors import ApiError

#: What fits the model's integer (32-bit) and long (64-bit) members; bigger numbers do not parse.
_INT_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


class _Problems:
    def __init__(self) -> None:
        self.constraints: list[str] = []

    def add(self, value: Any, path: str, constraint: str) -> None:
        shown = value if not isinstance(value, str) or len(value) <= 100 else value[:100] + "..."
        self.constraints.append(f"Value '{shown}' at '{path}' failed to satisfy constraint: {constraint}")


def _serialization(path: str, expected: str, value: Any) -> ApiError:
    found = type(value).__name__
    where = f" at '{path}'" if path else ""
    return ApiError("SerializationException", f"Expected {expected}{where}, found {found}.")


# Custom resource types (PutResourceConfig) are read back through operations whose resourceType is
# the ResourceType enum: AWS accepts a registered third-party type name there too.
_CUSTOM_RESOURCE_TYPE = re.compile(r"(?!AWS::)[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}")


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:  # a Java-only construct: leave it to the service
        return None


def _check_length(shape: botocore.model.Shape, value: Any, path: str, problems: _Problems, what: str) -> None:
    meta = shape.metadata
    size = len(value)
    if "min" in meta and size < meta["min"]:
        problems.add(value, path, f"Member must have {what} greater than or equal to {meta['min']}")
    if "max" in meta and size > meta["max"]:
        problems.add(value, path, f"Member must have {what} less than or equal to {meta['max']}")


def _walk(shape: botocore.model.Shape, value: Any, path: str, problems: _Problems) -> None:
    kind = shape.type_name
    if value is None:
        return
    if kind == "structure":
        if not isinstance(value, dict):
            raise _serialization(path, "an object", value)
        assert isinstance(shape, botocore.model.StructureShape)
        for name in shape.required_members:
            if value.get(name) is None:
                problems.add(None, f"{path}.{name}" if path else name, "Member must not be null")
        for name, member in shape.members.items():
            if name in value:
                _walk(member, value[name], f"{path}.{name}" if path else name, problems)
        return
    if kind == "list":
        if not isinstance(value, list):
            raise _serialization(path, "a list", value)
        assert isinstance(shape, botocore.model.ListShape)
        _check_length(shape, value, path, problems, "length")
        for index, element in enumerate(value):
            if element is None:
                problems.add(None, f"{path}.{index + 1}.member", "Member must not be null")
            else:
                _walk(shape.member, element, f"{path}.{index + 1}.member", problems)
        return
    if kind == "map":
        if not isinstance(value, dict):
            raise _serialization(path, "an object", value)
        assert isinstance(shape, botocore.model.MapShape)
        _check_length(shape, value, path, problems, "length")
        for key, element in value.items():
            _walk(shape.key, key, f"{path}.{key}", problems)
            _walk(shape.value, element, f"{path}.{key}", problems)
        return
    if kind == "string":
        if not isinstance(value, str):
            raise _serialization(path, "a string", value)
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate (\ud800): no store or client can hold it
                where = f" at '{path}'" if path else ""
                raise ApiError("SerializationException", f"The string{where} is not valid Unicode.") from None
        if "\x00" in value:  # PostgreSQL text cannot hold it, and no AWS name or value has one
            problems.add(value.replace("\x00", "\\u0000"), path, "Member must not contain NUL characters")
        _check_length(shape, value, path, problems, "length")
        enum = shape.enum
        custom_type = shape.name == "ResourceType" and _CUSTOM_RESOURCE_TYPE.fullmatch(value) is not None
        if enum and value not in enum and not custom_type:
            listed = ", ".join(enum) if len(enum) <= 40 else ", ".join(enum[:40]) + ", ..."
            problems.add(value, path, f"Member must satisfy enum value set: [{listed}]")
        pattern = shape.metadata.get("pattern")
        compiled = _pattern(pattern) if pattern else None
        if compiled is not None and value and compiled.fullmatch(value) is None:
            problems.add(value, path, f"Member must satisfy regular expression pattern: {pattern}")
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _serialization(path, "a whole number", value)
        low, high = _INT_RANGES[kind]
        if not low <= value <= high:
            bits = "32" if kind == "integer" else "64"
            where = f" at '{path}'" if path else ""
            raise ApiError("SerializationException", f"The number{where} does not fit a {bits}-bit integer.")
        if "min" in shape.metadata and value < shape.metadata["min"]:
            problems.add(
                value, path, f"Member must have value greater than or equal to {shape.metadata['min']}"
            )
        if "max" in shape.metadata and value > shape.metadata["max"]:
            problems.add(value, path, f"Member must have value less than or equal to {shape.metadata['max']}")
        return
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _serialization(path, "a number", value)
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _serialization(path, "a boolean", value)
        return
    if kind == "timestamp":
        # The JSON protocol sends epoch seconds as a number.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _serialization(path, "a timestamp in epoch seconds", value)
        if not -62135596800 <= value <= 253402300799:
            problems.add(value, path, "Member must be a valid timestamp")
        return
    if kind == "blob":
        if not isinstance(value, str):
            raise _serialization(path, "base64 text", value)
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise _serialization(path, "base64 text", value) from None
        return


def validate_input(shape: botocore.model.Shape | None, body: Any) -> None:
    """Raise ApiError (SerializationException or ValidationException) if `body` breaks the shape."""
    if shape is None:
        return
    problems = _Problems()
    _walk(shape, body, "", problems)
    if problems.constraints:
        count = len(problems.constraints)
        noun = "error" if count == 1 else "errors"
        raise ApiError(
            "ValidationException", f"{count} validation {noun} detected: " + "; ".join(problems.constraints)
        )
