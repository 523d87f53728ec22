"""iam-user-unused-credentials-check (IAM_USER_UNUSED_CREDENTIALS_CHECK).

Periodic, per IAM user. NON_COMPLIANT when the user's console password or an active access key has
not been used for more than maxCredentialUsageAge days. A credential that was never used is judged
by its age since creation (the password by the login profile's creation date). Inactive keys are
ignored. The rule asks IAM (GetUser, GetLoginProfile, ListAccessKeys, GetAccessKeyLastUsed), since
none of this is in the user's configuration item. A user IAM no longer knows is NOT_APPLICABLE.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from roost.errors import CloudError
from roost.model import ConfigurationItem
from roost.recorder.collector import call, is_not_found, paginate
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict


def _password_last_used(iam: Any, user_name: str) -> datetime | None:
    """When the console password was last used (or set, if never used); None without a password."""
    try:
        profile = call(iam.get_login_profile, UserName=user_name)["LoginProfile"]
    except CloudError as error:
        if error.code == "NoSuchEntity":
            return None
        raise
    user = call(iam.get_user, UserName=user_name)["User"]
    used: datetime | None = user.get("PasswordLastUsed")
    return used or profile.get("CreateDate")


@MANAGED_RULES.register("IAM_USER_UNUSED_CREDENTIALS_CHECK")
class IamUserUnusedCredentialsCheck(ManagedRule):
    identifier = "IAM_USER_UNUSED_CREDENTIALS_CHECK"
    name = "iam-user-unused-credentials-check"
    resource_types = ("AWS::IAM::User",)
    triggers = frozenset({Trigger.PERIODIC})
    parameters = (Parameter("maxCredentialUsageAge", "int", "90", optional=False),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        user_name = str(item.resource_name or (item.configuration or {}).get("userName"))
        days = int(ctx.params["maxCredentialUsageAge"])
        limit = timedelta(days=days)
        iam = ctx.client("iam")
        stale: list[str] = []
        try:
            used = _password_last_used(iam, user_name)
            if used is not None and ctx.now - used > limit:
                stale.append("console password")
            for key in paginate(iam, "list_access_keys", "AccessKeyMetadata", UserName=user_name):
                if key.get("Status") != "Active":
                    continue
                last = call(iam.get_access_key_last_used, AccessKeyId=key["AccessKeyId"])
                key_used = (last.get("AccessKeyLastUsed") or {}).get("LastUsedDate") or key["CreateDate"]
                if ctx.now - key_used > limit:
                    stale.append(f"access key {key['AccessKeyId']}")
        except CloudError as error:
            if is_not_found(error):
                return Verdict.not_applicable(f"The IAM user {user_name} no longer exists.")
            raise
        if stale:
            return Verdict.non_compliant(f"Unused for more than {days} days: {', '.join(stale)}.")
        return Verdict.compliant()
