"""Conformance packs' domain: a rendered template (what a pack deploys) and the pack itself.

A template (roost.packs.template) renders to a `PackTemplate`: its rules and remediation
configurations with every intrinsic function resolved, in AWS's wire casing (the properties of
AWS::Config::ConfigRule and AWS::Config::RemediationConfiguration are the PutConfigRule and
PutRemediationConfigurations shapes, except that a rule's InputParameters is an object there).
No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from roost.model import AccountRegion

#: Who AWS says created a conformance pack's rules (DescribeConfigRules' CreatedBy).
PACK_SERVICE = "config-conforms.amazonaws.com"


class PackState(StrEnum):
    CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
    CREATE_COMPLETE = "CREATE_COMPLETE"
    CREATE_FAILED = "CREATE_FAILED"
    UPDATE_IN_PROGRESS = "UPDATE_IN_PROGRESS"
    UPDATE_COMPLETE = "UPDATE_COMPLETE"
    UPDATE_FAILED = "UPDATE_FAILED"
    DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"
    DELETE_FAILED = "DELETE_FAILED"

    @property
    def in_progress(self) -> bool:
        return self.value.endswith("_IN_PROGRESS")


@dataclass(frozen=True)
class TemplateRule:
    """One AWS::Config::ConfigRule of a rendered template."""

    logical_id: str
    name: str
    """ConfigRuleName as the template gives it (the logical id when it gives none); the deployed
    rule's name is this plus AWS's `-conformance-pack-<random>` suffix."""
    properties: dict[str, Any]
    """The resolved Properties: Source, Scope, InputParameters (an object of strings),
    MaximumExecutionFrequency, Description, EvaluationModes, ... AWS::NoValue keys dropped."""
    controls: tuple[str, ...] = ()
    """The resource's `Controls` attribute some published packs carry (shown by
    DescribeConformancePackCompliance); empty when absent."""


@dataclass(frozen=True)
class TemplateRemediation:
    """One AWS::Config::RemediationConfiguration of a rendered template."""

    logical_id: str
    rule_name: str
    """The template name of the rule it remediates (ConfigRuleName, or a Ref to the rule's logical
    id resolved to that rule's name)."""
    properties: dict[str, Any]
    """The resolved Properties in PutRemediationConfigurations' casing (TargetId, TargetType,
    TargetVersion, Parameters, ResourceType, Automatic, MaximumAutomaticAttempts,
    RetryAttemptSeconds, ExecutionControls); ConfigRuleName left as the template gives it."""


@dataclass(frozen=True)
class PackTemplate:
    rules: tuple[TemplateRule, ...]
    remediations: tuple[TemplateRemediation, ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)
    """Every declared parameter's value as deployed (given or default)."""
    missing_parameters: tuple[str, ...] = ()
    """Parameters with no default that were not given (only in a lenient render: `roost packs check`)."""


@dataclass(frozen=True)
class PackRuleBinding:
    """A rule a pack deployed: the template's name for it and the rule's deployed name."""

    template_name: str
    rule_name: str
    controls: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConformancePack:
    account_id: str
    region: str
    name: str
    pack_id: str
    """`conformance-pack-<random>`, kept for the pack's life."""
    state: PackState
    template_body: str
    input_parameters: dict[str, str]
    last_update_requested: datetime
    last_update_completed: datetime | None = None
    status_reason: str | None = None
    delivery_bucket: str | None = None
    delivery_prefix: str | None = None
    template_s3_uri: str | None = None
    rules: tuple[PackRuleBinding, ...] = ()
    remediations: tuple[tuple[str, str | None], ...] = ()
    """(deployed rule name, resource type) of each remediation configuration the pack deployed."""
    scope_tag_key: str | None = None
    scope_tag_value: str | None = None
    lease_owner: str | None = None
    """The process deploying or deleting the pack (while *_IN_PROGRESS)."""
    lease_until: datetime | None = None
    """Until when that process holds it: after that another process may finish its work."""

    @property
    def source(self) -> AccountRegion:
        return AccountRegion(self.account_id, self.region)

    @property
    def arn(self) -> str:
        return f"arn:aws:config:{self.region}:{self.account_id}:conformance-pack/{self.name}/{self.pack_id}"

    @property
    def stack_arn(self) -> str:
        """The CloudFormation stack AWS would back the pack with (roost has none; the name is AWS's)."""
        return (
            f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/"
            f"awsconfigconforms-{self.name}-{self.pack_id}/{self.pack_id}"
        )
