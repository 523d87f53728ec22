"""The sandbox's corrections of moto, each pinned twice: the correction works, and moto still needs it.

When a "moto still has the bug" test fails, moto has fixed the bug: drop the correction from
roost/cloud/sandbox.py and the test with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

DB = "AWS::RDS::DBInstance"

#: Runs in a fresh interpreter, so roost's patch of moto (applied when the sandbox starts) is absent.
RAW_MOTO_RDS = """
import json
import boto3
from moto import mock_aws

with mock_aws():
    rds = boto3.client("rds", region_name="us-east-1")
    for name in ("first", "second"):
        rds.create_db_instance(
            DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
            MasterUsername="admin_user", MasterUserPassword="not-a-real-password", AllocatedStorage=20,
        )
    print(json.dumps(sorted(i["DbiResourceId"] for i in rds.describe_db_instances()["DBInstances"])))
"""


def create_instance(aws: Callable[..., Any], name: str) -> str:
    instance = aws("rds").create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin_user",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
    )["DBInstance"]
    return str(instance["DbiResourceId"])


def test_sandbox_gives_each_rds_instance_its_own_dbi_resource_id(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    first, second = create_instance(aws, "first"), create_instance(aws, "second")
    assert first != second
    assert all(i.startswith("db-") and len(i) == 29 for i in (first, second))

    result = recorder.record_pass(SOURCE, resource_types=[DB])

    assert result.items_written == 2
    recorded = recorder.store.items.current_states(SOURCE, DB)
    assert {r.resource_id: r.resource_name for r in recorded.values()} == {first: "first", second: "second"}


@pytest.mark.slow  # a fresh interpreter importing moto: a few seconds
def test_raw_moto_5_2_5_still_gives_every_rds_instance_the_same_dbi_resource_id() -> None:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    done = subprocess.run(
        [sys.executable, "-c", RAW_MOTO_RDS], capture_output=True, text=True, env=env, timeout=120, check=True
    )
    first, second = json.loads(done.stdout.strip().splitlines()[-1])

    assert first == second, (
        "moto now gives each DB instance its own DbiResourceId: drop the sandbox's correction"
    )
