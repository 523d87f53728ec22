"""s3-bucket-level-public-access-prohibited (S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED).

NON_COMPLIANT when the bucket's own Block Public Access settings are missing or any of the four
(BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets) is off, unless the
bucket is named in `excludedPublicBuckets` (then COMPLIANT: a bucket known to be public).
COMPLIANT when all four are on. Account-level Block Public Access is not considered.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed._s3 import public_access_block
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


@MANAGED_RULES.register("S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED")
class S3BucketLevelPublicAccessProhibited(ManagedRule):
    identifier = "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"
    name = "s3-bucket-level-public-access-prohibited"
    resource_types = ("AWS::S3::Bucket",)
    parameters = (Parameter("excludedPublicBuckets", "CSV"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        if item.resource_id in (ctx.params.get("excludedPublicBuckets") or []):
            return Verdict.compliant(f"{item.resource_id} is an excluded public bucket.")
        off = [key for key, on in public_access_block(item).items() if not on]
        if off:
            return Verdict.non_compliant(
                f"Block Public Access of {item.resource_id} does not turn on {', '.join(off)}."
            )
        return Verdict.compliant()
