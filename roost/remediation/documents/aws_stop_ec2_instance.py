"""AWS-StopEC2Instance: stop one or more EC2 instances.

AWS's runbook has two aws:changeInstanceState steps with DesiredState `stopped`: stopInstances, with
onFailure Continue, then forceStopInstances, the same with Force (the instance gets no chance to
flush its file system caches). changeInstanceState stops the instances that are not stopped yet and
waits, polling DescribeInstances, until all of them are (AWS's timeout is an hour); so when the
plain stop worked the forced one finds nothing left to stop. Because stopInstances continues on
failure, a failed plain stop still gets the forced one; but the step stays critical, so the
execution ends Failed even when the forced stop then succeeds. An instance id that does not exist
fails both steps (InvalidInstanceID.NotFound); a terminated instance cannot be stopped
(IncorrectInstanceState). AutomationAssumeRole is optional. In a dry run no stop is made, so there
is nothing to wait for, and the forced stop plans nothing for the instances the plain stop would
have stopped.
"""

from __future__ import annotations

import time
from typing import Any

from roost.remediation.document import (
    DOCUMENTS,
    Automation,
    AutomationDocument,
    DocumentFailure,
    DocumentParameter,
    StepFailed,
    assume_role_parameter,
)

WAIT_SECONDS = 3600.0
"""How long a step waits for the instances to reach `stopped` (changeInstanceState's default)."""
POLL_SECONDS = 5.0


@DOCUMENTS.register("AWS-StopEC2Instance")
class StopEC2Instance(AutomationDocument):
    name = "AWS-StopEC2Instance"
    description = "Stop EC2 instances(s)"
    resource_types = ("AWS::EC2::Instance",)
    parameters = (
        DocumentParameter("InstanceId", "StringList", "(Required) EC2 Instance(s) to stop"),
        assume_role_parameter(),
    )

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        instances: list[str] = params["InstanceId"]
        planned: set[str] = set()  # in a dry run: stopped once the planned stops are made
        failed: StepFailed | None = None
        try:
            with automation.step("stopInstances"):
                _change_to_stopped(automation, instances, planned, force=False)
        except StepFailed as failure:  # onFailure: Continue
            failed = failure
        with automation.step("forceStopInstances"):
            _change_to_stopped(automation, instances, planned, force=True)
        if failed is not None:  # isCritical (the default): the execution fails all the same
            raise failed


def _change_to_stopped(
    automation: Automation, instances: list[str], planned: set[str], *, force: bool
) -> None:
    """aws:changeInstanceState with DesiredState stopped: stop what is not stopped, and wait."""
    running = [i for i in _not_stopped(automation, instances) if i not in planned]
    if not running:
        return
    stop: dict[str, Any] = {"InstanceIds": running, **({"Force": True} if force else {})}
    automation.write("ec2", "stop_instances", **stop)
    if automation.dry_run:
        planned.update(running)
        return
    deadline = time.monotonic() + WAIT_SECONDS
    while left := _not_stopped(automation, instances):
        if time.monotonic() >= deadline:
            raise DocumentFailure(f"Timed out waiting for {', '.join(left)} to be stopped.")
        time.sleep(POLL_SECONDS)


def _not_stopped(automation: Automation, instances: list[str]) -> list[str]:
    found = automation.read("ec2", "describe_instances", InstanceIds=instances)
    return [
        instance["InstanceId"]
        for reservation in found.get("Reservations") or []
        for instance in reservation.get("Instances") or []
        if instance.get("State", {}).get("Name") != "stopped"
    ]
