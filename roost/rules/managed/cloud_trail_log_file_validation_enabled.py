"""cloud-trail-log-file-validation-enabled (CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED).

Periodic, per recorded trail: NON_COMPLIANT when the trail's logFileValidationEnabled is false
(CloudTrail does not write signed digest files for it).
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED")
class CloudTrailLogFileValidationEnabled(ManagedRule):
    identifier = "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED"
    name = "cloud-trail-log-file-validation-enabled"
    resource_types = ("AWS::CloudTrail::Trail",)
    triggers = frozenset({Trigger.PERIODIC})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        if (item.configuration or {}).get("logFileValidationEnabled"):
            return Verdict.compliant()
        return Verdict.non_compliant("The trail does not have log file validation enabled.")
