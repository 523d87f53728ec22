"""AWS-DisablePublicAccessForSecurityGroup, against the sandbox: exactly AWS's four rules go."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from roost.remediation.document import ParameterError, load_documents
from tests.remediation.conftest import DocumentRun

NAME = "AWS-DisablePublicAccessForSecurityGroup"


def _rule(port: int, cidr: str, to_port: int | None = None) -> dict[str, Any]:
    ranges = {"Ipv6Ranges": [{"CidrIpv6": cidr}]} if ":" in cidr else {"IpRanges": [{"CidrIp": cidr}]}
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": to_port or port, **ranges}


def _ingress(ec2: Any, group: str) -> set[tuple[str, int, int, str]]:
    (found,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    rules = set()
    for p in found["IpPermissions"]:
        for r in p.get("IpRanges") or []:
            rules.add((p["IpProtocol"], p.get("FromPort", -1), p.get("ToPort", -1), r["CidrIp"]))
        for r in p.get("Ipv6Ranges") or []:
            rules.add((p["IpProtocol"], p.get("FromPort", -1), p.get("ToPort", -1), r["CidrIpv6"]))
    return rules


def test_it_revokes_ssh_and_rdp_from_everywhere_and_nothing_else(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    group = ec2.create_security_group(GroupName="open", Description="lab")["GroupId"]  # default VPC
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            _rule(22, "0.0.0.0/0"),
            _rule(3389, "::/0"),
            _rule(0, "0.0.0.0/0", 65535),  # a range containing 22: not AWS's exact pattern, it stays
            _rule(22, "10.0.0.0/8"),  # another CIDR: stays
            _rule(443, "0.0.0.0/0"),
        ],
    )

    run = run_document(NAME, {"GroupId": [group]})

    assert run.failure is None
    assert run.step_names == ["CustomIpCheck", "DisableFromAllIp"]
    assert _ingress(ec2, group) == {
        ("tcp", 0, 65535, "0.0.0.0/0"),
        ("tcp", 22, 22, "10.0.0.0/8"),
        ("tcp", 443, 443, "0.0.0.0/0"),
    }


def test_in_a_non_default_vpc_it_fails_unless_all_four_rules_exist(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="open", Description="lab", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[_rule(22, "0.0.0.0/0")])

    run = run_document(NAME, {"GroupId": [group]})

    assert run.failure is not None and run.failure.step == "DisableFromAllIp"
    assert "InvalidPermission.NotFound" in run.failure.reason
    every = [_rule(22, "0.0.0.0/0"), _rule(22, "::/0"), _rule(3389, "0.0.0.0/0"), _rule(3389, "::/0")]
    complete = ec2.create_security_group(GroupName="all-four", Description="lab", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=complete, IpPermissions=every)
    assert run_document(NAME, {"GroupId": [complete]}).failure is None
    assert _ingress(ec2, complete) == set()


def test_ip_address_to_block_revokes_that_address_only(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    group = ec2.create_security_group(GroupName="open", Description="lab")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[_rule(22, "203.0.113.7/32"), _rule(22, "0.0.0.0/0")]
    )

    run = run_document(NAME, {"GroupId": [group], "IpAddressToBlock": ["203.0.113.7/32"]})

    assert run.failure is None and run.step_names == ["CustomIpCheck", "DisableFromCustomIpV4"]
    assert _ingress(ec2, group) == {("tcp", 22, 22, "0.0.0.0/0")}


def test_a_dry_run_changes_nothing_and_shows_the_call(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    group = ec2.create_security_group(GroupName="open", Description="lab")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[_rule(22, "0.0.0.0/0")])

    run = run_document(NAME, {"GroupId": [group]}, dry_run=True)

    assert run.writes == [
        (
            "ec2",
            "revoke_security_group_ingress",
            {"GroupId": group, "IpPermissions": [_rule(22, "0.0.0.0/0")]},
        )
    ]
    assert _ingress(ec2, group) == {("tcp", 22, 22, "0.0.0.0/0")}


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert [p.name for p in document.parameters] == ["GroupId", "IpAddressToBlock", "AutomationAssumeRole"]
    with pytest.raises(ParameterError):
        document.resolve({})  # GroupId is required
    with pytest.raises(ParameterError):
        document.resolve({"GroupId": ["not-a-group"]})
    with pytest.raises(ParameterError):
        document.resolve({"GroupId": ["sg-12ab"], "IpAddressToBlock": ["nonsense"]})
    assert document.resolve({"GroupId": ["sg-12ab"]}) == {
        "GroupId": "sg-12ab",
        "IpAddressToBlock": "",
        "AutomationAssumeRole": "",
    }
