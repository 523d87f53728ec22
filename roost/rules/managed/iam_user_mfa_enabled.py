"""iam-user-mfa-enabled (IAM_USER_MFA_ENABLED): every IAM user has an MFA device.

Periodic. The user's configuration item does not carry MFA devices, so the rule asks IAM
(ListMFADevices) for each user, as AWS's rule does.
"""

from __future__ import annotations

import botocore.exceptions

from roost.cloud import describe_error
from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("IAM_USER_MFA_ENABLED")
class IamUserMfaEnabled(ManagedRule):
    identifier = "IAM_USER_MFA_ENABLED"
    name = "iam-user-mfa-enabled"
    resource_types = ("AWS::IAM::User",)
    triggers = frozenset({Trigger.PERIODIC})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        user_name = item.resource_name or (item.configuration or {}).get("userName")
        try:
            devices = ctx.client("iam").list_mfa_devices(UserName=user_name)["MFADevices"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise describe_error(exc) from None
        if devices:
            return Verdict.compliant()
        return Verdict.non_compliant(f"The IAM user {user_name} has no MFA device.")
