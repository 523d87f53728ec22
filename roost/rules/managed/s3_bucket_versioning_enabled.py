"""s3-bucket-versioning-enabled (S3_BUCKET_VERSIONING_ENABLED): versioning is Enabled.

NON_COMPLIANT when versioning is Off or Suspended, or, with `isMfaDeleteEnabled` "true" (a String
parameter in AWS's catalogue, compared case-insensitively), when MFA delete is not enabled.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


@MANAGED_RULES.register("S3_BUCKET_VERSIONING_ENABLED")
class S3BucketVersioningEnabled(ManagedRule):
    identifier = "S3_BUCKET_VERSIONING_ENABLED"
    name = "s3-bucket-versioning-enabled"
    resource_types = ("AWS::S3::Bucket",)
    parameters = (Parameter("isMfaDeleteEnabled"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        versioning = (item.supplementary_configuration or {}).get("BucketVersioningConfiguration") or {}
        status = versioning.get("status") or "Off"
        if status != "Enabled":
            return Verdict.non_compliant(f"Versioning of {item.resource_id} is {status}.")
        wants_mfa = str(ctx.params.get("isMfaDeleteEnabled") or "").strip().lower() == "true"
        if wants_mfa and versioning.get("isMfaDeleteEnabled") is not True:
            return Verdict.non_compliant(f"MFA delete is not enabled on {item.resource_id}.")
        return Verdict.compliant()
