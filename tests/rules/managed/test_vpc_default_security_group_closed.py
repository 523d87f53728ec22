from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

SG = "AWS::EC2::SecurityGroup"


def test_default_groups_with_rules_are_flagged_and_other_groups_do_not_apply(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    open_vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    closed_vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]

    def default_group(vpc: str) -> dict[str, Any]:
        filters = [{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
        group: dict[str, Any] = ec2.describe_security_groups(Filters=filters)["SecurityGroups"][0]
        return group

    closed = default_group(closed_vpc)
    if closed["IpPermissions"]:
        ec2.revoke_security_group_ingress(GroupId=closed["GroupId"], IpPermissions=closed["IpPermissions"])
    if closed["IpPermissionsEgress"]:
        ec2.revoke_security_group_egress(
            GroupId=closed["GroupId"], IpPermissions=closed["IpPermissionsEgress"]
        )
    opened = default_group(open_vpc)["GroupId"]
    other = ec2.create_security_group(GroupName="app", Description="app", VpcId=closed_vpc)["GroupId"]

    results = evaluate(
        recorder, engine, "VPC_DEFAULT_SECURITY_GROUP_CLOSED", "vpc-default-security-group-closed", [SG]
    )

    assert results[opened] is ComplianceType.NON_COMPLIANT  # a new VPC's default group has rules
    assert results[closed["GroupId"]] is ComplianceType.COMPLIANT
    assert results[other] is ComplianceType.NOT_APPLICABLE
