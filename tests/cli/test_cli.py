"""The `roost` command, run in-process through click against the sandbox and a real SQLite file."""

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


def test_record_once_then_read_resources_history_and_diff(
    roost: Callable[..., Result], cloud: Sandbox, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    aws("s3").create_bucket(Bucket="delivery")
    group = ec2.create_security_group(GroupName="unrestricted-ssh", Description="lab")["GroupId"]
    rule = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[rule])
    endpoint = cloud.endpoint_url

    _ok(roost("recorder", "put"))
    # Creating the delivery channel writes to the bucket: roost.toml tells roost where the account is.
    config = Path("roost.toml")
    config.write_text(
        f'[[accounts]]\naccount_id = "123456789012"\nregions = ["us-east-1"]\n'
        f'access_key_id = "test"\nsecret_access_key = "test"\nendpoint_url = "{endpoint}"\n'
    )
    _ok(roost("delivery-channel", "put", "--bucket", "delivery"))
    _ok(roost("recorder", "start"))
    out = _ok(roost("--output", "json", "record", "--once", "--type", "AWS::EC2::SecurityGroup"))
    summary = json.loads(out)
    assert summary[0]["resource type"] == "AWS::EC2::SecurityGroup" and summary[0]["items written"] == 2

    listed = json.loads(_ok(roost("-o", "json", "resources", "list", "--type", "AWS::EC2::SecurityGroup")))
    assert group in {r["resource id"] for r in listed}
    shown = json.loads(_ok(roost("-o", "json", "resources", "show", "AWS::EC2::SecurityGroup", group)))
    assert shown["configuration"]["ipPermissions"][0]["ipRanges"] == ["0.0.0.0/0"]
    assert (
        shown["awsAccountId"] == "123456789012" and shown["configurationItemStatus"] == "ResourceDiscovered"
    )

    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[rule])
    _ok(roost("record", "--once", "--type", "AWS::EC2::SecurityGroup"))
    history = json.loads(_ok(roost("-o", "json", "resources", "history", "AWS::EC2::SecurityGroup", group)))
    assert [h["configurationItemStatus"] for h in history] == ["OK", "ResourceDiscovered"]
    diff = json.loads(_ok(roost("-o", "json", "resources", "diff", "AWS::EC2::SecurityGroup", group)))
    assert diff["changeType"] == "UPDATE"
    assert diff["changedProperties"]["Configuration.IpPermissions.0"]["changeType"] == "DELETE"
    older, newer = history[1]["configurationStateId"], history[0]["configurationStateId"]
    explicit = json.loads(
        _ok(
            roost(
                "-o",
                "json",
                "resources",
                "diff",
                "AWS::EC2::SecurityGroup",
                group,
                "--from",
                str(older),
                "--to",
                str(newer),
            )
        )
    )
    assert explicit["changedProperties"] == diff["changedProperties"]
    table = _ok(roost("resources", "history", "AWS::EC2::SecurityGroup", group))
    assert "ResourceDiscovered" in table and "Configuration.IpPermissions.0" in table

    status = json.loads(_ok(roost("-o", "json", "status")))
    (recorder,) = status["recorders"]
    assert recorder["recording"] is True and recorder["last status"] == "Success"
    assert status["deliveryChannels"][0]["bucket"] == "delivery"


def test_errors_are_one_clear_line(roost: Callable[..., Result]) -> None:
    missing = roost("resources", "show", "AWS::EC2::SecurityGroup", "sg-nope")
    assert missing.exit_code == 1
    assert (
        missing.output.strip()
        == "roost: no AWS::EC2::SecurityGroup sg-nope recorded in 123456789012/us-east-1"
    )

    no_channel = roost("recorder", "start")
    assert no_channel.exit_code == 1 and "Cannot find configuration recorder" in no_channel.output
    _ok(roost("recorder", "put"))
    no_channel = roost("recorder", "start")
    assert no_channel.exit_code == 1
    assert "Delivery channel is not available" in no_channel.output
    assert "Traceback" not in no_channel.output

    second = roost("recorder", "put", "--name", "other")
    assert second.exit_code == 1 and "maximum number of configuration recorders" in second.output
    nothing = roost("record", "--once")
    assert nothing.exit_code == 1 and "no account configured" in nothing.output


def test_a_bad_settings_file_is_one_clear_line(roost: Callable[..., Result]) -> None:
    Path("roost.toml").write_text('[[accounts]]\naccount_id = "12"\n')
    result = roost("status")
    assert result.exit_code == 1
    assert result.output.strip() == "roost: accounts[0].account_id must be 12 digits, got '12'"


def test_recorder_put_validates_the_recording_group(roost: Callable[..., Result]) -> None:
    result = roost("recorder", "put", "--resource-type", "AWS::EC2::Nonsense")
    assert result.exit_code == 1 and "Unknown resource types: AWS::EC2::Nonsense" in result.output
    _ok(roost("recorder", "put", "--exclude", "AWS::EC2::Volume", "--daily-type", "AWS::EC2::Instance"))
    listed = json.loads(_ok(roost("-o", "json", "recorder", "list")))
    assert listed[0]["strategy"] == "EXCLUSION_BY_RESOURCE_TYPES" and listed[0]["types"] == [
        "AWS::EC2::Volume"
    ]


def test_an_unreachable_account_is_one_line_per_source(roost: Callable[..., Result]) -> None:
    Path("roost.toml").write_text(
        '[[accounts]]\naccount_id = "123456789012"\nregions = ["us-east-1"]\n'
        'access_key_id = "test"\nsecret_access_key = "test"\nendpoint_url = "http://127.0.0.1:9"\n'
    )
    _ok(roost("recorder", "put"))
    result = roost("record", "--once")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("roost:")]
    assert len(errors) == 1
    assert errors[0].startswith("roost: 123456789012/us-east-1: EndpointConnectionError:")
    assert "Traceback" not in result.output
    status = json.loads(_ok(roost("-o", "json", "status")))
    assert status["recorders"][0]["last status"] == "Failure"
    assert status["recorders"][0]["last error"].startswith("EndpointConnectionError")
