"""`roost sandbox`: the sandbox cloud on its own, reachable with boto3 as account 123456789012."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import boto3


def test_roost_sandbox_serves_a_seeded_account() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "roost.cli", "sandbox", "--port", "0", "--seed", "lab"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"sandbox cloud at (http://127\.0\.0\.1:\d+)\s+account 123456789012", line)
        assert found, line
        client = {
            "endpoint_url": found.group(1),
            "region_name": "ap-northeast-2",
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
        assert boto3.client("sts", **client).get_caller_identity()["Account"] == "123456789012"
        groups = boto3.client("ec2", **client).describe_security_groups()["SecurityGroups"]
        ssh = [g for g in groups if g["GroupName"] == "unrestricted-ssh"]
        assert ssh and ssh[0]["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
        cas = {
            d["CACertificateIdentifier"]
            for d in boto3.client("rds", **client).describe_db_instances()["DBInstances"]
        }
        assert cas == {"rds-ca-2019", "rds-ca-2015"}
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
