"""dynamodb-pitr-enabled (DYNAMODB_PITR_ENABLED): DynamoDB tables have point-in-time recovery on.

NON_COMPLIANT unless the recorded table's supplementaryConfiguration.ContinuousBackupsDescription
has pointInTimeRecoveryDescription.pointInTimeRecoveryStatus "ENABLED".
"""

from __future__ import annotations

from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("DYNAMODB_PITR_ENABLED")
class DynamodbPitrEnabled(ManagedRule):
    identifier = "DYNAMODB_PITR_ENABLED"
    name = "dynamodb-pitr-enabled"
    resource_types = ("AWS::DynamoDB::Table",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        backups: Any = item.supplementary_configuration.get("ContinuousBackupsDescription") or {}
        pitr = backups.get("pointInTimeRecoveryDescription") or {} if isinstance(backups, dict) else {}
        if pitr.get("pointInTimeRecoveryStatus") == "ENABLED":
            return Verdict.compliant()
        return Verdict.non_compliant("Point-in-time recovery is not enabled for the table.")
