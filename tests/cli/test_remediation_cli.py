"""`roost remediation` and `roost remediate` as a user runs them: lab part 3 from the terminal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from roost.cloud.sandbox import Sandbox

DOCUMENT = "AWS-DisablePublicAccessForSecurityGroup"
SG = "AWS::EC2::SecurityGroup"
OPEN_SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def _fails(result: Result, *expected: str) -> str:
    """One `roost: ...` line on stderr, exit status 1, no traceback."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("roost: "), result.stderr
    assert "Traceback" not in result.output
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def _ssh_open(ec2: Any, group: str) -> bool:
    found = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    return any(
        p.get("IpProtocol") == "tcp"
        and p.get("FromPort") == 22
        and any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges") or [])
        for p in found.get("IpPermissions") or []
    )


@pytest.fixture
def open_group(roost: Callable[..., Result], cloud: Sandbox, aws: Callable[..., Any]) -> str:
    """Recording set up over the sandbox with one group open to SSH from anywhere, and restricted-ssh."""
    ec2 = aws("ec2")
    aws("s3").create_bucket(Bucket="delivery")
    group: str = ec2.create_security_group(GroupName="unrestricted-ssh", Description="lab")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[OPEN_SSH])
    Path("roost.toml").write_text(
        f'[[accounts]]\naccount_id = "123456789012"\nregions = ["us-east-1"]\n'
        f'access_key_id = "test"\nsecret_access_key = "test"\nendpoint_url = "{cloud.endpoint_url}"\n'
    )
    _ok(roost("recorder", "put"))
    _ok(roost("delivery-channel", "put", "--bucket", "delivery"))
    _ok(roost("recorder", "start"))
    _ok(roost("record", "--once", "--type", SG))
    assert "NON_COMPLIANT" in _ok(roost("rules", "put", "INCOMING_SSH_DISABLED"))
    return group


def test_lab_part_3_from_the_cli(
    roost: Callable[..., Result], aws: Callable[..., Any], open_group: str
) -> None:
    ec2, group = aws("ec2"), open_group
    put = _ok(
        roost(
            "remediation",
            "put",
            "restricted-ssh",
            DOCUMENT,
            "--param",
            "GroupId=RESOURCE_ID",
            "--resource-type",
            SG,
        )
    )
    assert f"remediation of restricted-ssh in 123456789012/us-east-1: {DOCUMENT} (manual" in put
    (listed,) = json.loads(_ok(roost("-o", "json", "remediation", "list")))
    assert listed["TargetId"] == DOCUMENT and listed["ResourceType"] == SG and listed["Automatic"] is False
    assert listed["Parameters"] == {"GroupId": {"ResourceValue": {"Value": "RESOURCE_ID"}}}

    # A dry run shows the exact calls and changes nothing.
    dry = _ok(roost("remediate", "restricted-ssh", group, "--dry-run"))
    assert "revoke_security_group_ingress" in dry and "nothing changed" in dry
    (planned,) = json.loads(_ok(roost("-o", "json", "remediate", "restricted-ssh", group, "--dry-run")))
    (write,) = [c for c in planned["calls"] if c["writes"]]
    assert (write["service"], write["operation"], write["made"]) == (
        "ec2",
        "revoke_security_group_ingress",
        False,
    )
    assert write["parameters"]["GroupId"] == group
    assert {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
    } in write["parameters"]["IpPermissions"]
    assert _ssh_open(ec2, group)
    assert json.loads(_ok(roost("-o", "json", "remediation", "executions", "restricted-ssh"))) == []

    # Remediate: the rule is gone from the group, which is recorded again and judged COMPLIANT.
    done = _ok(roost("remediate", "restricted-ssh", group))
    assert f"{SG} {group}: SUCCEEDED; restricted-ssh now COMPLIANT" in done
    assert "DisableFromAllIp" in done
    assert not _ssh_open(ec2, group)
    results = json.loads(_ok(roost("-o", "json", "compliance", "--rule", "restricted-ssh")))
    assert {(r["resource id"], r["compliance"]) for r in results} >= {(group, "COMPLIANT")}
    assert not any(r["compliance"] == "NON_COMPLIANT" for r in results)

    # The audit record: the execution, its steps, every call it made.
    (execution,) = json.loads(
        _ok(
            roost("-o", "json", "remediation", "executions", "restricted-ssh", "--resource", group, "--calls")
        )
    )
    assert (execution["state"], execution["mode"], execution["attempt"]) == ("SUCCEEDED", "manual", 1)
    assert [s["name"] for s in execution["steps"]] == ["CustomIpCheck", "DisableFromAllIp"]
    operations = [(c["operation"], c["made"]) for c in execution["calls"]]
    assert ("revoke_security_group_ingress", True) in operations
    assert ("describe_security_groups", True) in operations
    table = _ok(roost("remediation", "executions", "restricted-ssh", "--calls"))
    assert "revoke_security_group_ingress" in table and "SUCCEEDED" in table and "manual" in table

    # A rule whose remediation ran cannot lose its configuration while one runs; here it is over.
    _ok(roost("remediation", "delete", "restricted-ssh"))
    assert json.loads(_ok(roost("-o", "json", "remediation", "list"))) == []


