"""Remediation's domain: configurations, exceptions, executions and the cloud calls they made."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

DEFAULT_MAXIMUM_AUTOMATIC_ATTEMPTS = 5
DEFAULT_RETRY_ATTEMPT_SECONDS = 60
DEFAULT_CONCURRENT_RATE = 10
DEFAULT_ERROR_PERCENTAGE = 50
RESOURCE_ID = "RESOURCE_ID"


@dataclass(frozen=True)
class ParameterValue:
    """One document parameter: the non-compliant resource's id, or static values."""

    resource_value: str | None = None
    static_values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RemediationConfiguration:
    account_id: str
    region: str
    config_rule_name: str
    target_id: str
    """The automation document's name, e.g. AWS-DisablePublicAccessForSecurityGroup."""
    arn: str
    target_type: str = "SSM_DOCUMENT"
    target_version: str | None = None
    parameters: dict[str, ParameterValue] = field(default_factory=dict)
    resource_type: str | None = None
    automatic: bool = False
    concurrent_execution_rate_percentage: int | None = None
    error_percentage: int | None = None
    maximum_automatic_attempts: int | None = None
    retry_attempt_seconds: int | None = None
    created_by_service: str | None = None

    @property
    def attempts(self) -> int:
        return self.maximum_automatic_attempts or DEFAULT_MAXIMUM_AUTOMATIC_ATTEMPTS

    @property
    def retry_window_seconds(self) -> int:
        return self.retry_attempt_seconds or DEFAULT_RETRY_ATTEMPT_SECONDS


@dataclass(frozen=True)
class RemediationException:
    account_id: str
    region: str
    config_rule_name: str
    resource_type: str
    resource_id: str
    message: str | None = None
    expiration_time: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.expiration_time is None or self.expiration_time > now


class ExecutionState(Enum):
    QUEUED = "QUEUED"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"

    @property
    def finished(self) -> bool:
        return self in (ExecutionState.SUCCEEDED, ExecutionState.FAILED, ExecutionState.UNKNOWN)


class StepState(Enum):
    SUCCEEDED = "SUCCEEDED"
    PENDING = "PENDING"
    FAILED = "FAILED"
    IN_PROGRESS = "IN_PROGRESS"
    EXITED = "EXITED"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class CloudCall:
    """One call a document made (or, in a dry run, would make): the audit record of an execution."""

    service: str
    operation: str
    parameters: dict[str, Any]
    writes: bool
    """False for the reads a document makes to decide (Describe*, Get*, List*)."""
    made: bool
    """False in a dry run for a write (planned, not made)."""
    error: str | None = None


@dataclass(frozen=True)
class ExecutionStep:
    name: str
    state: StepState
    error_message: str | None = None
    start_time: datetime | None = None
    stop_time: datetime | None = None


@dataclass(frozen=True)
class Execution:
    """One run of a rule's remediation on one resource."""

    execution_id: str
    account_id: str
    region: str
    config_rule_name: str
    resource_type: str
    resource_id: str
    document: str
    state: ExecutionState
    invocation_time: datetime
    last_updated_time: datetime
    automatic: bool = False
    attempt: int = 1
    parameters: dict[str, list[str]] = field(default_factory=dict)
    """The document parameters it ran with (resource id and static values resolved)."""
    steps: tuple[ExecutionStep, ...] = ()
    calls: tuple[CloudCall, ...] = ()
    error_message: str | None = None
    dry_run: bool = False
