"""s3-bucket-server-side-encryption-enabled (S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED).

COMPLIANT when the bucket has default encryption (a ServerSideEncryptionConfiguration rule with an
algorithm), or its policy denies s3:PutObject without server-side encryption: a Deny covering
PutObject conditioned on `s3:x-amz-server-side-encryption` being absent (`Null: true`) or other
than AES256 / aws:kms / aws:kms:dsse (`StringNotEquals`). NON_COMPLIANT otherwise.
"""

from __future__ import annotations

from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed._s3 import as_list, policy_statements, statement_covers
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Verdict

SSE_KEY = "s3:x-amz-server-side-encryption"
ALGORITHMS = frozenset({"aes256", "aws:kms", "aws:kms:dsse"})


def denies_unencrypted_puts(statement: dict[str, Any]) -> bool:
    if str(statement.get("Effect", "")).lower() != "deny" or not statement_covers(statement, "s3:PutObject"):
        return False
    for operator, clauses in (statement.get("Condition") or {}).items():
        if not isinstance(clauses, dict):
            continue
        values = [
            str(v).lower() for key, v_ in clauses.items() if key.lower() == SSE_KEY for v in as_list(v_)
        ]
        if not values:
            continue
        op = str(operator).lower()
        if op == "null" and "true" in values:
            return True
        if op.startswith("stringnotequals") and set(values) <= ALGORITHMS:
            return True
    return False


@MANAGED_RULES.register("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED")
class S3BucketServerSideEncryptionEnabled(ManagedRule):
    identifier = "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"
    name = "s3-bucket-server-side-encryption-enabled"
    resource_types = ("AWS::S3::Bucket",)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        sse = (item.supplementary_configuration or {}).get("ServerSideEncryptionConfiguration") or {}
        for rule in sse.get("rules") or []:
            if ((rule or {}).get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm"):
                return Verdict.compliant()
        if any(denies_unencrypted_puts(s) for s in policy_statements(item)):
            return Verdict.compliant()
        return Verdict.non_compliant(
            f"{item.resource_id} has no default encryption and its policy does not deny unencrypted puts."
        )
