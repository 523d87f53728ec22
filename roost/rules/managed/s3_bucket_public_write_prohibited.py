"""s3-bucket-public-write-prohibited (S3_BUCKET_PUBLIC_WRITE_PROHIBITED): no public write access.

NON_COMPLIANT when the bucket's ACL grants Write or FullControl to AllUsers or AuthenticatedUsers
(unless the bucket's Block Public Access ignores public ACLs), or its policy allows everyone to
write (PutObject, DeleteObject, DeleteObjectVersion, PutObjectAcl, PutBucketPolicy, PutBucketAcl)
without a restricting condition (unless Block Public Access restricts public buckets). COMPLIANT
otherwise. As AWS documents, account-level Block Public Access is not evaluated.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed._s3 import WRITE_ACTIONS, WRITE_PERMISSIONS, public_verdict_reason
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("S3_BUCKET_PUBLIC_WRITE_PROHIBITED")
class S3BucketPublicWriteProhibited(ManagedRule):
    identifier = "S3_BUCKET_PUBLIC_WRITE_PROHIBITED"
    name = "s3-bucket-public-write-prohibited"
    resource_types = ("AWS::S3::Bucket",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE, Trigger.PERIODIC})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        reason = public_verdict_reason(item, WRITE_PERMISSIONS, WRITE_ACTIONS, "write")
        return Verdict.non_compliant(reason) if reason else Verdict.compliant()
