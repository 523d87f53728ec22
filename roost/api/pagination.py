"""Page sizes and opaque next-tokens.

A token is base64 of a small JSON document naming the operation it belongs to and where the next page
starts; a token that does not decode, or belongs to another operation, is InvalidNextTokenException.
A page size of 0 (or none) means the operation's default, as in AWS.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from roost.errors import ApiError

T = TypeVar("T")


def page_size(value: int | None, *, default: int, maximum: int) -> int:
    if value is None or value == 0:
        return default
    if value < 0 or value > maximum:
        raise ApiError("InvalidLimitException", f"The limit {value} is not between 1 and {maximum}.")
    return value


def encode_token(operation: str, position: Any) -> str:
    raw = json.dumps({"o": operation, "p": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(operation: str, token: str | None, *, error_code: str = "InvalidNextTokenException") -> Any:
    """The position a token stands for, or None for no token ("" counts as none, as rdklib sends it).

    `error_code` is the error for a bad token: operations that model no InvalidNextTokenException
    (ListConfigurationRecorders) answer ValidationException.
    """
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ApiError(error_code, "The nextToken provided is invalid.") from None
    if not isinstance(document, dict) or document.get("o") != operation or "p" not in document:
        raise ApiError(error_code, "The nextToken provided is invalid.")
    return document["p"]


def paged(
    operation: str,
    items: Sequence[T],
    token: str | None,
    limit: int,
    key: Callable[[T], list[str]],
) -> tuple[list[T], str | None]:
    """One page of `items` in `key` order after `token`, and the token of the next page (or None)."""
    after = decode_token(operation, token)
    if after is not None and (not isinstance(after, list) or not all(isinstance(p, str) for p in after)):
        raise ApiError("InvalidNextTokenException", "The nextToken provided is invalid.")
    ordered = sorted(items, key=key)  # Python's order, whatever the database's collation
    rest = [i for i in ordered if key(i) > after] if after is not None else ordered
    page = rest[:limit]
    return page, encode_token(operation, key(page[-1])) if len(rest) > limit else None
