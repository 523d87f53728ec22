"""cloud-trail-encryption-enabled (CLOUD_TRAIL_ENCRYPTION_ENABLED): trails use SSE-KMS.

Periodic, per recorded trail: NON_COMPLIANT when the trail has no kmsKeyId (its log files are then
encrypted with S3-managed keys only).
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("CLOUD_TRAIL_ENCRYPTION_ENABLED")
class CloudTrailEncryptionEnabled(ManagedRule):
    identifier = "CLOUD_TRAIL_ENCRYPTION_ENABLED"
    name = "cloud-trail-encryption-enabled"
    resource_types = ("AWS::CloudTrail::Trail",)
    triggers = frozenset({Trigger.PERIODIC})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        if (item.configuration or {}).get("kmsKeyId"):
            return Verdict.compliant()
        return Verdict.non_compliant("The trail's log files are not encrypted with a KMS key.")
