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


def test_instances_need_an_instance_profile_from_the_list(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    profile = iam.create_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Arn"]
    other = iam.create_instance_profile(InstanceProfileName="batch")["InstanceProfile"]["Arn"]
    ec2 = aws("ec2")
    with_profile = launch(ec2, IamInstanceProfile={"Arn": profile})
    without = launch(ec2)
    recorder.record_pass(SOURCE, resource_types=[INSTANCE])

    name = "ec2-instance-profile-attached"
    results = evaluate_results(recorder, engine, "EC2_INSTANCE_PROFILE_ATTACHED", name)
    assert results[with_profile].compliance_type is ComplianceType.COMPLIANT
    assert results[without].compliance_type is ComplianceType.NON_COMPLIANT

    results = evaluate_results(
        recorder, engine, "EC2_INSTANCE_PROFILE_ATTACHED", name, IamInstanceProfileArnList=other
    )
    assert results[with_profile].compliance_type is ComplianceType.NON_COMPLIANT
    results = evaluate_results(
        recorder,
        engine,
        "EC2_INSTANCE_PROFILE_ATTACHED",
        name,
        IamInstanceProfileArnList=f"{other}, {profile}",
    )
    assert results[with_profile].compliance_type is ComplianceType.COMPLIANT
