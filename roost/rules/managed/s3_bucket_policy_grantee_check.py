"""s3-bucket-policy-grantee-check (S3_BUCKET_POLICY_GRANTEE_CHECK): the policy grants only to whom
the parameters allow.

COMPLIANT without a bucket policy. Otherwise every Allow statement must be limited to the given
grantees: each of its principals must be listed (`awsPrincipals` takes account ids or ARNs, an
account id also matching `arn:aws:iam::ID:root`; `servicePrincipals`; `federatedUsers`), or the
statement must be pinned by a condition to listed `ipAddresses` (aws:SourceIp) or `vpcIds`
(aws:SourceVpc). A `*` principal, or a principal not listed without such a condition, makes the
bucket NON_COMPLIANT. With no parameters at all, any Allow statement is NON_COMPLIANT.
"""

from __future__ import annotations

from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed._s3 import as_list, policy_statements
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict

ALLOWING_OPERATORS = frozenset({"stringequals", "stringlike", "ipaddress", "arnequals", "arnlike"})


def account_of(principal: str) -> str:
    """`arn:aws:iam::123456789012:root` and `123456789012` both name the account 123456789012."""
    if principal.startswith("arn:") and principal.endswith(":root"):
        return principal.split(":")[4]
    return principal


def principals(statement: dict[str, Any]) -> list[tuple[str, str]]:
    raw = statement.get("Principal")
    if isinstance(raw, dict):
        return [(str(kind), str(v)) for kind, values in raw.items() for v in as_list(values)]
    return [("*", str(v)) for v in as_list(raw)]


def principal_listed(kind: str, value: str, params: dict[str, Any]) -> bool:
    if value == "*":
        return False
    if kind == "AWS":
        allowed = {account_of(str(p)) for p in params.get("awsPrincipals") or []}
        return value in allowed or account_of(value) in allowed
    if kind == "Service":
        return value in (params.get("servicePrincipals") or [])
    if kind == "Federated":
        return value in (params.get("federatedUsers") or [])
    return False


def condition_values(statement: dict[str, Any], key: str) -> list[str]:
    found: list[str] = []
    for operator, clauses in (statement.get("Condition") or {}).items():
        if str(operator).lower() not in ALLOWING_OPERATORS or not isinstance(clauses, dict):
            continue
        for name, values in clauses.items():
            if str(name).lower() == key.lower():
                found.extend(str(v) for v in as_list(values))
    return found


def pinned(statement: dict[str, Any], key: str, allowed: list[str]) -> bool:
    values = condition_values(statement, key)
    return bool(values) and bool(allowed) and all(v in allowed for v in values)


@MANAGED_RULES.register("S3_BUCKET_POLICY_GRANTEE_CHECK")
class S3BucketPolicyGranteeCheck(ManagedRule):
    identifier = "S3_BUCKET_POLICY_GRANTEE_CHECK"
    name = "s3-bucket-policy-grantee-check"
    resource_types = ("AWS::S3::Bucket",)
    parameters = (
        Parameter("servicePrincipals", "CSV"),
        Parameter("federatedUsers", "CSV"),
        Parameter("awsPrincipals", "CSV"),
        Parameter("ipAddresses", "CSV"),
        Parameter("vpcIds", "CSV"),
    )

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        for statement in policy_statements(item):
            if str(statement.get("Effect", "")).lower() != "allow":
                continue
            if pinned(statement, "aws:SourceIp", ctx.params.get("ipAddresses") or []):
                continue
            if pinned(statement, "aws:SourceVpc", ctx.params.get("vpcIds") or []):
                continue
            if "NotPrincipal" in statement:
                return Verdict.non_compliant(
                    f"The policy of {item.resource_id} grants access with NotPrincipal."
                )
            unlisted = [v for kind, v in principals(statement) if not principal_listed(kind, v, ctx.params)]
            if unlisted or not principals(statement):
                return Verdict.non_compliant(
                    f"The policy of {item.resource_id} grants access to "
                    f"{', '.join(unlisted) or 'no principal'}, "
                    "which the rule's parameters do not allow."
                )
        return Verdict.compliant()
