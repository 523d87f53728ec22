"""ec2-ebs-encryption-by-default (EC2_EBS_ENCRYPTION_BY_DEFAULT): new EBS volumes are encrypted.

Account-level and periodic: one verdict for AWS::::Account in the evaluated region, from EC2's
GetEbsEncryptionByDefault (the setting is per region and is not a recorded resource).
"""

from __future__ import annotations

from collections.abc import Sequence

from roost.compliance import ComplianceType
from roost.model import ConfigurationItem
from roost.recorder.collector import call
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict

ACCOUNT = "AWS::::Account"


@MANAGED_RULES.register("EC2_EBS_ENCRYPTION_BY_DEFAULT")
class Ec2EbsEncryptionByDefault(ManagedRule):
    identifier = "EC2_EBS_ENCRYPTION_BY_DEFAULT"
    name = "ec2-ebs-encryption-by-default"
    resource_types = ()
    triggers = frozenset({Trigger.PERIODIC})

    def evaluate_periodic(self, ctx: RuleContext, items: Sequence[ConfigurationItem]) -> list[Verdict]:
        account = ctx.source.account_id
        answer = call(ctx.client("ec2").get_ebs_encryption_by_default)
        if answer.get("EbsEncryptionByDefault"):
            return [Verdict(ComplianceType.COMPLIANT, None, ACCOUNT, account)]
        annotation = f"EBS encryption by default is disabled in {ctx.source.region}."
        return [Verdict(ComplianceType.NON_COMPLIANT, annotation, ACCOUNT, account)]
