"""SIGKILL in the middle of a recording pass, then start again: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from roost.cloud.sandbox import Sandbox
from roost.model import ConfigurationRecorder, ItemStatus, RecordingGroup
from roost.store import Store
from tests.conftest import SOURCE

SG = "AWS::EC2::SecurityGroup"
GROUPS = 400


def _roost(config: Path, db: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "roost.cli", "--config", str(config), "--db", db, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_a_killed_pass_loses_nothing_and_resumes(
    tmp_path: Path, cloud: Sandbox, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    for n in range(GROUPS):  # one at a time: moto's EC2 backend is not safe for concurrent creates
        ec2.create_security_group(GroupName=f"g{n}", Description="d")
    config = tmp_path / "roost.toml"
    config.write_text(
        f"""
[recording]
batch_size = 20

[[accounts]]
account_id = "{SOURCE.account_id}"
regions = ["{SOURCE.region}"]
access_key_id = "test"
secret_access_key = "test"
endpoint_url = "{cloud.endpoint_url}"
"""
    )
    db = f"sqlite:///{tmp_path / 'roost.db'}"
    store = Store.open(db)
    store.recorders.put(
        ConfigurationRecorder(
            SOURCE.account_id,
            SOURCE.region,
            role_arn="r",
            recording_group=RecordingGroup(include_global_resource_types=True),
        )
    )

    def committed() -> int:
        with store.engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM configuration_items")).scalar_one())

    process = _roost(config, db, "record", "--once")
    deadline = time.monotonic() + 120
    while committed() == 0:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the recorder wrote nothing in time"
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    before_kill = committed()
    killed_pass = store.recorders.last_pass(SOURCE)
    assert killed_pass is not None and killed_pass.finished_time is None, "the kill came after the pass ended"
    assert 0 < before_kill < GROUPS + 1
    with store.engine.connect() as conn:
        rows_before = {
            tuple(r)
            for r in conn.execute(
                sa.text("SELECT id, resource_id, configuration_state_id FROM configuration_items")
            )
        }

    again = _roost(config, db, "--output", "json", "record", "--once")
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()

    with store.engine.connect() as conn:
        rows_after = {
            tuple(r)
            for r in conn.execute(
                sa.text("SELECT id, resource_id, configuration_state_id FROM configuration_items")
            )
        }
        per_resource = conn.execute(
            sa.text(
                "SELECT resource_id, count(*), min(status) FROM configuration_items "
                "WHERE resource_type = :t GROUP BY resource_id"
            ),
            {"t": SG},
        ).all()
    assert rows_before <= rows_after, "items committed before the kill are gone"
    # Every group recorded exactly once, as discovered: no item half-written, none written twice.
    assert len(per_resource) == GROUPS + 1  # and the default VPC's default group
    assert {count for _, count, _ in per_resource} == {1}
    assert {status for _, _, status in per_resource} == {ItemStatus.RESOURCE_DISCOVERED.value}
    resumed = store.recorders.last_pass(SOURCE)
    assert resumed is not None and resumed.id == killed_pass.id and resumed.finished_time is not None
    store.close()
