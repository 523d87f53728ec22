from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

INSTANCE = "AWS::EC2::Instance"
AMI = "ami-1e749f67"  # one of the images moto bundles in every region


def subnet(ec2: Any, vpc: str, cidr: str, *, public: bool) -> str:
    subnet_id: str = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone="us-east-1b")["Subnet"][
        "SubnetId"
    ]
    if public:
        ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
    return subnet_id


def launch(ec2: Any, subnet_id: str) -> str:
    instance_id: str = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet_id)[
        "Instances"
    ][0]["InstanceId"]
    return instance_id


def test_instances_with_a_public_address_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    public = launch(ec2, subnet(ec2, vpc, "10.0.1.0/24", public=True))
    private = launch(ec2, subnet(ec2, vpc, "10.0.2.0/24", public=False))

    results = evaluate(recorder, engine, "EC2_INSTANCE_NO_PUBLIC_IP", "ec2-instance-no-public-ip", [INSTANCE])

    assert results == {public: ComplianceType.NON_COMPLIANT, private: ComplianceType.COMPLIANT}
