"""s3-bucket-public-read-prohibited (S3_BUCKET_PUBLIC_READ_PROHIBITED): no public read access.

NON_COMPLIANT when the bucket's ACL grants Read or FullControl to AllUsers or AuthenticatedUsers
(unless the bucket's Block Public Access ignores public ACLs), or its policy allows everyone to
read (GetObject, GetObjectVersion, ListBucket, ListBucketVersions) without a restricting condition
(unless Block Public Access restricts public buckets). COMPLIANT otherwise. Only the bucket's own
Block Public Access settings are considered; the account-level ones are not (see roost/rules/managed/_s3.py).
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed._s3 import READ_ACTIONS, READ_PERMISSIONS, public_verdict_reason
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("S3_BUCKET_PUBLIC_READ_PROHIBITED")
class S3BucketPublicReadProhibited(ManagedRule):
    identifier = "S3_BUCKET_PUBLIC_READ_PROHIBITED"
    name = "s3-bucket-public-read-prohibited"
    resource_types = ("AWS::S3::Bucket",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE, Trigger.PERIODIC})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        reason = public_verdict_reason(item, READ_PERMISSIONS, READ_ACTIONS, "read")
        return Verdict.non_compliant(reason) if reason else Verdict.compliant()
