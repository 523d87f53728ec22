from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

BUCKET = "AWS::S3::Bucket"


def logged(s3: Any, bucket: str, prefix: str) -> None:
    s3.create_bucket(Bucket=bucket)
    status = {"LoggingEnabled": {"TargetBucket": "access-logs", "TargetPrefix": prefix}}
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus=status)


def test_buckets_without_access_logging_or_with_another_prefix_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="access-logs")
    s3.put_bucket_acl(Bucket="access-logs", ACL="log-delivery-write")
    logged(s3, "logged", "logs/")
    logged(s3, "elsewhere", "other/")

    plain = evaluate(recorder, engine, "S3_BUCKET_LOGGING_ENABLED", "s3-bucket-logging-enabled", [BUCKET])
    strict = evaluate(
        recorder,
        engine,
        "S3_BUCKET_LOGGING_ENABLED",
        "s3-bucket-logging-enabled-strict",
        [BUCKET],
        {"targetBucket": "access-logs", "targetPrefix": "logs/"},
    )

    assert plain == {
        "access-logs": ComplianceType.NON_COMPLIANT,
        "elsewhere": ComplianceType.COMPLIANT,
        "logged": ComplianceType.COMPLIANT,
    }
    assert strict == {
        "access-logs": ComplianceType.NON_COMPLIANT,
        "elsewhere": ComplianceType.NON_COMPLIANT,
        "logged": ComplianceType.COMPLIANT,
    }
