"""lambda-inside-vpc (LAMBDA_INSIDE_VPC): the function is connected to a VPC.

NON_COMPLIANT when the recorded `vpcConfig` has no subnet. With `subnetIds`, the function must be
in at least one of the listed subnets.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


@MANAGED_RULES.register("LAMBDA_INSIDE_VPC")
class LambdaInsideVpc(ManagedRule):
    identifier = "LAMBDA_INSIDE_VPC"
    name = "lambda-inside-vpc"
    resource_types = ("AWS::Lambda::Function",)
    parameters = (Parameter("subnetIds", "CSV"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        subnets = [str(s) for s in ((item.configuration or {}).get("vpcConfig") or {}).get("subnetIds") or []]
        if not subnets:
            return Verdict.non_compliant(f"The function {item.resource_id} is not in a VPC.")
        wanted = ctx.params.get("subnetIds") or []
        if wanted and not set(subnets) & set(wanted):
            return Verdict.non_compliant(
                f"The function {item.resource_id} is in none of the subnets {', '.join(wanted)}."
            )
        return Verdict.compliant()
