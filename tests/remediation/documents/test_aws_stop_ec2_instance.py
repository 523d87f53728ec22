"""AWS-StopEC2Instance, against the sandbox: the instances stop; the forced stop is for what the
plain stop left running."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from roost.remediation.document import ParameterError, load_documents
from roost.remediation.model import StepState
from tests.remediation.conftest import DocumentRun

NAME = "AWS-StopEC2Instance"


def _launch(ec2: Any, count: int = 1) -> list[str]:
    image = ec2.describe_images()["Images"][0]["ImageId"]
    found = ec2.run_instances(ImageId=image, MinCount=count, MaxCount=count)["Instances"]
    return [i["InstanceId"] for i in found]


def _states(ec2: Any, instances: list[str]) -> dict[str, str]:
    found = ec2.describe_instances(InstanceIds=instances)["Reservations"]
    return {i["InstanceId"]: i["State"]["Name"] for r in found for i in r["Instances"]}


def test_it_stops_every_instance_without_forcing(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    instances = _launch(ec2, 2)

    run = run_document(NAME, {"InstanceId": instances})

    assert run.failure is None
    assert run.step_names == ["stopInstances", "forceStopInstances"]
    assert run.writes == [("ec2", "stop_instances", {"InstanceIds": instances})]
    assert _states(ec2, instances) == dict.fromkeys(instances, "stopped")


def test_stopped_instances_are_left_as_they_are(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    stopped, running = _launch(ec2, 2)
    ec2.stop_instances(InstanceIds=[stopped])

    run = run_document(NAME, {"InstanceId": [stopped, running]})

    assert run.failure is None
    assert run.writes == [("ec2", "stop_instances", {"InstanceIds": [running]})]
    assert _states(ec2, [stopped, running]) == {stopped: "stopped", running: "stopped"}


def test_an_unknown_instance_fails_both_steps_and_stops_nothing(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    (instance,) = _launch(ec2)

    run = run_document(NAME, {"InstanceId": [instance, "i-0123456789abcdef0"]})

    # stopInstances continues on failure, so forceStopInstances runs, and fails the same way
    assert run.failure is not None and run.failure.step == "forceStopInstances"
    assert "InvalidInstanceID.NotFound" in run.failure.reason
    assert [(s.name, s.state) for s in run.steps] == [
        ("stopInstances", StepState.FAILED),
        ("forceStopInstances", StepState.FAILED),
    ]
    assert run.writes == []
    assert _states(ec2, [instance]) == {instance: "running"}


def test_a_dry_run_changes_nothing_and_plans_only_the_plain_stop(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    instances = _launch(ec2, 2)

    run = run_document(NAME, {"InstanceId": instances}, dry_run=True)

    assert run.failure is None
    assert run.writes == [("ec2", "stop_instances", {"InstanceIds": instances})]
    assert _states(ec2, instances) == dict.fromkeys(instances, "running")


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert [(p.name, p.type, p.required) for p in document.parameters] == [
        ("InstanceId", "StringList", True),
        ("AutomationAssumeRole", "String", False),
    ]
    assert document.resource_types == ("AWS::EC2::Instance",)
    with pytest.raises(ParameterError):
        document.resolve({})  # InstanceId is required
    with pytest.raises(ParameterError):
        document.resolve({"InstanceId": ["i-1"], "AutomationAssumeRole": ["not-a-role"]})
    assert document.resolve({"InstanceId": ["i-1", "i-2"]}) == {
        "InstanceId": ["i-1", "i-2"],
        "AutomationAssumeRole": "",
    }
