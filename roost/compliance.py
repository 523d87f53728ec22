"""Domain types of rules and compliance: config rules, evaluation results, roll-ups.

No I/O here. Names follow AWS Config's vocabulary; `api/` maps them to the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ComplianceType(StrEnum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class Owner(StrEnum):
    AWS = "AWS"
    CUSTOM_LAMBDA = "CUSTOM_LAMBDA"
    CUSTOM_POLICY = "CUSTOM_POLICY"


class MessageType(StrEnum):
    """What triggers a rule (`SourceDetail.MessageType`)."""

    CONFIGURATION_ITEM_CHANGE = "ConfigurationItemChangeNotification"
    OVERSIZED_CONFIGURATION_ITEM_CHANGE = "OversizedConfigurationItemChangeNotification"
    SCHEDULED = "ScheduledNotification"
    SNAPSHOT_DELIVERY_COMPLETED = "ConfigurationSnapshotDeliveryCompleted"


class ExecutionFrequency(StrEnum):
    One_Hour = "One_Hour"
    Three_Hours = "Three_Hours"
    Six_Hours = "Six_Hours"
    Twelve_Hours = "Twelve_Hours"
    TwentyFour_Hours = "TwentyFour_Hours"

    @property
    def seconds(self) -> int:
        hours = {"One": 1, "Three": 3, "Six": 6, "Twelve": 12, "TwentyFour": 24}[self.value.split("_")[0]]
        return hours * 3600


class RuleState(StrEnum):
    ACTIVE = "ACTIVE"
    DELETING = "DELETING"
    DELETING_RESULTS = "DELETING_RESULTS"
    EVALUATING = "EVALUATING"


@dataclass(frozen=True, slots=True)
class SourceDetail:
    event_source: str = "aws.config"
    message_type: MessageType = MessageType.CONFIGURATION_ITEM_CHANGE
    maximum_execution_frequency: ExecutionFrequency | None = None


@dataclass(frozen=True, slots=True)
class RuleSource:
    owner: Owner
    source_identifier: str | None = None
    source_details: tuple[SourceDetail, ...] = ()
    policy_runtime: str | None = None
    policy_text: str | None = None
    enable_debug_log_delivery: bool = False


@dataclass(frozen=True, slots=True)
class RuleScope:
    resource_types: tuple[str, ...] = ()
    tag_key: str | None = None
    tag_value: str | None = None
    resource_id: str | None = None

    def matches(self, resource_type: str, resource_id: str, tags: dict[str, str]) -> bool:
        """Whether a resource is in scope: types OR-ed, then tag and id AND-ed (AWS leaves it open)."""
        if self.resource_types and resource_type not in self.resource_types:
            return False
        if self.resource_id is not None and resource_id != self.resource_id:
            return False
        if self.tag_key is not None:
            if self.tag_key not in tags:
                return False
            if self.tag_value is not None and tags[self.tag_key] != self.tag_value:
                return False
        return True


@dataclass(frozen=True, slots=True)
class ConfigRule:
    account_id: str
    region: str
    name: str
    rule_id: str
    source: RuleSource
    scope: RuleScope = field(default_factory=RuleScope)
    description: str | None = None
    input_parameters: str = "{}"
    maximum_execution_frequency: ExecutionFrequency | None = None
    state: RuleState = RuleState.ACTIVE
    created_by: str | None = None
    evaluation_modes: tuple[str, ...] = ("DETECTIVE",)

    @property
    def arn(self) -> str:
        return f"arn:aws:config:{self.region}:{self.account_id}:config-rule/{self.rule_id}"


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """The stored result of one rule for one resource (newest ordering timestamp wins)."""

    rule_name: str
    resource_type: str
    resource_id: str
    compliance_type: ComplianceType
    ordering_timestamp: datetime
    result_recorded_time: datetime
    config_rule_invoked_time: datetime
    annotation: str | None = None
    evaluation_mode: str = "DETECTIVE"


@dataclass(frozen=True, slots=True)
class RuleEvaluationStatus:
    """DescribeConfigRuleEvaluationStatus: when the rule last ran, and how it went."""

    rule_name: str
    first_activated_time: datetime | None = None
    last_deactivated_time: datetime | None = None
    last_successful_invocation_time: datetime | None = None
    last_failed_invocation_time: datetime | None = None
    last_successful_evaluation_time: datetime | None = None
    last_failed_evaluation_time: datetime | None = None
    last_error_code: str | None = None
    last_error_message: str | None = None
    first_evaluation_started: bool = False
    last_debug_log_delivery_status: str | None = None


def roll_up(results: list[ComplianceType]) -> ComplianceType:
    """AWS's roll-up: any NON_COMPLIANT wins, then any COMPLIANT; NOT_APPLICABLE counts for nothing."""
    if ComplianceType.NON_COMPLIANT in results:
        return ComplianceType.NON_COMPLIANT
    if ComplianceType.COMPLIANT in results:
        return ComplianceType.COMPLIANT
    return ComplianceType.INSUFFICIENT_DATA
