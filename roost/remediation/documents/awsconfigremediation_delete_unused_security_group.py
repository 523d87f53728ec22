"""AWSConfigRemediation-DeleteUnusedSecurityGroup: delete a security group nothing uses.

AWS's runbook reads the group's name (step DescribeSecurityGroups), then branches on it (step
CheckNonDefaultSecurityGroup, an aws:branch that ends the execution when the name is `default`): a
default group is left alone and the execution ends there, successfully, having changed nothing (a
default group cannot be deleted anyway). Any other group is deleted with DeleteSecurityGroup (step
DeleteSecurityGroup), and step VerifySecurityGroupDeleted checks that DescribeSecurityGroups now
answers InvalidGroup.NotFound.

The runbook does not look for users of the group itself: EC2 refuses to delete a group that a
network interface (an instance, a load balancer, ...) uses or that another group's rule references,
with DependencyViolation, and the execution fails at DeleteSecurityGroup. Not every cloud refuses
(moto deletes such a group), so this document asks first, with DescribeNetworkInterfaces and
DescribeSecurityGroups filtered on the group, and fails the step with EC2's DependencyViolation when
something depends on it. A group's rules that reference the group itself do not count, as in EC2.
In a dry run the deletion is only planned, so the verification is not made.
"""

from __future__ import annotations

from typing import Any

from roost.errors import CloudError
from roost.remediation.document import (
    DOCUMENTS,
    Automation,
    AutomationDocument,
    DocumentFailure,
    DocumentParameter,
    assume_role_parameter,
)


@DOCUMENTS.register("AWSConfigRemediation-DeleteUnusedSecurityGroup")
class DeleteUnusedSecurityGroup(AutomationDocument):
    name = "AWSConfigRemediation-DeleteUnusedSecurityGroup"
    description = "Deletes a non-default security group that is not utilized by an elastic network interface."
    resource_types = ("AWS::EC2::SecurityGroup",)
    parameters = (
        DocumentParameter(
            "GroupId",
            "String",
            "(Required) The unique ID of the security group to be deleted.",
            allowed_pattern=r"sg-[a-z0-9]+$",
        ),
        assume_role_parameter(required=True),
    )

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        group_id: str = params["GroupId"]
        with automation.step("DescribeSecurityGroups"):
            groups = automation.read("ec2", "describe_security_groups", GroupIds=[group_id])["SecurityGroups"]
            name = groups[0].get("GroupName")
        with automation.step("CheckNonDefaultSecurityGroup"):
            if name == "default":
                return  # the branch's only choice does not hold: the execution ends here
        with automation.step("DeleteSecurityGroup"):
            _refuse_if_in_use(automation, group_id)
            automation.write("ec2", "delete_security_group", GroupId=group_id)
        with automation.step("VerifySecurityGroupDeleted"):
            if automation.dry_run:
                return
            try:
                automation.read("ec2", "describe_security_groups", GroupIds=[group_id])
            except CloudError as error:
                if error.code == "InvalidGroup.NotFound":
                    return
                raise
            raise DocumentFailure(f"VERIFICATION FAILED. SECURITY GROUP {group_id} NOT DELETED.")


def _refuse_if_in_use(automation: Automation, group_id: str) -> None:
    """Fail as EC2 fails DeleteSecurityGroup for a group in use, on clouds that do not."""
    interfaces = automation.read(
        "ec2", "describe_network_interfaces", Filters=[{"Name": "group-id", "Values": [group_id]}]
    )["NetworkInterfaces"]
    referencing = [
        group["GroupId"]
        for name in ("ip-permission.group-id", "egress.ip-permission.group-id")
        for group in automation.read(
            "ec2", "describe_security_groups", Filters=[{"Name": name, "Values": [group_id]}]
        )["SecurityGroups"]
        if group["GroupId"] != group_id
    ]
    if interfaces or referencing:
        users = [i["NetworkInterfaceId"] for i in interfaces] + sorted(set(referencing))
        raise DocumentFailure(
            f"DependencyViolation: resource {group_id} has a dependent object ({', '.join(users)})."
        )
