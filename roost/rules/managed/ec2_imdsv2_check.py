"""ec2-imdsv2-check (EC2_IMDSV2_CHECK): instances require IMDSv2 session tokens.

NON_COMPLIANT when the recorded instance's metadataOptions.httpTokens is not "required" (IMDSv1
requests are then still answered).
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("EC2_IMDSV2_CHECK")
class Ec2Imdsv2Check(ManagedRule):
    identifier = "EC2_IMDSV2_CHECK"
    name = "ec2-imdsv2-check"
    resource_types = ("AWS::EC2::Instance",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        options = (item.configuration or {}).get("metadataOptions") or {}
        if isinstance(options, dict) and options.get("httpTokens") == "required":
            return Verdict.compliant()
        return Verdict.non_compliant("The instance does not require IMDSv2 (httpTokens is not required).")
