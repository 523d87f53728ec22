from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType, EvaluationResult
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import evaluate_results

NAME = "multi-region-cloudtrail-enabled"


def account_result(results: dict[str, EvaluationResult]) -> EvaluationResult:
    assert list(results) == [SOURCE.account_id]
    result = results[SOURCE.account_id]
    assert result.resource_type == "AWS::::Account"
    return result


def test_only_a_logging_multi_region_trail_makes_the_account_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    aws("s3").create_bucket(Bucket="trail-logs")
    cloudtrail = aws("cloudtrail")
    cloudtrail.create_trail(Name="regional", S3BucketName="trail-logs")
    cloudtrail.start_logging(Name="regional")
    cloudtrail.create_trail(Name="everywhere", S3BucketName="trail-logs", IsMultiRegionTrail=True)

    result = account_result(evaluate_results(recorder, engine, "MULTI_REGION_CLOUD_TRAIL_ENABLED", NAME))
    assert result.compliance_type is ComplianceType.NON_COMPLIANT  # the multi-region trail is not logging

    cloudtrail.start_logging(Name="everywhere")
    result = account_result(evaluate_results(recorder, engine, "MULTI_REGION_CLOUD_TRAIL_ENABLED", NAME))
    assert result.compliance_type is ComplianceType.COMPLIANT


def test_parameters_narrow_the_trails_that_count(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    aws("s3").create_bucket(Bucket="trail-logs")
    cloudtrail = aws("cloudtrail")
    cloudtrail.create_trail(Name="everywhere", S3BucketName="trail-logs", IsMultiRegionTrail=True)
    cloudtrail.start_logging(Name="everywhere")
    cloudtrail.put_event_selectors(
        TrailName="everywhere",
        EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}],
    )

    def judged(**parameters: str) -> ComplianceType:
        found = evaluate_results(recorder, engine, "MULTI_REGION_CLOUD_TRAIL_ENABLED", NAME, **parameters)
        return account_result(found).compliance_type

    assert judged(s3BucketName="trail-logs", includeManagementEvents="true") is ComplianceType.COMPLIANT
    assert judged(readWriteType="WriteOnly") is ComplianceType.COMPLIANT
    assert judged(readWriteType="ReadOnly") is ComplianceType.NON_COMPLIANT
    assert judged(s3BucketName="other-bucket") is ComplianceType.NON_COMPLIANT
