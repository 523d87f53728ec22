from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import evaluate_results

INSTANCE = "AWS::EC2::Instance"
# One of the images moto bundles in every region.
AMI = "ami-1e749f67"


def launch(ec2: Any, **params: Any) -> str:
    reservation = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, **params)
    return str(reservation["Instances"][0]["InstanceId"])


def test_instances_must_be_in_a_vpc_and_the_named_one_when_given(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    inside = launch(ec2, SubnetId=subnet)
    default = launch(ec2)
    recorder.record_pass(SOURCE, resource_types=[INSTANCE])

    results = evaluate_results(recorder, engine, "INSTANCES_IN_VPC", "ec2-instances-in-vpc")
    assert results[inside].compliance_type is ComplianceType.COMPLIANT
    assert results[default].compliance_type is ComplianceType.COMPLIANT  # the default VPC

    results = evaluate_results(recorder, engine, "INSTANCES_IN_VPC", "ec2-instances-in-vpc", vpcId=vpc)
    assert results[inside].compliance_type is ComplianceType.COMPLIANT
    assert results[default].compliance_type is ComplianceType.NON_COMPLIANT


def test_an_instance_outside_any_vpc_is_non_compliant(recorder: Recorder) -> None:
    from datetime import UTC, datetime

    from roost.model import ConfigurationItem, ItemStatus
    from roost.rules.managed.instances_in_vpc import InstancesInVpc
    from roost.rules.managed_rule import RuleContext

    now = datetime.now(UTC)
    classic = ConfigurationItem(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        resource_type=INSTANCE,
        resource_id="i-0classic",
        capture_time=now,
        status=ItemStatus.OK,
        configuration_state_id=1,
        aws_region=SOURCE.region,
        configuration={"instanceId": "i-0classic"},
    )
    ctx = RuleContext(SOURCE, {"vpcId": None}, now, recorder.store, lambda service: None)
    assert InstancesInVpc().evaluate(classic, ctx).compliance_type is ComplianceType.NON_COMPLIANT
