"""AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules: close a VPC's default security group.

AWS's runbook first asserts (step CheckDefaultSecurityGroup, an aws:assertAwsResourceProperty on
DescribeSecurityGroups' `$.SecurityGroups[0].GroupName`) that the group is named `default`: any
other group fails the execution there, changing nothing. Step RemoveRulesAndVerify then describes
the group again and revokes its ingress rules with RevokeSecurityGroupIngress and its egress rules
with RevokeSecurityGroupEgress, each with the permissions exactly as described and only when there
are some, then describes it once more and fails ("VERIFICATION FAILED") if any rule is left.
Everything goes: the default self-referencing ingress rule and the allow-all egress rule included.
AutomationAssumeRole is required. In a dry run the revocations are only planned, so the verification
is not made.
"""

from __future__ import annotations

from typing import Any

from roost.remediation.document import (
    DOCUMENTS,
    Automation,
    AutomationDocument,
    DocumentFailure,
    DocumentParameter,
    assume_role_parameter,
)


@DOCUMENTS.register("AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules")
class RemoveVPCDefaultSecurityGroupRules(AutomationDocument):
    name = "AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules"
    description = "Removes all inbound and outbound rules from the default security group in an Amazon VPC."
    resource_types = ("AWS::EC2::SecurityGroup",)
    parameters = (
        DocumentParameter(
            "GroupId",
            "String",
            "(Required) The unique ID of the security group.",
            allowed_pattern=r"sg-[a-z0-9]+$",
        ),
        assume_role_parameter(required=True),
    )

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        group_id: str = params["GroupId"]
        with automation.step("CheckDefaultSecurityGroup"):
            name = _describe(automation, group_id).get("GroupName")
            if name != "default":
                raise DocumentFailure(
                    f"The security group {group_id} is not a default security group: its GroupName is "
                    f"{name!r}, expected 'default'."
                )
        with automation.step("RemoveRulesAndVerify"):
            group = _describe(automation, group_id)
            if group.get("IpPermissions"):
                automation.write(
                    "ec2",
                    "revoke_security_group_ingress",
                    GroupId=group_id,
                    IpPermissions=group["IpPermissions"],
                )
            if group.get("IpPermissionsEgress"):
                automation.write(
                    "ec2",
                    "revoke_security_group_egress",
                    GroupId=group_id,
                    IpPermissions=group["IpPermissionsEgress"],
                )
            if automation.dry_run:
                return
            group = _describe(automation, group_id)
            if group.get("IpPermissions") or group.get("IpPermissionsEgress"):
                raise DocumentFailure(f"VERIFICATION FAILED. SECURITY GROUP {group_id} NOT CLOSED.")


def _describe(automation: Automation, group_id: str) -> dict[str, Any]:
    groups = automation.read("ec2", "describe_security_groups", GroupIds=[group_id])["SecurityGroups"]
    found: dict[str, Any] = groups[0]
    return found
