"""AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules, against the sandbox: a default group is
closed, every rule of it; any other group fails the check and is left alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from roost.remediation.document import ParameterError, load_documents
from tests.remediation.conftest import DocumentRun

NAME = "AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules"
ROLE = "arn:aws:iam::123456789012:role/remediation"


def _default_group(ec2: Any) -> str:
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    (group,) = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    group_id: str = group["GroupId"]
    return group_id


def _open(ec2: Any, group: str) -> None:
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group}]},  # AWS's default ingress rule
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
        ],
    )


def _rules(ec2: Any, group: str) -> tuple[list[Any], list[Any]]:
    (found,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    return found["IpPermissions"], found["IpPermissionsEgress"]


def test_it_removes_every_inbound_and_outbound_rule_of_a_default_group(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    group = _default_group(ec2)
    _open(ec2, group)
    assert all(_rules(ec2, group))

    run = run_document(NAME, {"GroupId": [group], "AutomationAssumeRole": [ROLE]})

    assert run.failure is None
    assert run.step_names == ["CheckDefaultSecurityGroup", "RemoveRulesAndVerify"]
    assert [operation for _, operation, _ in run.writes] == [
        "revoke_security_group_ingress",
        "revoke_security_group_egress",
    ]
    assert _rules(ec2, group) == ([], [])


def test_a_group_that_is_not_a_default_group_fails_the_check_and_keeps_its_rules(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="lab", VpcId=vpc)["GroupId"]
    _open(ec2, group)
    before = _rules(ec2, group)

    run = run_document(NAME, {"GroupId": [group], "AutomationAssumeRole": [ROLE]})

    assert run.failure is not None and run.failure.step == "CheckDefaultSecurityGroup"
    assert "'web'" in run.failure.reason
    assert run.step_names == ["CheckDefaultSecurityGroup"]
    assert run.writes == []
    assert _rules(ec2, group) == before


def test_a_group_that_does_not_exist_fails_the_check(run_document: Callable[..., DocumentRun]) -> None:
    run = run_document(NAME, {"GroupId": ["sg-0123456789abcdef0"], "AutomationAssumeRole": [ROLE]})

    assert run.failure is not None and run.failure.step == "CheckDefaultSecurityGroup"
    assert "InvalidGroup.NotFound" in run.failure.reason


def test_a_closed_default_group_needs_no_revocation(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    group = _default_group(ec2)
    ec2.revoke_security_group_egress(GroupId=group, IpPermissions=_rules(ec2, group)[1])

    run = run_document(NAME, {"GroupId": [group], "AutomationAssumeRole": [ROLE]})

    assert run.failure is None and run.writes == []


def test_a_dry_run_changes_nothing_and_lists_both_revocations(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    group = _default_group(ec2)
    _open(ec2, group)
    ingress, egress = _rules(ec2, group)

    run = run_document(NAME, {"GroupId": [group], "AutomationAssumeRole": [ROLE]}, dry_run=True)

    assert run.failure is None
    assert run.writes == [
        ("ec2", "revoke_security_group_ingress", {"GroupId": group, "IpPermissions": ingress}),
        ("ec2", "revoke_security_group_egress", {"GroupId": group, "IpPermissions": egress}),
    ]
    assert _rules(ec2, group) == (ingress, egress)


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert [p.name for p in document.parameters] == ["GroupId", "AutomationAssumeRole"]
    assert document.resource_types == ("AWS::EC2::SecurityGroup",)
    with pytest.raises(ParameterError):
        document.resolve({"GroupId": ["sg-12ab"]})  # AutomationAssumeRole is required
    with pytest.raises(ParameterError):
        document.resolve({"AutomationAssumeRole": [ROLE]})  # and so is GroupId
    with pytest.raises(ParameterError):
        document.resolve({"GroupId": ["web"], "AutomationAssumeRole": [ROLE]})
    with pytest.raises(ParameterError):
        document.resolve({"GroupId": ["sg-12ab"], "AutomationAssumeRole": ["not-a-role"]})
    assert document.resolve({"GroupId": ["sg-12ab"], "AutomationAssumeRole": [ROLE]}) == {
        "GroupId": "sg-12ab",
        "AutomationAssumeRole": ROLE,
    }
