"""AWS-EnableS3BucketEncryption, against the sandbox: the bucket's default encryption is set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from roost.remediation.document import ParameterError, load_documents
from tests.remediation.conftest import DocumentRun

NAME = "AWS-EnableS3BucketEncryption"


def _default_encryption(s3: Any, bucket: str) -> dict[str, Any] | None:
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except s3.exceptions.ClientError as exc:
        assert exc.response["Error"]["Code"] == "ServerSideEncryptionConfigurationNotFoundError"
        return None
    found: dict[str, Any] = rules[0]["ApplyServerSideEncryptionByDefault"]
    return found


def test_it_sets_sse_s3_by_default(aws: Callable[..., Any], run_document: Callable[..., DocumentRun]) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="plain-bucket")
    assert _default_encryption(s3, "plain-bucket") is None

    run = run_document(NAME, {"BucketName": ["plain-bucket"]})

    assert run.failure is None
    assert run.step_names == ["PutBucketEncryption"]
    assert _default_encryption(s3, "plain-bucket") == {"SSEAlgorithm": "AES256"}


def test_aws_kms_with_a_key_makes_that_key_the_default(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="kms-bucket")
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    run = run_document(
        NAME, {"BucketName": ["kms-bucket"], "SSEAlgorithm": ["aws:kms"], "KMSMasterKey": [key]}
    )

    assert run.failure is None
    assert _default_encryption(s3, "kms-bucket") == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}


def test_a_key_is_ignored_with_aes256(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    aws("s3").create_bucket(Bucket="aes-bucket")

    run = run_document(NAME, {"BucketName": ["aes-bucket"], "KMSMasterKey": ["alias/mine"]}, dry_run=True)

    assert run.writes == [
        (
            "s3",
            "put_bucket_encryption",
            {
                "Bucket": "aes-bucket",
                "ServerSideEncryptionConfiguration": {
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            },
        )
    ]


def test_a_dry_run_changes_nothing_and_shows_the_call(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="plain-bucket")

    run = run_document(NAME, {"BucketName": ["plain-bucket"]}, dry_run=True)

    assert run.failure is None
    assert [(service, operation) for service, operation, _ in run.writes] == [("s3", "put_bucket_encryption")]
    assert all(not call.made for call in run.calls if call.writes)
    assert _default_encryption(s3, "plain-bucket") is None


def test_a_missing_bucket_fails_the_step_with_s3s_error(run_document: Callable[..., DocumentRun]) -> None:
    run = run_document(NAME, {"BucketName": ["no-such-bucket"]})

    assert run.failure is not None and run.failure.step == "PutBucketEncryption"
    assert "NoSuchBucket" in run.failure.reason


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert document.resource_types == ("AWS::S3::Bucket",)
    assert [p.name for p in document.parameters] == [
        "BucketName",
        "SSEAlgorithm",
        "KMSMasterKey",
        "AutomationAssumeRole",
    ]
    with pytest.raises(ParameterError):
        document.resolve({})  # BucketName is required
    with pytest.raises(ParameterError):
        document.resolve({"BucketName": ["b"], "SSEAlgorithm": ["aws:kms:dsse"]})
    with pytest.raises(ParameterError):
        document.resolve({"BucketName": ["b"], "AutomationAssumeRole": ["not-a-role"]})
    assert document.resolve({"BucketName": ["b"]}) == {
        "BucketName": "b",
        "SSEAlgorithm": "AES256",
        "KMSMasterKey": "",
        "AutomationAssumeRole": "",
    }
