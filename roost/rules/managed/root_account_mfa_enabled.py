"""root-account-mfa-enabled (ROOT_ACCOUNT_MFA_ENABLED): the root user has an MFA device.

Account-level and periodic: one verdict for AWS::::Account, from IAM's GetAccountSummary
(AccountMFAEnabled is 1 when the root user has MFA).
"""

from __future__ import annotations

from collections.abc import Sequence

from roost.compliance import ComplianceType
from roost.model import ConfigurationItem
from roost.recorder.collector import call
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict

ACCOUNT = "AWS::::Account"


@MANAGED_RULES.register("ROOT_ACCOUNT_MFA_ENABLED")
class RootAccountMfaEnabled(ManagedRule):
    identifier = "ROOT_ACCOUNT_MFA_ENABLED"
    name = "root-account-mfa-enabled"
    resource_types = ()
    triggers = frozenset({Trigger.PERIODIC})

    def evaluate_periodic(self, ctx: RuleContext, items: Sequence[ConfigurationItem]) -> list[Verdict]:
        account = ctx.source.account_id
        summary = call(ctx.client("iam").get_account_summary).get("SummaryMap") or {}
        if int(summary.get("AccountMFAEnabled") or 0) == 1:
            return [Verdict(ComplianceType.COMPLIANT, None, ACCOUNT, account)]
        annotation = "The root user has no MFA device."
        return [Verdict(ComplianceType.NON_COMPLIANT, annotation, ACCOUNT, account)]
