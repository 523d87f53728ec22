from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import evaluate_results


def test_trails_without_a_kms_key_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    aws("s3").create_bucket(Bucket="trail-logs")
    key = aws("kms").create_key()["KeyMetadata"]["Arn"]
    cloudtrail = aws("cloudtrail")
    cloudtrail.create_trail(Name="encrypted", S3BucketName="trail-logs", KmsKeyId=key)
    cloudtrail.create_trail(Name="plain", S3BucketName="trail-logs")
    recorder.record_pass(SOURCE, resource_types=["AWS::CloudTrail::Trail"])

    results = evaluate_results(
        recorder, engine, "CLOUD_TRAIL_ENCRYPTION_ENABLED", "cloud-trail-encryption-enabled"
    )

    assert results["encrypted"].compliance_type is ComplianceType.COMPLIANT
    assert results["plain"].compliance_type is ComplianceType.NON_COMPLIANT
