"""s3-bucket-ssl-requests-only (S3_BUCKET_SSL_REQUESTS_ONLY): the policy refuses plain HTTP.

COMPLIANT when the bucket policy has a Deny statement for everyone (`*` or `{"AWS": "*"}`) covering
every S3 action (`s3:*` or `*`) and the bucket's objects, conditioned on `aws:SecureTransport`
being false (Bool or BoolIfExists). NON_COMPLIANT otherwise, including without a policy.
"""

from __future__ import annotations

from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed._s3 import as_list, matches, policy_statements
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Verdict


def everyone(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        return "*" in [str(v) for vs in principal.values() for v in as_list(vs)]
    return "*" in [str(v) for v in as_list(principal)]


def denies_insecure_transport(statement: dict[str, Any], bucket_arn: str) -> bool:
    if str(statement.get("Effect", "")).lower() != "deny" or not everyone(statement):
        return False
    actions = [str(a).lower() for a in as_list(statement.get("Action"))]
    if not {"s3:*", "*"} & set(actions):
        return False
    if not matches(as_list(statement.get("Resource")), f"{bucket_arn}/object"):
        return False
    for operator, clauses in (statement.get("Condition") or {}).items():
        if str(operator).lower() not in ("bool", "boolifexists") or not isinstance(clauses, dict):
            continue
        for key, values in clauses.items():
            if key.lower() == "aws:securetransport" and "false" in [str(v).lower() for v in as_list(values)]:
                return True
    return False


@MANAGED_RULES.register("S3_BUCKET_SSL_REQUESTS_ONLY")
class S3BucketSslRequestsOnly(ManagedRule):
    identifier = "S3_BUCKET_SSL_REQUESTS_ONLY"
    name = "s3-bucket-ssl-requests-only"
    resource_types = ("AWS::S3::Bucket",)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        if any(
            denies_insecure_transport(s, item.arn or f"arn:aws:s3:::{item.resource_id}")
            for s in policy_statements(item)
        ):
            return Verdict.compliant()
        return Verdict.non_compliant(
            f"The policy of {item.resource_id} does not deny requests where aws:SecureTransport is false."
        )
