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


def test_instances_stopped_beyond_the_allowed_days_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    from datetime import UTC, datetime, timedelta

    from roost.clock import FrozenClock

    ec2 = aws("ec2")
    running = launch(ec2)
    stopped = launch(ec2)
    ec2.stop_instances(InstanceIds=[stopped])
    recorder.record_pass(SOURCE, resource_types=[INSTANCE])

    results = evaluate_results(recorder, engine, "EC2_STOPPED_INSTANCE", "ec2-stopped-instance")
    assert results[running].compliance_type is ComplianceType.COMPLIANT
    assert results[stopped].compliance_type is ComplianceType.COMPLIANT  # stopped just now

    later = RuleEngine(
        recorder.store, recorder.connector, FrozenClock(datetime.now(UTC) + timedelta(days=31))
    )
    results = evaluate_results(recorder, later, "EC2_STOPPED_INSTANCE", "ec2-stopped-instance")
    assert results[running].compliance_type is ComplianceType.COMPLIANT
    assert results[stopped].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[stopped].annotation == "The instance has been stopped for more than 30 days."

    results = evaluate_results(
        recorder, later, "EC2_STOPPED_INSTANCE", "ec2-stopped-instance", AllowedDays="60"
    )
    assert results[stopped].compliance_type is ComplianceType.COMPLIANT
