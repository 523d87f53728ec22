"""AWSConfigRemediation-EnableCloudTrailLogFileValidation, against the sandbox: the trail validates
its log files afterwards, and the runbook checked it did."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from roost.clock import SystemClock
from roost.remediation.document import Automation, ParameterError, StepFailed, load_documents
from tests.remediation.conftest import DocumentRun

NAME = "AWSConfigRemediation-EnableCloudTrailLogFileValidation"
ROLE = "arn:aws:iam::123456789012:role/remediation"


def _trail(aws: Callable[..., Any], name: str = "main-trail") -> str:
    aws("s3").create_bucket(Bucket="trail-logs")
    arn: str = aws("cloudtrail").create_trail(Name=name, S3BucketName="trail-logs")["TrailARN"]
    return arn


def _validating(aws: Callable[..., Any], name: str) -> bool:
    return bool(aws("cloudtrail").get_trail(Name=name)["Trail"]["LogFileValidationEnabled"])


def test_it_enables_log_file_validation_and_verifies(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    _trail(aws)
    assert not _validating(aws, "main-trail")

    run = run_document(NAME, {"TrailName": ["main-trail"], "AutomationAssumeRole": [ROLE]})

    assert run.failure is None
    assert run.step_names == ["UpdateTrail", "VerifyTrail"]
    assert [(c.operation, c.writes) for c in run.calls] == [("update_trail", True), ("get_trail", False)]
    assert _validating(aws, "main-trail")


def test_the_trail_may_be_named_by_its_arn(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    arn = _trail(aws)

    run = run_document(NAME, {"TrailName": [arn], "AutomationAssumeRole": [ROLE]})

    assert run.failure is None
    assert _validating(aws, "main-trail")


def test_the_verification_fails_when_the_trail_does_not_validate() -> None:
    """CloudTrail answering that validation is still off (a stand-in client) fails VerifyTrail."""

    class Unchanged:
        def update_trail(self, **params: Any) -> dict[str, Any]:
            return {}

        def get_trail(self, **params: Any) -> dict[str, Any]:
            return {"Trail": {"Name": params["Name"], "LogFileValidationEnabled": False}}

    automation = Automation(lambda service: Unchanged(), SystemClock())
    document = load_documents().get(NAME)
    with pytest.raises(StepFailed) as failed:
        document().run(
            automation, document.resolve({"TrailName": ["main-trail"], "AutomationAssumeRole": [ROLE]})
        )
    assert failed.value.step == "VerifyTrail"
    assert "LogFileValidationEnabled" in failed.value.reason


def test_a_dry_run_changes_nothing_and_shows_the_call(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    _trail(aws)

    run = run_document(NAME, {"TrailName": ["main-trail"], "AutomationAssumeRole": [ROLE]}, dry_run=True)

    assert run.failure is None
    assert run.writes == [
        ("cloudtrail", "update_trail", {"Name": "main-trail", "EnableLogFileValidation": True})
    ]
    assert not _validating(aws, "main-trail")


def test_a_missing_trail_fails_the_update_with_cloudtrails_error(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    run = run_document(NAME, {"TrailName": ["no-such-trail"], "AutomationAssumeRole": [ROLE]})

    assert run.failure is not None and run.failure.step == "UpdateTrail"
    assert "TrailNotFoundException" in run.failure.reason


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert document.resource_types == ("AWS::CloudTrail::Trail",)
    assert [p.name for p in document.parameters] == ["TrailName", "AutomationAssumeRole"]
    with pytest.raises(ParameterError):
        document.resolve({"TrailName": ["main-trail"]})  # AutomationAssumeRole is required here
    with pytest.raises(ParameterError):
        document.resolve({"AutomationAssumeRole": [ROLE]})  # TrailName is required
    with pytest.raises(ParameterError):
        document.resolve({"TrailName": ["-bad name-"], "AutomationAssumeRole": [ROLE]})
    with pytest.raises(ParameterError):
        document.resolve({"TrailName": ["main-trail"], "AutomationAssumeRole": ["arn:aws:iam::1:user/x"]})
    arn = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/other-trail"
    assert document.resolve({"TrailName": [arn], "AutomationAssumeRole": [ROLE]}) == {
        "TrailName": arn,
        "AutomationAssumeRole": ROLE,
    }
