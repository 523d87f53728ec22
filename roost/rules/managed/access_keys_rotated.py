"""access-keys-rotated (ACCESS_KEYS_ROTATED): active access keys are younger than maxAccessKeyAge days.

Periodic, per IAM user. Access keys are not part of the user's configuration item, so the rule asks
IAM (ListAccessKeys), as AWS's does. NON_COMPLIANT when an *active* key was created more than
maxAccessKeyAge days ago; inactive keys are ignored, and a user without active keys is COMPLIANT.
A user IAM no longer knows is NOT_APPLICABLE.
"""

from __future__ import annotations

from datetime import timedelta

from roost.errors import CloudError
from roost.model import ConfigurationItem
from roost.recorder.collector import is_not_found, paginate
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("ACCESS_KEYS_ROTATED")
class AccessKeysRotated(ManagedRule):
    identifier = "ACCESS_KEYS_ROTATED"
    name = "access-keys-rotated"
    resource_types = ("AWS::IAM::User",)
    triggers = frozenset({Trigger.PERIODIC})
    parameters = (Parameter("maxAccessKeyAge", "int", "90", optional=False),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        user_name = item.resource_name or (item.configuration or {}).get("userName")
        max_age = timedelta(days=int(ctx.params["maxAccessKeyAge"]))
        try:
            keys = list(
                paginate(ctx.client("iam"), "list_access_keys", "AccessKeyMetadata", UserName=user_name)
            )
        except CloudError as error:
            if is_not_found(error):
                return Verdict.not_applicable(f"The IAM user {user_name} no longer exists.")
            raise
        old = sorted(
            str(key["AccessKeyId"])
            for key in keys
            if key.get("Status") == "Active" and ctx.now - key["CreateDate"] > max_age
        )
        if old:
            return Verdict.non_compliant(
                f"Active access keys older than {ctx.params['maxAccessKeyAge']} days: {', '.join(old)}."
            )
        return Verdict.compliant()
