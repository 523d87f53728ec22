"""AWSConfigRemediation-DeleteUnusedSecurityGroup, against the sandbox: an unused group goes; a
default group ends the execution unchanged; a group in use fails as EC2 fails it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from roost.remediation.document import ParameterError, load_documents
from tests.remediation.conftest import DocumentRun

NAME = "AWSConfigRemediation-DeleteUnusedSecurityGroup"
ROLE = "arn:aws:iam::123456789012:role/remediation"
STEPS = [
    "DescribeSecurityGroups",
    "CheckNonDefaultSecurityGroup",
    "DeleteSecurityGroup",
    "VerifySecurityGroupDeleted",
]


def _exists(ec2: Any, group: str) -> bool:
    return bool(
        ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroups"]
    )


def _vpc_and_group(ec2: Any, name: str = "unused") -> tuple[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName=name, Description="lab", VpcId=vpc)["GroupId"]
    return vpc, group


def _run(run_document: Callable[..., DocumentRun], group: str, *, dry_run: bool = False) -> DocumentRun:
    return run_document(NAME, {"GroupId": [group], "AutomationAssumeRole": [ROLE]}, dry_run=dry_run)


def test_it_deletes_an_unused_group_and_verifies_it_is_gone(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    _, group = _vpc_and_group(ec2)
    # a rule naming the group itself is no dependency
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group}]}]
    )

    run = _run(run_document, group)

    assert run.failure is None
    assert run.step_names == STEPS
    assert run.writes == [("ec2", "delete_security_group", {"GroupId": group})]
    assert not _exists(ec2, group)


def test_a_default_group_ends_the_execution_unchanged(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    vpc, _ = _vpc_and_group(ec2)
    (default,) = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]

    run = _run(run_document, default["GroupId"])

    # AWS's aws:branch has no choice for `default` and isEnd: the execution ends, successfully
    assert run.failure is None
    assert run.step_names == ["DescribeSecurityGroups", "CheckNonDefaultSecurityGroup"]
    assert run.writes == []
    assert _exists(ec2, default["GroupId"])


def test_a_group_used_by_a_network_interface_fails_with_dependency_violation(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    vpc, group = _vpc_and_group(ec2)
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.6.1.0/24")["Subnet"]["SubnetId"]
    interface = ec2.create_network_interface(SubnetId=subnet, Groups=[group])["NetworkInterface"]

    run = _run(run_document, group)

    assert run.failure is not None and run.failure.step == "DeleteSecurityGroup"
    assert "DependencyViolation" in run.failure.reason
    assert interface["NetworkInterfaceId"] in run.failure.reason
    assert run.writes == []
    assert _exists(ec2, group)


def test_a_group_referenced_by_another_groups_rule_fails_with_dependency_violation(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    vpc, group = _vpc_and_group(ec2)
    other = ec2.create_security_group(GroupName="app", Description="lab", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=other,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": group}]}
        ],
    )

    run = _run(run_document, group)

    assert run.failure is not None and run.failure.step == "DeleteSecurityGroup"
    assert "DependencyViolation" in run.failure.reason and other in run.failure.reason
    assert _exists(ec2, group)


def test_a_group_that_does_not_exist_fails_the_first_step(run_document: Callable[..., DocumentRun]) -> None:
    run = _run(run_document, "sg-0123456789abcdef0")

    assert run.failure is not None and run.failure.step == "DescribeSecurityGroups"
    assert "InvalidGroup.NotFound" in run.failure.reason


def test_a_dry_run_changes_nothing_and_lists_the_deletion(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    _, group = _vpc_and_group(ec2)

    run = _run(run_document, group, dry_run=True)

    assert run.failure is None
    assert run.writes == [("ec2", "delete_security_group", {"GroupId": group})]
    assert _exists(ec2, group)


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert [p.name for p in document.parameters] == ["GroupId", "AutomationAssumeRole"]
    assert document.resource_types == ("AWS::EC2::SecurityGroup",)
    with pytest.raises(ParameterError):
        document.resolve({"GroupId": ["sg-12ab"]})  # AutomationAssumeRole is required
    with pytest.raises(ParameterError):
        document.resolve({"GroupId": ["default"], "AutomationAssumeRole": [ROLE]})
    assert document.resolve({"GroupId": ["sg-12ab"], "AutomationAssumeRole": [ROLE]}) == {
        "GroupId": "sg-12ab",
        "AutomationAssumeRole": ROLE,
    }
