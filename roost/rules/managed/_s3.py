"""Reading a recorded S3 bucket for the S3 managed rules: its ACL, policy and Block Public Access.

Not a rule: the helpers the s3_bucket_* rules share. "Public" follows S3's own definition (the one
AWS Config's rules apply through Zelkova, approximated here): an Allow statement is public when its
principal is everyone (`*`, `{"AWS": "*"}`, any principal with a wildcard, or NotPrincipal) and no
condition pins it to fixed values of a restricting key (source IP other than the whole internet,
VPC, VPC endpoint, source/principal account, ARN or organization, user id). Wildcards and policy
variables in a restricting condition's values leave the statement public.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable
from typing import Any

from roost.model import ConfigurationItem

READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions")
WRITE_ACTIONS = (
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectAcl",
    "s3:PutBucketPolicy",
    "s3:PutBucketAcl",
)
PUBLIC_GRANTEES = frozenset({"AllUsers", "AuthenticatedUsers"})
READ_PERMISSIONS = frozenset({"Read", "FullControl"})
WRITE_PERMISSIONS = frozenset({"Write", "FullControl"})

#: Condition keys that, pinned to fixed values, make a statement non-public (S3's definition).
RESTRICTING_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceIp",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:userid",
        "aws:username",
        "s3:DataAccessPointArn",
        "s3:DataAccessPointAccount",
    )
)
#: Operators that allow only the listed values (negated and ...IfExists operators do not restrict).
RESTRICTING_OPERATORS = frozenset(
    o.lower()
    for o in (
        "StringEquals",
        "StringEqualsIgnoreCase",
        "StringLike",
        "ArnEquals",
        "ArnLike",
        "IpAddress",
        "ForAnyValue:StringEquals",
        "ForAnyValue:StringLike",
    )
)
WHOLE_INTERNET = frozenset({"0.0.0.0/0", "::/0"})


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def supplementary(item: ConfigurationItem) -> dict[str, Any]:
    return dict(item.supplementary_configuration or {})


def public_access_block(item: ConfigurationItem) -> dict[str, Any]:
    """The bucket's Block Public Access settings (all False when the bucket has none)."""
    found = supplementary(item).get("PublicAccessBlockConfiguration") or {}
    return {
        key: bool(found.get(key))
        for key in ("blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets")
    }


def acl_grants(item: ConfigurationItem) -> list[dict[str, Any]]:
    """The ACL's grants; AWS Config records the ACL as a JSON string (an object is accepted too)."""
    raw = supplementary(item).get("AccessControlList")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return []
    if not isinstance(raw, dict):
        return []
    return [g for g in as_list(raw.get("grantList")) if isinstance(g, dict)]


def public_acl_permissions(item: ConfigurationItem, permissions: frozenset[str]) -> list[str]:
    """`Group:Permission` for each grant of one of `permissions` to AllUsers or AuthenticatedUsers."""
    found = []
    for grant in acl_grants(item):
        grantee = grant.get("grantee")
        name = grantee if isinstance(grantee, str) else None
        if isinstance(grantee, dict):  # a group may also come as {"groupName": ...} or a URI
            name = str(grantee.get("groupName") or grantee.get("uri") or grantee.get("id") or "")
            name = name.rsplit("/", 1)[-1]
        if name in PUBLIC_GRANTEES and grant.get("permission") in permissions:
            found.append(f"{name}:{grant.get('permission')}")
    return found


def policy_statements(item: ConfigurationItem) -> list[dict[str, Any]]:
    """The bucket policy's statements ([] without a policy or with one that does not parse)."""
    text = (supplementary(item).get("BucketPolicy") or {}).get("policyText")
    if not text:
        return []
    try:
        policy = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        return []
    if not isinstance(policy, dict):
        return []
    return [s for s in as_list(policy.get("Statement")) if isinstance(s, dict)]


def matches(patterns: Iterable[Any], value: str) -> bool:
    """Whether an IAM pattern (case-insensitive, `*` and `?` wildcards) matches `value`."""
    return any(fnmatch.fnmatchcase(value.lower(), str(p).lower()) for p in patterns)


def statement_covers(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not matches(as_list(statement["NotAction"]), action)
    return matches(as_list(statement.get("Action")), action)


def principal_is_everyone(statement: dict[str, Any]) -> bool:
    if "NotPrincipal" in statement:
        return True
    principal = statement.get("Principal")
    if principal is None:
        return False
    if isinstance(principal, dict):
        values = [v for vs in principal.values() for v in as_list(vs)]
    else:
        values = as_list(principal)
    return any("*" in str(v) for v in values)


def restricted_by_condition(statement: dict[str, Any]) -> bool:
    for operator, clauses in (statement.get("Condition") or {}).items():
        if str(operator).lower() not in RESTRICTING_OPERATORS or not isinstance(clauses, dict):
            continue
        for key, values in clauses.items():
            if str(key).lower() not in RESTRICTING_KEYS:
                continue
            values = [str(v) for v in as_list(values)]
            if not values or any("*" in v or "?" in v or "${" in v for v in values):
                continue
            if str(key).lower() == "aws:sourceip" and WHOLE_INTERNET & set(values):
                continue
            return True
    return False


def public_policy_actions(item: ConfigurationItem, actions: Iterable[str]) -> list[str]:
    """The `actions` a public Allow statement of the bucket policy grants to everyone."""
    granted: list[str] = []
    for statement in policy_statements(item):
        if str(statement.get("Effect", "")).lower() != "allow":
            continue
        if not principal_is_everyone(statement) or restricted_by_condition(statement):
            continue
        granted.extend(a for a in actions if statement_covers(statement, a) and a not in granted)
    return granted


def public_verdict_reason(
    item: ConfigurationItem, permissions: frozenset[str], actions: Iterable[str], kind: str
) -> str | None:
    """Why the bucket is publicly `kind` (read/write), None if it is not.

    Block Public Access neutralizes what it covers: IgnorePublicAcls the ACL grants,
    RestrictPublicBuckets a public policy (BlockPublicAcls and BlockPublicPolicy only refuse new ones).
    """
    block = public_access_block(item)
    reasons = []
    if not block["ignorePublicAcls"]:
        grants = public_acl_permissions(item, permissions)
        if grants:
            reasons.append(f"its ACL grants public {kind} access ({', '.join(grants)})")
    if not block["restrictPublicBuckets"]:
        granted = public_policy_actions(item, actions)
        if granted:
            reasons.append(f"its bucket policy allows {', '.join(granted)} to everyone")
    if not reasons:
        return None
    return f"The bucket {item.resource_id} is publicly {'readable' if kind == 'read' else 'writable'}: " + (
        "; ".join(reasons) + "."
    )
