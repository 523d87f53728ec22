"""Turning AWS API responses into AWS Config's configuration dialect.

AWS Config records a resource's configuration with the API's field names, first letter lowered
(`DBInstanceClass` -> `dBInstanceClass`, `CACertificateIdentifier` -> `cACertificateIdentifier`), and
times as ISO-8601 strings. Collectors start from `camelize` and fix the per-type quirks by hand.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from roost.clock import iso_millis


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def json_value(value: Any) -> Any:
    """A boto3 value made JSON-safe: datetimes to ISO strings, bytes to text, tuples to lists."""
    if isinstance(value, datetime):
        return iso_millis(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def camelize(value: Any) -> Any:
    """Every dict key with its first letter lowered, recursively; values made JSON-safe."""
    if isinstance(value, Mapping):
        return {lower_first(str(k)): camelize(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [camelize(v) for v in value]
    return json_value(value)


def tag_dict(
    tags: Iterable[Mapping[str, Any]] | None, *, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    """[{"Key": k, "Value": v}, ...] -> {k: v} (the item's `tags` field)."""
    return {str(t[key]): str(t.get(value, "")) for t in tags or ()}


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """{k: v} -> [{"key": k, "value": v}, ...] (the `tags` inside an EC2 configuration)."""
    return [{"key": k, "value": v} for k, v in tags.items()]


def dig(value: Any, path: str) -> list[Any]:
    """Values at a path like "SecurityGroups[].GroupId" or "BlockDeviceMappings[].Ebs.VolumeId".

    Missing steps yield nothing rather than raising; `[]` flattens a list.
    """
    current: list[Any] = [value]
    for step in path.split("."):
        flatten = step.endswith("[]")
        name = step[:-2] if flatten else step
        following: list[Any] = []
        for node in current:
            if not isinstance(node, Mapping) or node.get(name) is None:
                continue
            found = node[name]
            if flatten:
                following.extend(found if isinstance(found, list) else [found])
            else:
                following.append(found)
        current = following
    return current


def parse_time(value: Any) -> datetime | None:
    """A boto3 datetime, an ISO string or epoch seconds, as an aware datetime (or None)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def bean_name(name: str) -> str:
    """`KMSKeyArn` -> `kmskeyArn`: every leading capital lowered (Java-bean serialization)."""
    end = 0
    while end < len(name) and name[end].isupper():
        end += 1
    return name[:end].lower() + name[end:]


def bean_camelize(value: Any, *, verbatim: Collection[str] = (), drop: Collection[str] = ()) -> Any:
    """Every key renamed by `bean_name`, recursively; values JSON-safe.

    Keys in `drop` are left out; the values of keys in `verbatim` (user maps such as Lambda's
    environment variables) are copied without renaming their keys.
    """
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key == "ResponseMetadata" or key in drop:
                continue
            name = bean_name(str(key))
            result[name] = (
                json_value(item) if key in verbatim else bean_camelize(item, verbatim=verbatim, drop=drop)
            )
        return result
    if isinstance(value, list | tuple):
        return [bean_camelize(v, verbatim=verbatim, drop=drop) for v in value]
    return json_value(value)
