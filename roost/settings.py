"""Typed settings: `roost.toml` plus environment variables plus command-line overrides.

[store]
url = "sqlite:///roost.db"            # or postgresql://user@host/db ; env ROOST_DB

[recording]
interval_seconds = 300                 # full passes; 10 against the sandbox unless set
type_intervals = { "AWS::IAM::User" = 3600 }

[delivery]
history_interval_seconds = 21600       # configuration history files (AWS: about 6 hours)

[[accounts]]                           # one per AWS account roost records
account_id = "111122223333"
name = "prod"
regions = ["us-east-1", "eu-west-1"]
global_resource_region = "us-east-1"   # where IAM (global) resources are recorded
profile = "prod"                       # or access_key_id / secret_access_key / session_token
role_arn = "arn:aws:iam::111122223333:role/roost-reader"   # optional role to assume
external_id = "..."
endpoint_url = "http://127.0.0.1:5000" # optional: an AWS-compatible endpoint instead of AWS

[[access_keys]]                        # who may call roost's own API (used by the API server)
key_id = "AKIA..."
secret = "..."
account_id = "111122223333"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from roost.errors import ConfigurationError

DEFAULT_CONFIG_FILE = "roost.toml"
DEFAULT_DB_URL = "sqlite:///roost.db"
SANDBOX_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
SANDBOX_INTERVAL_SECONDS = 10.0
AWS_INTERVAL_SECONDS = 300.0
DEFAULT_HISTORY_INTERVAL_SECONDS = 6 * 3600.0


@dataclass(frozen=True)
class AccountSettings:
    account_id: str
    regions: tuple[str, ...] = (DEFAULT_REGION,)
    name: str | None = None
    global_resource_region: str | None = None
    profile: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    endpoint_url: str | None = None
    sandbox: bool = False
    """True for accounts of roost's sandbox cloud (shorter default intervals, roost-made bucket)."""

    @property
    def global_region(self) -> str:
        if self.global_resource_region:
            return self.global_resource_region
        return DEFAULT_REGION if DEFAULT_REGION in self.regions or not self.regions else self.regions[0]


@dataclass(frozen=True)
class AccessKey:
    key_id: str
    secret: str
    account_id: str


@dataclass(frozen=True)
class Settings:
    db_url: str = DEFAULT_DB_URL
    interval_seconds: float | None = None
    type_intervals: dict[str, float] = field(default_factory=dict)
    history_interval_seconds: float = DEFAULT_HISTORY_INTERVAL_SECONDS
    batch_size: int = 500
    discover_unrecorded_types: bool = False
    accounts: tuple[AccountSettings, ...] = ()
    access_keys: tuple[AccessKey, ...] = ()
    source_file: Path | None = None

    def account(self, account_id: str) -> AccountSettings:
        for account in self.accounts:
            if account.account_id == account_id:
                return account
        raise ConfigurationError(f"account {account_id} is not configured in roost.toml")

    def recording_interval(self, account: AccountSettings) -> float:
        if self.interval_seconds is not None:
            return self.interval_seconds
        return SANDBOX_INTERVAL_SECONDS if account.sandbox else AWS_INTERVAL_SECONDS

    def with_sandbox_account(self, endpoint_url: str, regions: tuple[str, ...]) -> Settings:
        """These settings with the sandbox account (123456789012) recorded through `endpoint_url`."""
        sandbox = AccountSettings(
            account_id=SANDBOX_ACCOUNT_ID,
            name="sandbox",
            regions=regions,
            access_key_id="test",
            secret_access_key="test",
            endpoint_url=endpoint_url,
            sandbox=True,
        )
        others = tuple(a for a in self.accounts if a.account_id != SANDBOX_ACCOUNT_ID)
        return replace(self, accounts=(sandbox, *others))


def _expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigurationError(f"{where} must be a {names}, not {type(value).__name__}")
    return value


_ACCOUNT_KEYS = {
    "account_id",
    "regions",
    "name",
    "global_resource_region",
    "profile",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "role_arn",
    "external_id",
    "endpoint_url",
}


