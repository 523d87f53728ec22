"""rds-instance-deletion-protection-enabled (RDS_INSTANCE_DELETION_PROTECTION_ENABLED).

NON_COMPLIANT when the recorded DB instance has deletionProtection false. With `databaseEngines`
(a CSV of engine names), instances of other engines are NOT_APPLICABLE. Aurora instances are
NOT_APPLICABLE: their deletion protection is the cluster's setting.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("RDS_INSTANCE_DELETION_PROTECTION_ENABLED")
class RdsInstanceDeletionProtectionEnabled(ManagedRule):
    identifier = "RDS_INSTANCE_DELETION_PROTECTION_ENABLED"
    name = "rds-instance-deletion-protection-enabled"
    resource_types = ("AWS::RDS::DBInstance",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})
    parameters = (Parameter("databaseEngines", "CSV"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        engine = str(config.get("engine") or "")
        engines = ctx.params.get("databaseEngines") or []
        if engines and engine not in engines:
            return Verdict.not_applicable(f"The {engine} engine is not in databaseEngines.")
        if engine.startswith("aurora"):
            return Verdict.not_applicable("Aurora instances get deletion protection from their cluster.")
        if config.get("deletionProtection"):
            return Verdict.compliant()
        return Verdict.non_compliant("Deletion protection is disabled for the DB instance.")
