"""s3-default-encryption-kms (S3_DEFAULT_ENCRYPTION_KMS): default encryption uses AWS KMS.

NON_COMPLIANT when the bucket has no default encryption or a rule whose algorithm is not
`aws:kms` (or `aws:kms:dsse`). With `kmsKeyArns`, the rule's KMS key (id, ARN or alias as S3
returns it) must be one of them; a bucket using the AWS managed key (no key id) then is
NON_COMPLIANT. AWS lists AWS::KMS::Key among the rule's types; roost judges buckets only.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed._cloud_read import key_matches
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict

KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})


@MANAGED_RULES.register("S3_DEFAULT_ENCRYPTION_KMS")
class S3DefaultEncryptionKms(ManagedRule):
    identifier = "S3_DEFAULT_ENCRYPTION_KMS"
    name = "s3-default-encryption-kms"
    resource_types = ("AWS::S3::Bucket",)
    parameters = (Parameter("kmsKeyArns", "CSV"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        found = (item.supplementary_configuration or {}).get("ServerSideEncryptionConfiguration") or {}
        defaults = [(r.get("applyServerSideEncryptionByDefault") or {}) for r in found.get("rules") or []]
        if not defaults:
            return Verdict.non_compliant(f"The bucket {item.resource_id} has no default encryption.")
        allowed = ctx.params.get("kmsKeyArns") or []
        for default in defaults:
            if default.get("sseAlgorithm") not in KMS_ALGORITHMS:
                return Verdict.non_compliant(
                    f"The bucket {item.resource_id} is encrypted with "
                    f"{default.get('sseAlgorithm')}, not AWS KMS."
                )
            if allowed and not key_matches(default.get("kmsMasterKeyID"), allowed):
                return Verdict.non_compliant(
                    f"The bucket {item.resource_id} is encrypted with a KMS key not in kmsKeyArns."
                )
        return Verdict.compliant()