def _account(raw: Any, index: int) -> AccountSettings:
    where = f"accounts[{index}]"
    _expect(raw, dict, where)
    unknown = set(raw) - _ACCOUNT_KEYS
    if unknown:
        raise ConfigurationError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
    account_id = str(_expect(raw.get("account_id"), str, f"{where}.account_id"))
    if not (len(account_id) == 12 and account_id.isdigit()):
        raise ConfigurationError(f"{where}.account_id must be 12 digits, got {account_id!r}")
    regions = tuple(_expect(raw.get("regions", [DEFAULT_REGION]), list, f"{where}.regions"))
    if not regions or not all(isinstance(r, str) and r for r in regions):
        raise ConfigurationError(f"{where}.regions must be a non-empty list of region names")
    strings = {k: raw.get(k) for k in _ACCOUNT_KEYS - {"account_id", "regions"}}
    for key, value in strings.items():
        if value is not None:
            _expect(value, str, f"{where}.{key}")
    if bool(strings["access_key_id"]) != bool(strings["secret_access_key"]):
        raise ConfigurationError(f"{where}: access_key_id and secret_access_key go together")
    return AccountSettings(account_id=account_id, regions=regions, **strings)


def load_settings(path: Path | None = None, *, environ: dict[str, str] | None = None) -> Settings:
    """Read settings from `path` (default: $ROOST_CONFIG or ./roost.toml, if it exists) and the env."""
    env = dict(os.environ) if environ is None else environ
    if path is None:
        candidate = Path(env.get("ROOST_CONFIG", DEFAULT_CONFIG_FILE))
        path = candidate if candidate.exists() else None
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigurationError(f"settings file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"{path}: {exc}") from None

    store = _expect(raw.get("store", {}), dict, "[store]")
    recording = _expect(raw.get("recording", {}), dict, "[recording]")
    delivery = _expect(raw.get("delivery", {}), dict, "[delivery]")
    interval = recording.get("interval_seconds")
    if interval is not None:
        _expect(interval, (int, float), "recording.interval_seconds")
    batch_size = _expect(recording.get("batch_size", 500), int, "recording.batch_size")
    if batch_size < 1:
        raise ConfigurationError("recording.batch_size must be at least 1")
    discover = _expect(
        recording.get("discover_unrecorded_types", False), bool, "recording.discover_unrecorded_types"
    )
    type_intervals = _expect(recording.get("type_intervals", {}), dict, "recording.type_intervals")
    for type_name, seconds in type_intervals.items():
        _expect(seconds, (int, float), f"recording.type_intervals[{type_name!r}]")
    history = _expect(
        delivery.get("history_interval_seconds", DEFAULT_HISTORY_INTERVAL_SECONDS),
        (int, float),
        "delivery.history_interval_seconds",
    )
    accounts = tuple(
        _account(a, i) for i, a in enumerate(_expect(raw.get("accounts", []), list, "[[accounts]]"))
    )
    seen: set[str] = set()
    for account in accounts:
        if account.account_id in seen:
            raise ConfigurationError(f"account {account.account_id} is configured twice")
        seen.add(account.account_id)
    keys = []
    for i, key in enumerate(_expect(raw.get("access_keys", []), list, "[[access_keys]]")):
        _expect(key, dict, f"access_keys[{i}]")
        try:
            keys.append(AccessKey(str(key["key_id"]), str(key["secret"]), str(key["account_id"])))
        except KeyError as missing:
            raise ConfigurationError(f"access_keys[{i}] needs {missing}") from None

    db_url = env.get("ROOST_DB") or str(_expect(store.get("url", DEFAULT_DB_URL), str, "store.url"))
    return Settings(
        db_url=db_url,
        interval_seconds=float(interval) if interval is not None else None,
        type_intervals={str(k): float(v) for k, v in type_intervals.items()},
        history_interval_seconds=float(history),
        batch_size=batch_size,
        discover_unrecorded_types=discover,
        accounts=accounts,
        access_keys=tuple(keys),
        source_file=path,
    )
