"""`roost up` end to end: the sandbox with the lab's resources, recorded and delivered, as a user runs it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa

from roost.store import Store


@pytest.mark.slow
def test_roost_up_records_the_lab_sandbox(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'roost.db'}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "ROOST_CONFIG": str(tmp_path / "absent.toml")}
    env.pop("ROOST_DB", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "roost.cli", "--db", db, "up", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, f"roost up exited early:\n{''.join(lines)}"
            lines.append(line)
            if line.startswith("stop with Ctrl-C"):
                break
        output = "".join(lines)
        assert "roost is up" in output
        endpoint = re.search(r"sandbox cloud\s+(http://127\.0\.0\.1:\d+)", output)
        assert endpoint, output
        assert "keys test/test" in output
        api_url = re.search(r"AWS Config API\s+(http://127\.0\.0\.1:\d+)", output)
        assert api_url, output

        store = Store.open(db)
        wanted = {"AWS::EC2::SecurityGroup", "AWS::IAM::User", "AWS::RDS::DBInstance", "AWS::S3::Bucket"}
        from roost.model import AccountRegion

        source = AccountRegion("123456789012", "us-east-1")
        while time.monotonic() < deadline and not wanted <= set(store.items.resource_counts(source)):
            time.sleep(0.5)
        counts = store.items.resource_counts(source)
        assert wanted <= set(counts), counts
        users = {r.resource_name for r in store.items.discovered(source, "AWS::IAM::User")}
        assert {"alice", "bob", "carol"} <= users
        groups = {r.resource_name for r in store.items.discovered(source, "AWS::EC2::SecurityGroup")}
        assert "unrestricted-ssh" in groups
        assert counts["AWS::RDS::DBInstance"] == 2

        s3 = boto3.client(
            "s3", endpoint_url=endpoint.group(1), region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )  # fmt: skip
        keys: list[str] = []
        while time.monotonic() < deadline and not any("ConfigSnapshot" in k for k in keys):
            listing = s3.list_objects_v2(Bucket="config-bucket-123456789012")
            keys = [o["Key"] for o in listing.get("Contents", [])]
            time.sleep(0.5)
        assert any(k.endswith("ConfigWritabilityCheckFile") for k in keys), keys
        assert any("/ConfigSnapshot/" in k for k in keys), keys
        config = boto3.client(
            "config", endpoint_url=api_url.group(1), region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )  # fmt: skip
        (status,) = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
        assert status["recording"] is True
        (channel,) = config.describe_delivery_channels()["DeliveryChannels"]
        assert channel["s3BucketName"] == "config-bucket-123456789012"
        finished = 0
        while time.monotonic() < deadline and not finished:
            with store.engine.connect() as conn:
                query = "SELECT count(*) FROM recording_passes WHERE finished_time IS NOT NULL"
                finished = int(conn.execute(sa.text(query)).scalar_one())
            time.sleep(0.5)
        assert finished, "no recording pass finished"
        store.close()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, "".join(lines) + (process.stdout.read() if process.stdout else "")
