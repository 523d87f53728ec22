"""mfa-enabled-for-iam-console-access (MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS).

Periodic, per recorded IAM user: a user with a console password (a login profile) must have an MFA
device; a user without one is COMPLIANT, as in AWS's rule. Neither is part of the recorded user, so
the rule asks IAM (GetLoginProfile, ListMFADevices).
"""

from __future__ import annotations

from roost.errors import CloudError
from roost.model import ConfigurationItem
from roost.recorder.collector import call, is_not_found
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS")
class MfaEnabledForIamConsoleAccess(ManagedRule):
    identifier = "MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS"
    name = "mfa-enabled-for-iam-console-access"
    resource_types = ("AWS::IAM::User",)
    triggers = frozenset({Trigger.PERIODIC})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        user_name = item.resource_name or (item.configuration or {}).get("userName")
        iam = ctx.client("iam")
        try:
            call(iam.get_login_profile, UserName=user_name)
        except CloudError as error:
            if is_not_found(error):
                return Verdict.compliant(f"The IAM user {user_name} has no console password.")
            raise
        if call(iam.list_mfa_devices, UserName=user_name).get("MFADevices"):
            return Verdict.compliant()
        return Verdict.non_compliant(f"The IAM user {user_name} can sign in to the console without MFA.")
