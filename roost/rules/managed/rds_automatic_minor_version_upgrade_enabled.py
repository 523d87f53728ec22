"""rds-automatic-minor-version-upgrade-enabled (RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED).

NON_COMPLIANT when the recorded DB instance has autoMinorVersionUpgrade false.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED")
class RdsAutomaticMinorVersionUpgradeEnabled(ManagedRule):
    identifier = "RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED"
    name = "rds-automatic-minor-version-upgrade-enabled"
    resource_types = ("AWS::RDS::DBInstance",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        if (item.configuration or {}).get("autoMinorVersionUpgrade"):
            return Verdict.compliant()
        return Verdict.non_compliant("Automatic minor version upgrades are disabled for the DB instance.")
