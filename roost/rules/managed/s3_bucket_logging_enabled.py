"""s3-bucket-logging-enabled (S3_BUCKET_LOGGING_ENABLED): server access logging is on.

NON_COMPLIANT when the bucket has no logging destination, or when `targetBucket` / `targetPrefix`
are given and the destination bucket / log prefix differ from them. COMPLIANT otherwise.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


@MANAGED_RULES.register("S3_BUCKET_LOGGING_ENABLED")
class S3BucketLoggingEnabled(ManagedRule):
    identifier = "S3_BUCKET_LOGGING_ENABLED"
    name = "s3-bucket-logging-enabled"
    resource_types = ("AWS::S3::Bucket",)
    parameters = (Parameter("targetPrefix"), Parameter("targetBucket"))

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        logging = (item.supplementary_configuration or {}).get("BucketLoggingConfiguration") or {}
        destination = logging.get("destinationBucketName")
        prefix = logging.get("logFilePrefix") or ""
        if not destination:
            return Verdict.non_compliant(f"Server access logging is not enabled for {item.resource_id}.")
        wanted_bucket, wanted_prefix = ctx.params.get("targetBucket"), ctx.params.get("targetPrefix")
        if wanted_bucket is not None and destination != wanted_bucket:
            return Verdict.non_compliant(f"Access logs go to {destination}, not {wanted_bucket}.")
        if wanted_prefix is not None and prefix != wanted_prefix:
            return Verdict.non_compliant(f"Access logs use the prefix {prefix!r}, not {wanted_prefix!r}.")
        return Verdict.compliant()
