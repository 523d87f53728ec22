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


def test_instances_must_require_session_tokens(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    v2 = launch(ec2, MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"})
    v1 = launch(ec2, MetadataOptions={"HttpTokens": "optional"})
    recorder.record_pass(SOURCE, resource_types=[INSTANCE])

    results = evaluate_results(recorder, engine, "EC2_IMDSV2_CHECK", "ec2-imdsv2-check")

    assert results[v2].compliance_type is ComplianceType.COMPLIANT
    assert results[v1].compliance_type is ComplianceType.NON_COMPLIANT
