"""AWSConfigRemediation-EnableEbsEncryptionByDefault, against the sandbox: the setting turns on in the
execution's region, and only there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from roost.remediation.document import ParameterError, load_documents
from tests.remediation.conftest import DocumentRun

NAME = "AWSConfigRemediation-EnableEbsEncryptionByDefault"
ROLE = "arn:aws:iam::123456789012:role/remediation"


def _enabled(ec2: Any) -> bool:
    enabled: bool = ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
    return enabled


def test_it_enables_ebs_encryption_by_default_and_verifies_it(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    assert not _enabled(ec2)

    run = run_document(NAME, {"AutomationAssumeRole": [ROLE]})

    assert run.failure is None
    assert run.step_names == ["ModifyAccount", "VerifyEbsEncryptionByDefault"]
    assert [(c.operation, c.writes) for c in run.calls] == [
        ("enable_ebs_encryption_by_default", True),
        ("get_ebs_encryption_by_default", False),
    ]
    assert _enabled(ec2)


def test_it_acts_in_the_executions_region_only(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    run = run_document(NAME, {"AutomationAssumeRole": [ROLE]}, region="ap-northeast-2")

    assert run.failure is None
    assert _enabled(aws("ec2", region="ap-northeast-2"))
    assert not _enabled(aws("ec2"))


def test_already_enabled_is_enabled_again_harmlessly(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    ec2 = aws("ec2")
    ec2.enable_ebs_encryption_by_default()

    run = run_document(NAME, {"AutomationAssumeRole": [ROLE]})

    assert run.failure is None and len(run.writes) == 1
    assert _enabled(ec2)


def test_a_dry_run_changes_nothing_and_lists_the_call(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    run = run_document(NAME, {"AutomationAssumeRole": [ROLE]}, dry_run=True)

    assert run.failure is None
    assert run.writes == [("ec2", "enable_ebs_encryption_by_default", {})]
    assert not _enabled(aws("ec2"))


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert [p.name for p in document.parameters] == ["AutomationAssumeRole"]
    assert document.resource_types == ("AWS::::Account",)
    with pytest.raises(ParameterError):
        document.resolve({})  # AutomationAssumeRole is required
    with pytest.raises(ParameterError):
        document.resolve({"AutomationAssumeRole": [""]})
    with pytest.raises(ParameterError):
        document.resolve({"AutomationAssumeRole": ["arn:aws:iam::123:role/short-account"]})
    assert document.resolve({"AutomationAssumeRole": [ROLE]}) == {"AutomationAssumeRole": ROLE}
