"""rds-multi-az-support (RDS_MULTI_AZ_SUPPORT): DB instances are deployed in several zones.

NON_COMPLIANT when the recorded instance has multiAZ false. Aurora instances are NOT_APPLICABLE:
their availability is the cluster's, not a per-instance Multi-AZ setting (as in AWS's rule).
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("RDS_MULTI_AZ_SUPPORT")
class RdsMultiAzSupport(ManagedRule):
    identifier = "RDS_MULTI_AZ_SUPPORT"
    name = "rds-multi-az-support"
    resource_types = ("AWS::RDS::DBInstance",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        if str(config.get("engine") or "").startswith("aurora"):
            return Verdict.not_applicable("Aurora instances get their availability from the cluster.")
        if config.get("multiAZ"):
            return Verdict.compliant()
        return Verdict.non_compliant("The DB instance is not a Multi-AZ deployment.")
