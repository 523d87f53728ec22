"""iam-root-access-key-check (IAM_ROOT_ACCESS_KEY_CHECK): the root user has no access key.

Account-level and periodic: one verdict for AWS::::Account, from GetAccountSummary's
AccountAccessKeysPresent (NON_COMPLIANT when it is not 0).
"""

from __future__ import annotations

from collections.abc import Sequence

from roost.compliance import ComplianceType
from roost.model import ConfigurationItem
from roost.recorder.collector import call
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict

ACCOUNT = "AWS::::Account"


@MANAGED_RULES.register("IAM_ROOT_ACCESS_KEY_CHECK")
class IamRootAccessKeyCheck(ManagedRule):
    identifier = "IAM_ROOT_ACCESS_KEY_CHECK"
    name = "iam-root-access-key-check"
    resource_types = ()
    triggers = frozenset({Trigger.PERIODIC})

    def evaluate_periodic(self, ctx: RuleContext, items: Sequence[ConfigurationItem]) -> list[Verdict]:
        account = ctx.source.account_id
        summary = call(ctx.client("iam").get_account_summary)["SummaryMap"]
        if int(summary.get("AccountAccessKeysPresent") or 0) > 0:
            return [
                Verdict(ComplianceType.NON_COMPLIANT, "The root user has an access key.", ACCOUNT, account)
            ]
        return [Verdict(ComplianceType.COMPLIANT, None, ACCOUNT, account)]
