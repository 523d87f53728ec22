"""AWSConfigRemediation-RevokeUnusedIAMUserCredentials: deactivate unused keys, drop an unused password.

AWS's runbook is one script step, RevokeUnusedIAMUserCredentialsAndVerify. For the IAM user whose
resource id (its UserId, AIDA...) is IAMResourceId it:

* lists the user's access keys (ListAccessKeys) and, for each, asks GetAccessKeyLastUsed: a key
  used `MaxCredentialUsageAge` days ago or longer, or never used and created that long ago, is
  deactivated with UpdateAccessKey Status=Inactive (never deleted);
* reads the user (GetUser) and its login profile (GetLoginProfile): a password last used that long
  ago or longer is deleted with DeleteLoginProfile. A password that was never used is left alone,
  however old: GetUser gives no PasswordLastUsed for it, and the runbook only acts on that date;
* verifies: every key it deactivated is Inactive, and GetLoginProfile answers NoSuchEntity when it
  deleted the password; otherwise the step fails ("VERIFICATION FAILED").

Ages are whole days (a timedelta's `.days`), compared with `>=`: MaxCredentialUsageAge 0 revokes
every credential. The parameter is a String of 0 to 10000, as in AWS's document.

Two departures, neither changing what ends up revoked. AWS's runbook finds the user's name with AWS
Config (ListDiscoveredResources for AWS::IAM::User); roost is the account's AWS Config, so the
account need not record with AWS's, and this document finds the user with IAM's ListUsers instead
(an id no user has fails the step with NoSuchEntity). And AWS's runbook calls UpdateAccessKey
Inactive on keys that are already inactive; this document leaves those out, so a dry run lists only
real changes. In a dry run the changes are only planned, so the verification is not made.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from roost.errors import CloudError
from roost.remediation.document import (
    DOCUMENTS,
    Automation,
    AutomationDocument,
    DocumentFailure,
    DocumentParameter,
    assume_role_parameter,
)

AGE_PATTERN = (
    r"^(\b([0-9]|[1-8][0-9]|9[0-9]|[1-8][0-9]{2}|9[0-8][0-9]|99[0-9]|[1-8][0-9]{3}|9[0-8][0-9]{2}|"
    r"99[0-8][0-9]|999[0-9]|10000)\b)$"
)
STEP = "RevokeUnusedIAMUserCredentialsAndVerify"


@DOCUMENTS.register("AWSConfigRemediation-RevokeUnusedIAMUserCredentials")
class RevokeUnusedIAMUserCredentials(AutomationDocument):
    name = "AWSConfigRemediation-RevokeUnusedIAMUserCredentials"
    description = "Revokes unused IAM passwords and active access keys."
    resource_types = ("AWS::IAM::User",)
    parameters = (
        assume_role_parameter(required=True),
        DocumentParameter(
            "IAMResourceId",
            "String",
            "(Required) IAM resource unique identifier.",
            allowed_pattern=r"^[\w+=,.@_-]{1,128}$",
        ),
        DocumentParameter(
            "MaxCredentialUsageAge",
            "String",
            "(Required) Maximum number of days within which a credential must be used. The default value "
            "is 90 days.",
            default="90",
            allowed_pattern=AGE_PATTERN,
        ),
    )

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        max_age = int(params["MaxCredentialUsageAge"])
        with automation.step(STEP):
            user = _user_name(automation, params["IAMResourceId"])
            deactivated = _deactivate_unused_keys(automation, user, max_age)
            deleted_password = _delete_unused_password(automation, user, max_age)
            if not automation.dry_run:
                _verify(automation, user, deactivated, deleted_password)


def _age_in_days(when: datetime) -> int:
    return (datetime.now(UTC) - when).days


def _user_name(automation: Automation, resource_id: str) -> str:
    marker: dict[str, str] = {}
    while True:
        page = automation.read("iam", "list_users", **marker)
        for user in page.get("Users") or []:
            if user.get("UserId") == resource_id:
                name: str = user["UserName"]
                return name
        if not page.get("IsTruncated"):
            raise DocumentFailure(f"NoSuchEntity: no IAM user has the resource id {resource_id}.")
        marker = {"Marker": page["Marker"]}


def _deactivate_unused_keys(automation: Automation, user: str, max_age: int) -> list[str]:
    deactivated = []
    for key in automation.read("iam", "list_access_keys", UserName=user).get("AccessKeyMetadata") or []:
        key_id = key["AccessKeyId"]
        if key.get("Status") != "Active":
            continue  # AWS's runbook deactivates it again; nothing would change
        used = automation.read("iam", "get_access_key_last_used", AccessKeyId=key_id)["AccessKeyLastUsed"]
        since = used.get("LastUsedDate") or key["CreateDate"]
        if _age_in_days(since) >= max_age:
            automation.write("iam", "update_access_key", UserName=user, AccessKeyId=key_id, Status="Inactive")
            deactivated.append(key_id)
    return deactivated


def _delete_unused_password(automation: Automation, user: str, max_age: int) -> bool:
    found = automation.read("iam", "get_user", UserName=user)["User"]
    last_used = found.get("PasswordLastUsed")
    if not _has_login_profile(automation, user) or last_used is None:
        return False
    if _age_in_days(last_used) < max_age:
        return False
    automation.write("iam", "delete_login_profile", UserName=user)
    return True


def _has_login_profile(automation: Automation, user: str) -> bool:
    try:
        automation.read("iam", "get_login_profile", UserName=user)
    except CloudError as error:
        if error.code == "NoSuchEntity":
            return False
        raise
    return True


def _verify(automation: Automation, user: str, deactivated: list[str], deleted_password: bool) -> None:
    if deactivated:
        keys = automation.read("iam", "list_access_keys", UserName=user).get("AccessKeyMetadata") or []
        status = {k["AccessKeyId"]: k.get("Status") for k in keys}
        for key_id in deactivated:
            if status.get(key_id) != "Inactive":
                raise DocumentFailure(f"VERIFICATION FAILED. ACCESS KEY {key_id} NOT DEACTIVATED")
    if deleted_password and _has_login_profile(automation, user):
        raise DocumentFailure(f"VERIFICATION FAILED. IAM USER {user} LOGIN PROFILE NOT DELETED")
