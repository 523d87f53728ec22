"""SIGKILL a roost in the middle of a batch of remediations, then resume over the same database:
no execution is lost, none is run twice; each ends SUCCEEDED, or FAILED as stopped by the kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roost.clock import SystemClock
from roost.cloud import CloudConnector
from roost.cloud.sandbox import Sandbox
from roost.remediation.engine import RemediationEngine
from roost.remediation.model import ExecutionState, ParameterValue, RemediationConfiguration
from roost.settings import Settings
from roost.store import Store
from tests.conftest import SOURCE

SG = "AWS::EC2::SecurityGroup"
RULE = "restricted-ssh"
GROUPS = 40
STOPPED = "roost stopped while this execution ran"

# A roost (the service, as `roost up` builds it) that starts remediating every group, then idles.
ROOST = textwrap.dedent(
    """
    import sys, time
    from roost.model import ResourceKey
    from roost.service import Roost
    from roost.settings import Settings
    from roost.store import Store
    from tests.conftest import SOURCE

    endpoint, db, *groups = sys.argv[1:]
    settings = Settings().with_sandbox_account(endpoint, (SOURCE.region,))
    roost = Roost(settings, store=Store.open(db))
    queued, refused = roost.remediation.start(
        SOURCE, "restricted-ssh", [ResourceKey("AWS::EC2::SecurityGroup", g) for g in groups]
    )
    assert len(queued) == len(groups) and not refused, refused
    print("started", flush=True)
    time.sleep(600)
    """
)


@pytest.mark.slow
def test_a_killed_roost_loses_no_remediation_and_resume_finishes_them(
    tmp_path: Path, cloud: Sandbox, aws: Callable[..., Any], settings: Settings
) -> None:
    ec2 = aws("ec2")
    groups = []
    for n in range(GROUPS):
        group = ec2.create_security_group(GroupName=f"open{n}", Description="open")["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ],
        )
        groups.append(group)
    db = f"sqlite:///{tmp_path / 'roost.db'}"
    store = Store.open(db)
    store.remediation.put_configuration(
        RemediationConfiguration(
            SOURCE.account_id,
            SOURCE.region,
            RULE,
            "AWS-DisablePublicAccessForSecurityGroup",
            f"arn:aws:config:{SOURCE.region}:{SOURCE.account_id}:remediation-configuration/{RULE}/{uuid.uuid4()}",
            parameters={"GroupId": ParameterValue(resource_value="RESOURCE_ID")},
            resource_type=SG,
        )
    )

    process = subprocess.Popen(
        [sys.executable, "-c", ROOST, cloud.endpoint_url, db, *groups],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )

    def states() -> dict[str, ExecutionState]:
        return {e.execution_id: e.state for e in store.remediation.executions(SOURCE, RULE)}

    try:
        deadline = time.monotonic() + 60
        while ExecutionState.SUCCEEDED not in states().values():
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "the killed roost remediated nothing in time"
            time.sleep(0.01)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

    at_kill = states()
    assert len(at_kill) == GROUPS
    unfinished = [i for i, s in at_kill.items() if not s.finished]
    assert unfinished, "every remediation was over before the kill"
    in_progress = {i for i, s in at_kill.items() if s is ExecutionState.IN_PROGRESS}

    engine = RemediationEngine(store, CloudConnector(settings.accounts), SystemClock(), workers=4)
    try:
        resumed, failed = engine.resume()
        assert (resumed, failed) == (len(unfinished) - len(in_progress), len(in_progress))
        deadline = time.monotonic() + 60
        while store.remediation.unfinished_executions() or not engine.idle():
            assert time.monotonic() < deadline, "the resumed remediations did not finish"
            time.sleep(0.02)
    finally:
        engine.close()

    after = {e.execution_id: e for e in store.remediation.executions(SOURCE, RULE)}
    assert set(after) == set(at_kill), "an execution was lost or added"
    by_group: dict[str, int] = {}
    for execution in after.values():
        by_group[execution.resource_id] = by_group.get(execution.resource_id, 0) + 1
        if execution.execution_id in in_progress:
            assert execution.state is ExecutionState.FAILED
            assert (execution.error_message or "").startswith(STOPPED)
        else:
            assert execution.state is ExecutionState.SUCCEEDED, execution.error_message
            (found,) = ec2.describe_security_groups(GroupIds=[execution.resource_id])["SecurityGroups"]
            assert not any(p.get("FromPort") == 22 for p in found["IpPermissions"])
    assert by_group == dict.fromkeys(groups, 1)  # one execution per group: none run twice
    store.close()
