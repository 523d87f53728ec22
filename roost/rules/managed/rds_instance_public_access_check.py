"""rds-instance-public-access-check (RDS_INSTANCE_PUBLIC_ACCESS_CHECK): DB instances are not public.

NON_COMPLIANT when the recorded instance has publiclyAccessible true. AWS always reports the field;
the recorder leaves it out when the cloud did not say (the sandbox, for instances created without
it), and the rule then answers NOT_APPLICABLE rather than guess.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("RDS_INSTANCE_PUBLIC_ACCESS_CHECK")
class RdsInstancePublicAccessCheck(ManagedRule):
    identifier = "RDS_INSTANCE_PUBLIC_ACCESS_CHECK"
    name = "rds-instance-public-access-check"
    resource_types = ("AWS::RDS::DBInstance",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        if "publiclyAccessible" not in config:
            return Verdict.not_applicable("The DB instance's publiclyAccessible setting is not recorded.")
        if config["publiclyAccessible"]:
            return Verdict.non_compliant("The DB instance is publicly accessible.")
        return Verdict.compliant()