def test_a_failed_remediation_exits_1_with_its_error(
    roost: Callable[..., Result], aws: Callable[..., Any], open_group: str
) -> None:
    """A group of a non-default VPC without all four rules: EC2 refuses, as AWS's runbook fails."""
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="elsewhere", Description="lab", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[OPEN_SSH])
    _ok(roost("record", "--once", "--type", SG))
    _ok(roost("remediation", "put", "restricted-ssh", DOCUMENT, "--param", "GroupId=RESOURCE_ID"))
    result = roost("remediate", "restricted-ssh", group)
    assert result.exit_code == 1
    assert f"roost: {group}: FAILED: Step DisableFromAllIp failed:" in result.stderr
    (execution,) = json.loads(_ok(roost("-o", "json", "remediation", "executions", "restricted-ssh")))
    assert execution["state"] == "FAILED" and execution["error"].startswith("Step DisableFromAllIp failed")


def test_documents_are_listed_with_their_parameters(roost: Callable[..., Result]) -> None:
    listed = json.loads(_ok(roost("-o", "json", "remediation", "documents")))
    (document,) = [d for d in listed if d["document"] == DOCUMENT]
    assert document["resource types"] == [SG]
    parameters = {p["name"]: p for p in document["parameters"]}
    assert parameters["GroupId"]["required"] is True and parameters["GroupId"]["type"] == "String"
    assert parameters["AutomationAssumeRole"]["required"] is False
    searched = json.loads(
        _ok(roost("-o", "json", "remediation", "documents", "--search", "publicaccessforsecurity"))
    )
    assert [d["document"] for d in searched] == [DOCUMENT]
    table = _ok(roost("remediation", "documents", "--search", "PublicAccessForSecurityGroup"))
    assert DOCUMENT in table and "GroupId (String, required)" in table


def test_errors_are_one_line(roost: Callable[..., Result], open_group: str) -> None:
    group = open_group
    put = ("remediation", "put")
    _fails(
        roost(*put, "no-such-rule", DOCUMENT, "--param", "GroupId=RESOURCE_ID"), "no-such-rule does not exist"
    )
    _fails(roost(*put, "restricted-ssh", "AWS-NoSuchDocument"), "AWS-NoSuchDocument does not exist")
    _fails(
        roost(*put, "restricted-ssh", DOCUMENT, "--param", "GroupId=RESOURCE_ID", "--param", "Port=22"),
        "Port: not a parameter",
    )
    _fails(roost(*put, "restricted-ssh", DOCUMENT), "needs the parameter(s) GroupId")
    _fails(
        roost(*put, "restricted-ssh", DOCUMENT, "--param", "GroupId=RESOURCE_ID", "--automatic"),
        "AutomationAssumeRole",
    )
    _fails(roost(*put, "restricted-ssh", DOCUMENT, "--param", "GroupId"), "--param takes NAME=")
    _fails(roost("remediate", "restricted-ssh", group), "has no remediation configuration")
    _fails(roost("remediate", "no-such-rule", group), "no rule no-such-rule")
    _fails(roost("remediation", "delete", "restricted-ssh"), "NoSuchRemediationConfigurationException")
    _ok(roost(*put, "restricted-ssh", DOCUMENT, "--param", "GroupId=RESOURCE_ID"))
    _fails(roost("remediate", "restricted-ssh", "sg-0123456789abcdef0"), "is not recorded", "--resource-type")
    automatic = _ok(
        roost(
            *put,
            "restricted-ssh",
            DOCUMENT,
            "--param",
            "GroupId=RESOURCE_ID",
            "--param",
            "AutomationAssumeRole=arn:aws:iam::123456789012:role/remediation",
            "--automatic",
            "--attempts",
            "3",
            "--retry-seconds",
            "30",
        )
    )
    assert "automatic" in automatic
    (listed,) = json.loads(_ok(roost("-o", "json", "remediation", "list")))
    assert (listed["Automatic"], listed["MaximumAutomaticAttempts"], listed["RetryAttemptSeconds"]) == (
        True,
        3,
        30,
    )
