"""What a hosted function is, and what one invocation of it gave."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

LATEST = "$LATEST"
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9-_]{1,64}")
RUNTIME = re.compile(r"python3\.(\d+)")
DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY = 128
MAX_TIMEOUT = 900
MIN_MEMORY = 128
MAX_MEMORY = 10240


def function_arn(account_id: str, region: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:function:{name}"


@dataclass(frozen=True)
class FunctionConfig:
    """One function ($LATEST): its settings and the hash of its code (the code is kept in the store)."""

    account_id: str
    region: str
    name: str
    runtime: str
    handler: str
    role: str
    code_sha256: str
    """base64 of the SHA-256 of the deployment package, as Lambda reports CodeSha256."""
    code_size: int
    last_modified: datetime
    revision_id: str
    """Changes with every update of code or configuration: warm workers of another revision retire."""
    timeout: int = DEFAULT_TIMEOUT
    memory_size: int = DEFAULT_MEMORY
    environment: dict[str, str] = field(default_factory=dict)
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return function_arn(self.account_id, self.region, self.name)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.name}"


@dataclass(frozen=True)
class PolicyStatement:
    """One AddPermission statement of a function's resource policy."""

    sid: str
    action: str
    principal: str
    source_arn: str | None = None
    source_account: str | None = None

    def to_json(self, function: FunctionConfig) -> dict[str, Any]:
        """The statement as Lambda's GetPolicy and AddPermission show it (IAM policy JSON)."""
        principal: dict[str, str] | str
        if self.principal == "*":
            principal = "*"
        elif self.principal.endswith(".amazonaws.com"):
            principal = {"Service": self.principal}
        else:
            account = self.principal if self.principal.isdigit() else None
            principal = {"AWS": f"arn:aws:iam::{account}:root" if account else self.principal}
        statement: dict[str, Any] = {
            "Sid": self.sid,
            "Effect": "Allow",
            "Principal": principal,
            "Action": self.action,
            "Resource": function.arn,
        }
        condition: dict[str, Any] = {}
        if self.source_arn:
            condition["ArnLike"] = {"AWS:SourceArn": self.source_arn}
        if self.source_account:
            condition["StringEquals"] = {"AWS:SourceAccount": self.source_account}
        if condition:
            statement["Condition"] = condition
        return statement


class Outcome(Enum):
    SUCCESS = "Success"
    ERROR = "Error"
    """The handler raised, or returned something that is not JSON."""
    TIMEOUT = "Timeout"
    OUT_OF_MEMORY = "OutOfMemory"
    CRASH = "Crash"
    """The worker died: os._exit, a signal, a segfault."""
    INIT_ERROR = "InitError"
    """The handler could not be loaded (import error, missing handler, syntax error)."""


@dataclass(frozen=True)
class Invocation:
    """What one invocation gave: the payload Invoke returns, and how it went."""

    request_id: str
    outcome: Outcome
    payload: bytes
    """The handler's return value as JSON, or Lambda's error document when it failed."""
    log: str
    """The invocation's log as CloudWatch shows it: START, the function's output, END and REPORT."""
    duration_ms: float
    max_memory_mb: int = 0

    @property
    def failed(self) -> bool:
        return self.outcome is not Outcome.SUCCESS

    @property
    def error_type(self) -> str | None:
        """Lambda's errorType of a failure (e.g. `KeyError`, `Sandbox.Timedout`), else None."""
        return self._error().get("errorType") if self.failed else None

    @property
    def error_message(self) -> str | None:
        return self._error().get("errorMessage") if self.failed else None

    def _error(self) -> dict[str, str]:
        import json

        try:
            document = json.loads(self.payload)
        except ValueError:
            return {}
        if not isinstance(document, dict):
            return {}
        return {k: str(v) for k, v in document.items() if k in ("errorType", "errorMessage")}


@dataclass(frozen=True)
class InvocationLog:
    """An invocation as stored for `roost functions logs` and the dashboard."""

    account_id: str
    region: str
    function_name: str
    request_id: str
    started: datetime
    duration_ms: float
    outcome: Outcome
    error_type: str | None
    error_message: str | None
    log: str
    trigger: str
    """Who invoked: `Invoke` (the Lambda API) or `config-rule/<rule name>`."""
