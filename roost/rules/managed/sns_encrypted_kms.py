"""sns-encrypted-kms (SNS_ENCRYPTED_KMS): the topic is encrypted with AWS KMS.

NON_COMPLIANT when the recorded `KmsMasterKeyId` is unset or, with `kmsKeyIds`, not one of them
(a key id matches its key ARN and the other way round; aliases match only themselves).
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed._cloud_read import key_matches
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


@MANAGED_RULES.register("SNS_ENCRYPTED_KMS")
class SnsEncryptedKms(ManagedRule):
    identifier = "SNS_ENCRYPTED_KMS"
    name = "sns-encrypted-kms"
    resource_types = ("AWS::SNS::Topic",)
    parameters = (Parameter("kmsKeyIds", "CSV"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        key = (item.configuration or {}).get("KmsMasterKeyId")
        if not key:
            return Verdict.non_compliant(
                f"The topic {item.resource_name or item.resource_id} is not encrypted."
            )
        allowed = ctx.params.get("kmsKeyIds") or []
        if allowed and not key_matches(str(key), allowed):
            return Verdict.non_compliant(f"The topic is encrypted with {key}, not one of kmsKeyIds.")
        return Verdict.compliant()
