"""vpc-flow-logs-enabled (VPC_FLOW_LOGS_ENABLED): every VPC has an active flow log.

Periodic, per recorded VPC: COMPLIANT when EC2's DescribeFlowLogs lists an ACTIVE flow log for the
VPC (flow logs are not recorded resources). With `trafficType` (ACCEPT, REJECT or ALL, any case),
the flow log must capture exactly that traffic type.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.recorder.collector import paginate
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("VPC_FLOW_LOGS_ENABLED")
class VpcFlowLogsEnabled(ManagedRule):
    identifier = "VPC_FLOW_LOGS_ENABLED"
    name = "vpc-flow-logs-enabled"
    resource_types = ("AWS::EC2::VPC",)
    triggers = frozenset({Trigger.PERIODIC})
    parameters = (Parameter("trafficType"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        wanted = (ctx.params.get("trafficType") or "").upper()
        flow_logs = paginate(
            ctx.client("ec2"),
            "describe_flow_logs",
            "FlowLogs",
            Filters=[{"Name": "resource-id", "Values": [item.resource_id]}],
        )
        for flow_log in flow_logs:
            if flow_log.get("ResourceId", item.resource_id) != item.resource_id:
                continue
            if (flow_log.get("FlowLogStatus") or "ACTIVE") != "ACTIVE":
                continue
            if wanted and str(flow_log.get("TrafficType") or "").upper() != wanted:
                continue
            return Verdict.compliant()
        if wanted:
            return Verdict.non_compliant(f"The VPC has no active flow log capturing {wanted} traffic.")
        return Verdict.non_compliant("The VPC has no active flow log.")
