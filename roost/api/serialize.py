"""Shaping a handler's result by the operation's output shape, for the wire.

Handlers return plain dicts named as the model names members. Here timestamps become epoch seconds,
None members are dropped, and (in strict mode, which the tests use) a member the model does not have,
or a value of the wrong type, is a bug that raises instead of reaching a client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import botocore.model


class OutputShapeError(Exception):
    """A handler returned something its operation's output shape does not allow (a roost bug)."""


def _shape(shape: botocore.model.Shape, value: Any, path: str, strict: bool) -> Any:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, botocore.model.StructureShape)
        if not isinstance(value, dict):
            raise OutputShapeError(f"{path or 'output'}: expected an object, got {type(value).__name__}")
        result: dict[str, Any] = {}
        for name, member_value in value.items():
            if member_value is None:
                continue
            member = shape.members.get(name)
            if member is None:
                if strict:
                    raise OutputShapeError(f"{path or 'output'}: {name!r} is not a member of {shape.name}")
                continue
            result[name] = _shape(member, member_value, f"{path}.{name}" if path else name, strict)
        return result
    if kind == "list":
        assert isinstance(shape, botocore.model.ListShape)
        if not isinstance(value, list | tuple):
            raise OutputShapeError(f"{path}: expected a list, got {type(value).__name__}")
        return [_shape(shape.member, v, f"{path}[]", strict) for v in value]
    if kind == "map":
        assert isinstance(shape, botocore.model.MapShape)
        if not isinstance(value, dict):
            raise OutputShapeError(f"{path}: expected a map, got {type(value).__name__}")
        return {
            str(k): _shape(shape.value, v, f"{path}.{k}", strict) for k, v in value.items() if v is not None
        }
    if kind == "timestamp":
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        raise OutputShapeError(f"{path}: expected a time, got {type(value).__name__}")
    if strict:
        expected: dict[str, tuple[type, ...]] = {
            "string": (str,),
            "integer": (int,),
            "long": (int,),
            "boolean": (bool,),
            "double": (int, float),
            "float": (int, float),
        }
        types = expected.get(kind)
        if types is not None and (
            not isinstance(value, types) or (kind != "boolean" and isinstance(value, bool))
        ):
            raise OutputShapeError(f"{path}: expected {kind}, got {type(value).__name__} {value!r}")
    return value


def shape_output(
    shape: botocore.model.Shape | None, value: dict[str, Any] | None, *, strict: bool
) -> dict[str, Any]:
    if shape is None or value is None:
        return {}
    shaped: dict[str, Any] = _shape(shape, value, "", strict)
    return shaped
