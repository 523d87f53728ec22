"""Who is calling: SigV4 signatures checked against the access keys roost knows.

Keys map to accounts in roost.toml ([[access_keys]]); in sandbox mode the pair test/test is the
sandbox account. The region comes from the credential scope. A permissive mode (any key; a 12-digit
key id is taken as the account id, as moto does) exists only when switched on explicitly.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

from starlette.requests import Request

from roost.errors import ApiError

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_CLOCK_SKEW = timedelta(minutes=15)
PERMISSIVE_DEFAULT_ACCOUNT = "123456789012"

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


@dataclass(frozen=True, slots=True)
class Caller:
    access_key_id: str
    account_id: str
    region: str


@dataclass(frozen=True, slots=True)
class KeyPair:
    key_id: str
    secret: str
    account_id: str
    expires: datetime | None = None
    """Temporary credentials (those STS hands out) stop being accepted then, and are forgotten."""


class KeyRing:
    """The access keys roost accepts, and whether it accepts any key (permissive mode).

    Thread-safe: keys are added while requests are being answered (the temporary credentials that
    roost's STS hands out, see roost/api/sts.py)."""

    def __init__(self, keys: Iterable[KeyPair], *, permissive: bool = False) -> None:
        self._keys = {k.key_id: k for k in keys}
        self._lock = threading.Lock()
        self._added = 0
        self.permissive = permissive

    def get(self, key_id: str) -> KeyPair | None:
        with self._lock:
            found = self._keys.get(key_id)
        if found is not None and found.expires is not None and found.expires <= datetime.now(UTC):
            return None
        return found

    def add(self, key: KeyPair) -> None:
        """Accept `key` from now on (replacing a key of the same id); expired keys are dropped."""
        now = datetime.now(UTC)
        with self._lock:
            self._keys[key.key_id] = key
            self._added += 1
            if self._added % 100 == 0:
                self._keys = {k: v for k, v in self._keys.items() if v.expires is None or v.expires > now}

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(f"AWS4{secret}".encode(), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for part in query.split("&"):
        name, _, value = part.partition("=")
        pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def canonical_request(
    method: str, path: str, query: str, headers: Mapping[str, str], signed: list[str], body: bytes
) -> str:
    canonical_headers = "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed)
    # The signature covers the body's real hash: a client's x-amz-content-sha256 header is only accepted
    # when it is that hash (never trusted in its place, which would let a captured request carry any body).
    payload = hashlib.sha256(body).hexdigest()
    claimed = headers.get("x-amz-content-sha256")
    if claimed is not None and claimed != payload:
        raise ApiError(
            "InvalidSignatureException", "The x-amz-content-sha256 header does not match the body."
        )
    uri = quote(unquote(path) or "/", safe="/-_.~")
    return "\n".join([method, uri, _canonical_query(query), canonical_headers, ";".join(signed), payload])


def authenticate(
    keys: KeyRing,
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    service: str,
) -> Caller:
    """Check the request's SigV4 signature; return the caller or raise the error AWS gives."""
    authorization = headers.get("authorization")
    if not authorization:
        raise ApiError("MissingAuthenticationTokenException", "Missing Authentication Token")
    match = _AUTH.match(authorization)
    if match is None:
        raise ApiError(
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters "
            "with the AWS4-HMAC-SHA256 algorithm.",
        )
    credential = match["credential"].split("/")
    if len(credential) != 5 or credential[4] != "aws4_request":
        raise ApiError("IncompleteSignatureException", f"Credential is malformed: {match['credential']}")
    key_id, date, region, scope_service, _ = credential
    if not _REGION.fullmatch(region):
        raise ApiError(
            "InvalidSignatureException", f"Credential should be scoped to a valid region, not '{region}'."
        )
    key = keys.get(key_id)
    if key is None and not keys.permissive:
        raise ApiError(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    if key is None:
        account = key_id if re.fullmatch(r"\d{12}", key_id) else PERMISSIVE_DEFAULT_ACCOUNT
        return Caller(key_id, account, region)
    amz_date = headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise ApiError("IncompleteSignatureException", "X-Amz-Date is missing or malformed.") from None
    if abs(now - signed_at) > MAX_CLOCK_SKEW:
        raise ApiError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier or later than {now:%Y%m%dT%H%M%SZ} "
            "by more than 15 min.",
        )
    if not amz_date.startswith(date) or scope_service != service:
        raise ApiError(
            "InvalidSignatureException", "Credential should be scoped to a valid date and service."
        )
    signed = match["signed"].split(";")
    if "host" not in signed:
        raise ApiError("InvalidSignatureException", "'Host' must be a signed header.")
    request = canonical_request(method, path, query, headers, signed, body)
    scope = f"{date}/{region}/{scope_service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(request.encode()).hexdigest()])
    expected = hmac.new(
        signing_key(key.secret, date, region, scope_service), to_sign.encode(), hashlib.sha256
    )
    if not hmac.compare_digest(expected.hexdigest(), match["signature"]):
        raise ApiError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )
    return Caller(key_id, key.account_id, region)


def authenticate_request(
    keys: KeyRing, request: Request, body: bytes, *, now: datetime, service: str, path: str | None = None
) -> Caller:
    """`authenticate` for an HTTP request of roost's server (`path`: the path as clients sign it, when
    that is not the request's own, as for Lambda's ARNs in paths)."""
    return authenticate(
        keys,
        method=request.method,
        path=path if path is not None else request.url.path,
        query=request.url.query,
        headers=request.headers,
        body=body,
        now=now,
        service=service,
    )
