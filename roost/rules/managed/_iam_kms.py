"""Which blocked KMS actions an IAM policy document allows on KMS keys.

Not a rule: shared by iam-customer-policy-blocked-kms-actions and
iam-inline-policy-blocked-kms-actions. An Allow statement counts when its resources include KMS
keys (`*`, `kms:*`-style wildcards or an `arn:...:kms:...` ARN) and its actions overlap a blocked
pattern: `kms:*` or `*` allow `kms:Decrypt`, `kms:ReEncryptFrom` is matched by `kms:ReEncrypt*`,
and a NotAction allows every blocked pattern it does not exclude. Conditions are not considered.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from roost.rules.managed._s3 import as_list


def overlaps(action: str, pattern: str) -> bool:
    a, p = action.lower(), pattern.lower()
    return fnmatch.fnmatchcase(a, p) or fnmatch.fnmatchcase(p, a)


def on_kms_keys(statement: dict[str, Any]) -> bool:
    if "NotResource" in statement:
        return True
    for resource in as_list(statement.get("Resource")):
        text = str(resource)
        if text == "*" or fnmatch.fnmatchcase("arn:aws:kms:us-east-1:123456789012:key/k", text):
            return True
        parts = text.split(":")
        if len(parts) > 2 and parts[0] == "arn" and fnmatch.fnmatchcase("kms", parts[2]):
            return True
    return False


def allowed_blocked_actions(document: dict[str, Any], patterns: list[str]) -> list[str]:
    found: list[str] = []
    for statement in as_list(document.get("Statement")):
        if not isinstance(statement, dict) or str(statement.get("Effect")) != "Allow":
            continue
        if not on_kms_keys(statement):
            continue
        if "NotAction" in statement:
            excluded = [str(a).lower() for a in as_list(statement["NotAction"])]
            hits = [p for p in patterns if not any(fnmatch.fnmatchcase(p.lower(), e) for e in excluded)]
        else:
            actions = [str(a) for a in as_list(statement.get("Action"))]
            hits = [p for p in patterns if any(overlaps(a, p) for a in actions)]
        found.extend(h for h in hits if h not in found)
    return found
