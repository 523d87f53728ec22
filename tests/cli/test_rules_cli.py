"""`roost rules` and `roost compliance` as a user runs them: lab part 3's first half from the terminal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from roost.cloud.sandbox import Sandbox


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_restricted_ssh_from_the_cli(
    roost: Callable[..., Result], cloud: Sandbox, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    aws("s3").create_bucket(Bucket="delivery")
    group = ec2.create_security_group(GroupName="unrestricted-ssh", Description="lab")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    Path("roost.toml").write_text(
        f'[[accounts]]\naccount_id = "123456789012"\nregions = ["us-east-1"]\n'
        f'access_key_id = "test"\nsecret_access_key = "test"\nendpoint_url = "{cloud.endpoint_url}"\n'
    )
    _ok(roost("recorder", "put"))
    _ok(roost("delivery-channel", "put", "--bucket", "delivery"))
    _ok(roost("recorder", "start"))
    _ok(roost("record", "--once", "--type", "AWS::EC2::SecurityGroup"))

    added = _ok(roost("rules", "put", "INCOMING_SSH_DISABLED"))
    assert "rule restricted-ssh added in 123456789012/us-east-1: NON_COMPLIANT" in added
    flagged = json.loads(_ok(roost("-o", "json", "compliance", "--status", "NON_COMPLIANT")))
    assert [(r["rule"], r["resource id"]) for r in flagged] == [("restricted-ssh", group)]
    listed = json.loads(_ok(roost("-o", "json", "rules", "list")))
    assert listed[0]["rule"] == "restricted-ssh" and listed[0]["compliance"] == "NON_COMPLIANT"
    shown = json.loads(_ok(roost("-o", "json", "rules", "show", "restricted-ssh")))
    assert shown["source"] == "AWS INCOMING_SSH_DISABLED"
    assert {r["resource id"] for r in shown["results"]} >= {group}

    unknown = roost("rules", "put", "NOT_AN_AWS_RULE")
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
    catalogue = json.loads(_ok(roost("-o", "json", "rules", "catalog", "--search", "SSH")))
    ssh = next(r for r in catalogue if r["identifier"] == "INCOMING_SSH_DISABLED")
    assert ssh["in roost"] is True and ssh["name"] == "restricted-ssh"
    _ok(roost("rules", "delete", "restricted-ssh"))
    assert json.loads(_ok(roost("-o", "json", "compliance"))) == []
