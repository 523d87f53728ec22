"""s3-bucket-mfa-delete-enabled (S3_BUCKET_MFA_DELETE_ENABLED): versioning has MFA delete.

COMPLIANT when the recorded BucketVersioningConfiguration has `isMfaDeleteEnabled` true;
NON_COMPLIANT otherwise (never configured, null, or disabled), whatever the versioning status.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Verdict


@MANAGED_RULES.register("S3_BUCKET_MFA_DELETE_ENABLED")
class S3BucketMfaDeleteEnabled(ManagedRule):
    identifier = "S3_BUCKET_MFA_DELETE_ENABLED"
    name = "s3-bucket-mfa-delete-enabled"
    resource_types = ("AWS::S3::Bucket",)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        versioning = (item.supplementary_configuration or {}).get("BucketVersioningConfiguration") or {}
        if versioning.get("isMfaDeleteEnabled") is True:
            return Verdict.compliant()
        return Verdict.non_compliant(f"MFA delete is not enabled on {item.resource_id}.")
