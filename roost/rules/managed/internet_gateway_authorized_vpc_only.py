"""internet-gateway-authorized-vpc-only (INTERNET_GATEWAY_AUTHORIZED_VPC_ONLY).

NON_COMPLIANT when the recorded internet gateway is attached to a VPC not listed in
`AuthorizedVpcIds`; without the parameter every attached gateway is NON_COMPLIANT (AWS's documented
behaviour). A detached gateway is COMPLIANT.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("INTERNET_GATEWAY_AUTHORIZED_VPC_ONLY")
class InternetGatewayAuthorizedVpcOnly(ManagedRule):
    identifier = "INTERNET_GATEWAY_AUTHORIZED_VPC_ONLY"
    name = "internet-gateway-authorized-vpc-only"
    resource_types = ("AWS::EC2::InternetGateway",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})
    parameters = (Parameter("AuthorizedVpcIds", "CSV"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        authorized = set(ctx.params.get("AuthorizedVpcIds") or [])
        attachments = (item.configuration or {}).get("attachments") or []
        vpcs = sorted({str(a.get("vpcId")) for a in attachments if isinstance(a, dict) and a.get("vpcId")})
        unauthorized = [vpc for vpc in vpcs if vpc not in authorized]
        if unauthorized:
            return Verdict.non_compliant(
                f"The internet gateway is attached to an unauthorized VPC: {', '.join(unauthorized)}."
            )
        return Verdict.compliant()
