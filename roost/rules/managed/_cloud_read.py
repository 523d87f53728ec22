"""Reading what a collector does not record, for the managed rules that need it.

Not a rule: `read` calls the cloud and turns botocore failures into CloudError (which the engine
reports in the rule's status); `read_optional` also maps AWS's "not configured" codes to None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import botocore.exceptions

from roost.cloud import describe_error


def read(fn: Callable[..., Any], **params: Any) -> Any:
    try:
        return fn(**params)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise describe_error(exc) from None


def read_optional(fn: Callable[..., Any], absent: Iterable[str], **params: Any) -> Any:
    """`fn(**params)`, or None when the cloud answers one of the `absent` error codes."""
    try:
        return fn(**params)
    except botocore.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in set(absent):
            return None
        raise describe_error(exc) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise describe_error(exc) from None


def key_matches(configured: str | None, allowed: Iterable[str]) -> bool:
    """Whether a configured KMS key (id, ARN or alias) is one of `allowed` (ids, ARNs or aliases).

    A key ARN matches its bare key id and the other way round; an alias matches only itself.
    """
    if not configured:
        return False

    def short(value: str) -> str:
        value = value.strip()
        if value.startswith("arn:") and ":key/" in value:
            return value.rsplit(":key/", 1)[-1]
        if value.startswith("arn:") and ":alias/" in value:
            return "alias/" + value.rsplit(":alias/", 1)[-1]
        return value

    return any(configured.strip() == a.strip() or short(configured) == short(a) for a in allowed)
