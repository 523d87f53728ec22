"""Result tokens: what roost hands a custom rule's invocation, and PutEvaluations hands back.

A token names the account, region and rule (name and id) and the invocation time, signed with an
HMAC-SHA256 key of roost's own (`store.rules.secret("result-token")`). A token that does not verify,
or that belongs to another account, region or rule, is InvalidResultTokenException.

    token = issue(store, rule, invoked)
    claim = verify(store, source, token)   # -> ResultTokenClaim(rule_name, rule_id, invoked)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from roost.clock import from_millis, to_millis
from roost.compliance import ConfigRule
from roost.errors import ApiError
from roost.model import AccountRegion
from roost.store import Store

SECRET_NAME = "result-token"


@dataclass(frozen=True, slots=True)
class ResultTokenClaim:
    rule_name: str
    rule_id: str
    invoked: datetime


def invalid_token() -> ApiError:
    return ApiError("InvalidResultTokenException", "The resultToken provided is invalid")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


def _sign(store: Store, payload: str) -> str:
    key = store.rules.secret(SECRET_NAME).encode()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def issue(store: Store, rule: ConfigRule, invoked: datetime) -> str:
    document = {
        "a": rule.account_id,
        "r": rule.region,
        "n": rule.name,
        "i": rule.rule_id,
        "t": to_millis(invoked),
        "x": secrets.token_urlsafe(6),  # every invocation's token is its own, even within a millisecond
    }
    payload = _b64(json.dumps(document, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_sign(store, payload)}"


def verify(store: Store, source: AccountRegion, token: str) -> ResultTokenClaim:
    """The rule and invocation a token stands for, or InvalidResultTokenException."""
    payload, _, signature = token.partition(".")
    if (
        not payload
        or not signature
        or not hmac.compare_digest(signature.encode(), _sign(store, payload).encode())
    ):
        raise invalid_token()
    try:
        document = json.loads(_unb64(payload))
        claim = ResultTokenClaim(str(document["n"]), str(document["i"]), from_millis(int(document["t"])))
        account, region = document["a"], document["r"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise invalid_token() from None
    if account != source.account_id or region != source.region:
        raise invalid_token()
    return claim
