"""AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock, against the sandbox: the bucket's Block
Public Access is set as asked, then read back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from roost.clock import SystemClock
from roost.remediation.document import Automation, ParameterError, StepFailed, load_documents
from tests.remediation.conftest import DocumentRun

NAME = "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock"
ROLE = "arn:aws:iam::123456789012:role/remediation"
NONE_BLOCKED = {
    "BlockPublicAcls": False,
    "IgnorePublicAcls": False,
    "BlockPublicPolicy": False,
    "RestrictPublicBuckets": False,
}


def _block(s3: Any, bucket: str) -> dict[str, bool]:
    found: dict[str, bool] = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    return found


def _open_bucket(s3: Any, name: str) -> None:
    s3.create_bucket(Bucket=name)
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=NONE_BLOCKED)


def test_it_blocks_everything_by_default_and_verifies(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    s3 = aws("s3")
    _open_bucket(s3, "open-bucket")

    run = run_document(NAME, {"BucketName": ["open-bucket"], "AutomationAssumeRole": [ROLE]})

    assert run.failure is None
    assert run.step_names == ["PutBucketPublicAccessBlock", "GetBucketPublicAccessBlock"]
    assert [(c.operation, c.writes) for c in run.calls] == [
        ("put_public_access_block", True),
        ("get_public_access_block", False),
    ]
    assert _block(s3, "open-bucket") == {flag: True for flag in NONE_BLOCKED}


def test_a_flag_given_false_is_set_false(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    s3 = aws("s3")
    _open_bucket(s3, "open-bucket")

    run = run_document(
        NAME,
        {"BucketName": ["open-bucket"], "AutomationAssumeRole": [ROLE], "BlockPublicPolicy": ["false"]},
    )

    assert run.failure is None
    assert _block(s3, "open-bucket") == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True,
    }


def test_the_verification_fails_when_the_read_back_differs() -> None:
    """S3 answering with other flags than were put (a stand-in client: moto always applies them) fails
    the second step, as AWS's verification script does."""

    class Unchanged:
        def put_public_access_block(self, **params: Any) -> dict[str, Any]:
            return {}

        def get_public_access_block(self, **params: Any) -> dict[str, Any]:
            return {"PublicAccessBlockConfiguration": NONE_BLOCKED}

    automation = Automation(lambda service: Unchanged(), SystemClock())
    document = load_documents().get(NAME)
    with pytest.raises(StepFailed) as failed:
        document().run(
            automation, document.resolve({"BucketName": ["some-bucket"], "AutomationAssumeRole": [ROLE]})
        )
    assert failed.value.step == "GetBucketPublicAccessBlock"
    assert "VERIFICATION FAILED" in failed.value.reason


def test_a_dry_run_changes_nothing_and_shows_the_call(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    s3 = aws("s3")
    _open_bucket(s3, "open-bucket")

    run = run_document(NAME, {"BucketName": ["open-bucket"], "AutomationAssumeRole": [ROLE]}, dry_run=True)

    assert run.failure is None
    assert run.writes == [
        (
            "s3",
            "put_public_access_block",
            {
                "Bucket": "open-bucket",
                "PublicAccessBlockConfiguration": {
                    "RestrictPublicBuckets": True,
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                },
            },
        )
    ]
    assert _block(s3, "open-bucket") == NONE_BLOCKED


def test_a_missing_bucket_fails_the_first_step_with_s3s_error(
    run_document: Callable[..., DocumentRun],
) -> None:
    run = run_document(NAME, {"BucketName": ["no-such-bucket"], "AutomationAssumeRole": [ROLE]})

    assert run.failure is not None and run.failure.step == "PutBucketPublicAccessBlock"
    assert "NoSuchBucket" in run.failure.reason
    assert run.step_names == ["PutBucketPublicAccessBlock"]


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert document.resource_types == ("AWS::S3::Bucket",)
    assert [p.name for p in document.parameters] == [
        "BucketName",
        "RestrictPublicBuckets",
        "BlockPublicAcls",
        "IgnorePublicAcls",
        "BlockPublicPolicy",
        "AutomationAssumeRole",
    ]
    with pytest.raises(ParameterError):
        document.resolve({"BucketName": ["good-bucket"]})  # AutomationAssumeRole is required here
    with pytest.raises(ParameterError):
        document.resolve({"AutomationAssumeRole": [ROLE]})  # BucketName is required
    with pytest.raises(ParameterError):
        document.resolve({"BucketName": ["Not_A_Bucket"], "AutomationAssumeRole": [ROLE]})
    with pytest.raises(ParameterError):
        document.resolve({"BucketName": ["arn:aws:s3:::good-bucket"], "AutomationAssumeRole": [ROLE]})
    with pytest.raises(ParameterError):
        document.resolve({"BucketName": ["good-bucket"], "AutomationAssumeRole": ["role"]})
    with pytest.raises(ParameterError):
        document.resolve(
            {"BucketName": ["good-bucket"], "AutomationAssumeRole": [ROLE], "BlockPublicAcls": ["yes"]}
        )
    assert document.resolve({"BucketName": ["good-bucket"], "AutomationAssumeRole": [ROLE]}) == {
        "BucketName": "good-bucket",
        "RestrictPublicBuckets": True,
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "AutomationAssumeRole": ROLE,
    }
