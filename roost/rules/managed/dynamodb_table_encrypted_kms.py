"""dynamodb-table-encrypted-kms (DYNAMODB_TABLE_ENCRYPTED_KMS): the table uses AWS KMS.

COMPLIANT when the recorded `ssedescription` has `ssetype` KMS and status ENABLED (or UPDATING)
and, with `kmsKeyArns`, its `kmsmasterKeyArn` is listed. A table encrypted with the default AWS
owned key (no SSE description) is NON_COMPLIANT.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed._cloud_read import key_matches
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


@MANAGED_RULES.register("DYNAMODB_TABLE_ENCRYPTED_KMS")
class DynamodbTableEncryptedKms(ManagedRule):
    identifier = "DYNAMODB_TABLE_ENCRYPTED_KMS"
    name = "dynamodb-table-encrypted-kms"
    resource_types = ("AWS::DynamoDB::Table",)
    parameters = (Parameter("kmsKeyArns", "CSV"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        sse = (item.configuration or {}).get("ssedescription") or {}
        if sse.get("ssetype") != "KMS" or sse.get("status") not in ("ENABLED", "UPDATING"):
            return Verdict.non_compliant(f"The table {item.resource_id} is not encrypted with AWS KMS.")
        allowed = ctx.params.get("kmsKeyArns") or []
        if allowed and not key_matches(sse.get("kmsmasterKeyArn"), allowed):
            return Verdict.non_compliant(f"The table {item.resource_id} uses a KMS key not in kmsKeyArns.")
        return Verdict.compliant()
