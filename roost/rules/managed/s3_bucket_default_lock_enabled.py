"""s3-bucket-default-lock-enabled (S3_BUCKET_DEFAULT_LOCK_ENABLED): Object Lock is enabled.

NON_COMPLIANT when the bucket's ObjectLockConfiguration is absent or not "Enabled". With `mode`
(GOVERNANCE or COMPLIANCE, compared case-insensitively), the default retention must use that mode;
a bucket without default retention is then NON_COMPLIANT.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


@MANAGED_RULES.register("S3_BUCKET_DEFAULT_LOCK_ENABLED")
class S3BucketDefaultLockEnabled(ManagedRule):
    identifier = "S3_BUCKET_DEFAULT_LOCK_ENABLED"
    name = "s3-bucket-default-lock-enabled"
    resource_types = ("AWS::S3::Bucket",)
    parameters = (Parameter("mode"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        lock = (item.supplementary_configuration or {}).get("ObjectLockConfiguration") or {}
        if lock.get("objectLockEnabled") != "Enabled":
            return Verdict.non_compliant(f"Object Lock is not enabled on {item.resource_id}.")
        wanted = (ctx.params.get("mode") or "").strip().upper()
        if wanted:
            mode = str(((lock.get("rule") or {}).get("defaultRetention") or {}).get("mode") or "")
            if mode.upper() != wanted:
                return Verdict.non_compliant(
                    f"The default retention mode of {item.resource_id} is {mode or 'not set'}, not {wanted}."
                )
        return Verdict.compliant()
