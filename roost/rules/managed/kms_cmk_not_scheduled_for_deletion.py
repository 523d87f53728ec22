"""kms-cmk-not-scheduled-for-deletion (KMS_CMK_NOT_SCHEDULED_FOR_DELETION): no customer managed
key is pending deletion.

Periodic. NON_COMPLIANT when the recorded `keyState` is PendingDeletion (or PendingReplicaDeletion).
`kmsKeyIds` (a String of comma-separated key ids or ARNs) limits the check to those keys; the other
keys are NOT_APPLICABLE.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed._cloud_read import key_matches
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict

PENDING = frozenset({"PendingDeletion", "PendingReplicaDeletion"})


@MANAGED_RULES.register("KMS_CMK_NOT_SCHEDULED_FOR_DELETION")
class KmsCmkNotScheduledForDeletion(ManagedRule):
    identifier = "KMS_CMK_NOT_SCHEDULED_FOR_DELETION"
    name = "kms-cmk-not-scheduled-for-deletion"
    resource_types = ("AWS::KMS::Key",)
    triggers = frozenset({Trigger.PERIODIC})
    parameters = (Parameter("kmsKeyIds"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        wanted = [k.strip() for k in str(ctx.params.get("kmsKeyIds") or "").split(",") if k.strip()]
        if wanted and not (key_matches(item.resource_id, wanted) or key_matches(item.arn, wanted)):
            return Verdict.not_applicable()
        state = (item.configuration or {}).get("keyState")
        if state in PENDING:
            when = (item.configuration or {}).get("deletionDate")
            return Verdict.non_compliant(f"The key {item.resource_id} is scheduled for deletion ({when}).")
        return Verdict.compliant()
