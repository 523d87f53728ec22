"""s3-bucket-acl-prohibited (S3_BUCKET_ACL_PROHIBITED): the bucket's ACL grants no one else.

AWS: NON_COMPLIANT "if ACLs are configured for user access". roost reads the recorded ACL: the
bucket is COMPLIANT when every grant goes to the bucket owner (the default ACL, and the only ACL a
bucket with ACLs disabled by BucketOwnerEnforced can have), NON_COMPLIANT when any grant goes to
another account, an e-mail grantee or a group (AllUsers, AuthenticatedUsers, LogDelivery).
"""

from __future__ import annotations

import json
from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed._s3 import acl_grants, supplementary
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Verdict


def owner_id(item: ConfigurationItem) -> str | None:
    raw = supplementary(item).get("AccessControlList")
    try:
        acl = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        return None
    owner = (acl or {}).get("owner") if isinstance(acl, dict) else None
    found = (owner or {}).get("id") or ((item.configuration or {}).get("owner") or {}).get("id")
    return str(found) if found else None


def grantee_label(grantee: Any) -> str:
    if isinstance(grantee, dict):
        return str(grantee.get("id") or grantee.get("identifier") or grantee.get("displayName") or grantee)
    return str(grantee)


@MANAGED_RULES.register("S3_BUCKET_ACL_PROHIBITED")
class S3BucketAclProhibited(ManagedRule):
    identifier = "S3_BUCKET_ACL_PROHIBITED"
    name = "s3-bucket-acl-prohibited"
    resource_types = ("AWS::S3::Bucket",)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        owner = owner_id(item)
        others = []
        for grant in acl_grants(item):
            grantee = grant.get("grantee")
            if isinstance(grantee, dict) and grantee.get("id") and grantee.get("id") == owner:
                continue
            others.append(f"{grantee_label(grantee)}:{grant.get('permission')}")
        if others:
            return Verdict.non_compliant(
                f"The ACL of {item.resource_id} grants access to others ({', '.join(others)})."
            )
        return Verdict.compliant()
