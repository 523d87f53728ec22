from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed._lambda_support import function_maker
from tests.rules.managed.rule_helpers import annotations, evaluate

FUNCTION = "AWS::Lambda::Function"
C, N = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT


def test_functions_outside_a_vpc_or_the_listed_subnets_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    first = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    second = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc)["GroupId"]
    make = function_maker(aws)
    make("public")
    make("in-first", VpcConfig={"SubnetIds": [first], "SecurityGroupIds": [group]})
    make("in-second", VpcConfig={"SubnetIds": [second], "SecurityGroupIds": [group]})

    found = evaluate(recorder, engine, "LAMBDA_INSIDE_VPC", "lambda-inside-vpc", [FUNCTION])
    listed = evaluate(
        recorder, engine, "LAMBDA_INSIDE_VPC", "lambda-inside-first-subnet", [FUNCTION], {"subnetIds": first}
    )

    assert found == {"public": N, "in-first": C, "in-second": C}
    assert listed == {"public": N, "in-first": C, "in-second": N}
    assert annotations(recorder, "lambda-inside-vpc")["public"] == "The function public is not in a VPC."
