"""iam-password-policy (IAM_PASSWORD_POLICY): the account password policy meets every parameter.

Account-level and periodic: one verdict for AWS::::Account. NON_COMPLIANT when the account has no
password policy (GetAccountPasswordPolicy answers NoSuchEntity) or when it is weaker than a parameter:
a boolean requirement set to "true" (case-sensitive, as AWS) that the policy lacks, a minimum length
below MinimumPasswordLength, a reuse prevention below PasswordReusePrevention (or none), or no
expiry / an expiry longer than MaxPasswordAge days.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from roost.compliance import ComplianceType
from roost.errors import CloudError
from roost.model import ConfigurationItem
from roost.recorder.collector import call
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict

ACCOUNT = "AWS::::Account"
BOOLEANS = (
    "RequireUppercaseCharacters",
    "RequireLowercaseCharacters",
    "RequireSymbols",
    "RequireNumbers",
)


def weaknesses(policy: dict[str, Any], params: dict[str, Any]) -> list[str]:
    """What the policy lacks against the parameters, in the parameters' order."""
    found = [name for name in BOOLEANS if params.get(name) and not policy.get(name)]
    minimum = params.get("MinimumPasswordLength")
    if minimum is not None and int(policy.get("MinimumPasswordLength") or 0) < minimum:
        found.append("MinimumPasswordLength")
    reuse = params.get("PasswordReusePrevention")
    if reuse is not None and int(policy.get("PasswordReusePrevention") or 0) < reuse:
        found.append("PasswordReusePrevention")
    max_age = params.get("MaxPasswordAge")
    if max_age is not None:
        age = policy.get("MaxPasswordAge")
        if not policy.get("ExpirePasswords", age is not None) or age is None or int(age) > max_age:
            found.append("MaxPasswordAge")
    return found


@MANAGED_RULES.register("IAM_PASSWORD_POLICY")
class IamPasswordPolicy(ManagedRule):
    identifier = "IAM_PASSWORD_POLICY"
    name = "iam-password-policy"
    resource_types = ()
    triggers = frozenset({Trigger.PERIODIC})
    parameters = (
        *(Parameter(name, "boolean", "true") for name in BOOLEANS),
        Parameter("MinimumPasswordLength", "int", "14"),
        Parameter("PasswordReusePrevention", "int", "24"),
        Parameter("MaxPasswordAge", "int", "90"),
    )

    def evaluate_periodic(self, ctx: RuleContext, items: Sequence[ConfigurationItem]) -> list[Verdict]:
        account = ctx.source.account_id
        try:
            policy = call(ctx.client("iam").get_account_password_policy)["PasswordPolicy"]
        except CloudError as error:
            if error.code != "NoSuchEntity":
                raise
            return [
                Verdict(
                    ComplianceType.NON_COMPLIANT, "The account has no IAM password policy.", ACCOUNT, account
                )
            ]
        weak = weaknesses(policy, ctx.params)
        if weak:
            annotation = "The password policy does not meet: " + ", ".join(weak) + "."
            return [Verdict(ComplianceType.NON_COMPLIANT, annotation, ACCOUNT, account)]
        return [Verdict(ComplianceType.COMPLIANT, None, ACCOUNT, account)]
