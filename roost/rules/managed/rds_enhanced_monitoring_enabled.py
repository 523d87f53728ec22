"""rds-enhanced-monitoring-enabled (RDS_ENHANCED_MONITORING_ENABLED).

NON_COMPLIANT when the recorded DB instance's monitoringInterval is 0 (enhanced monitoring off), or,
with `monitoringInterval`, differs from it.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("RDS_ENHANCED_MONITORING_ENABLED")
class RdsEnhancedMonitoringEnabled(ManagedRule):
    identifier = "RDS_ENHANCED_MONITORING_ENABLED"
    name = "rds-enhanced-monitoring-enabled"
    resource_types = ("AWS::RDS::DBInstance",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})
    parameters = (Parameter("monitoringInterval", "int"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        interval = int((item.configuration or {}).get("monitoringInterval") or 0)
        wanted = ctx.params.get("monitoringInterval")
        if interval <= 0:
            return Verdict.non_compliant("Enhanced monitoring is disabled for the DB instance.")
        if wanted is not None and interval != wanted:
            return Verdict.non_compliant(f"Enhanced monitoring runs every {interval}s, not every {wanted}s.")
        return Verdict.compliant()
