"""s3-bucket-blacklisted-actions-prohibited (S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED): the bucket
policy allows no blocked action to principals from other accounts.

`blacklistedActionPattern` (required) lists actions or patterns (`s3:GetBucket*`). An Allow
statement NON_COMPLIANT when its principal reaches beyond the bucket's account (`*`, another
account's id or ARN, NotPrincipal) and one of its actions overlaps a blocked pattern (`s3:*` allows
`s3:DeleteObject`; `s3:GetBucketAcl` is matched by `s3:GetBucket*`). Conditions are not considered.
Service principals are AWS services, not other accounts, and are ignored.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed._s3 import as_list, policy_statements
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


def overlaps(action: str, pattern: str) -> bool:
    a, p = action.lower(), pattern.lower()
    return fnmatch.fnmatchcase(a, p) or fnmatch.fnmatchcase(p, a)


def blocked_actions(statement: dict[str, Any], patterns: list[str]) -> list[str]:
    if "NotAction" in statement:
        excluded = [str(a).lower() for a in as_list(statement["NotAction"])]
        return [p for p in patterns if not any(fnmatch.fnmatchcase(p.lower(), e) for e in excluded)]
    actions = [str(a) for a in as_list(statement.get("Action"))]
    return [p for p in patterns if any(overlaps(a, p) for a in actions)]


def foreign(statement: dict[str, Any], account_id: str) -> bool:
    if "NotPrincipal" in statement:
        return True
    raw = statement.get("Principal")
    values = (
        [str(v) for kind, vs in raw.items() if kind == "AWS" for v in as_list(vs)]
        if isinstance(raw, dict)
        else [str(v) for v in as_list(raw)]
    )
    for value in values:
        account = value.split(":")[4] if value.startswith("arn:") and value.count(":") >= 5 else value
        if account != account_id:
            return True
    return False


@MANAGED_RULES.register("S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED")
class S3BucketBlacklistedActionsProhibited(ManagedRule):
    identifier = "S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED"
    name = "s3-bucket-blacklisted-actions-prohibited"
    resource_types = ("AWS::S3::Bucket",)
    parameters = (Parameter("blacklistedActionPattern", "CSV", optional=False),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        patterns = [str(p) for p in ctx.params.get("blacklistedActionPattern") or []]
        account_id = item.account_id or ctx.source.account_id
        for statement in policy_statements(item):
            if str(statement.get("Effect", "")).lower() != "allow" or not foreign(statement, account_id):
                continue
            found = blocked_actions(statement, patterns)
            if found:
                return Verdict.non_compliant(
                    f"The policy of {item.resource_id} allows {', '.join(found)} to other accounts."
                )
        return Verdict.compliant()
