from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api


def test_trails_without_validation_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    aws("s3").create_bucket(Bucket="trail-logs")
    trails = aws("cloudtrail")
    trails.create_trail(Name="validated", S3BucketName="trail-logs", EnableLogFileValidation=True)
    trails.create_trail(Name="plain", S3BucketName="trail-logs")
    recorder.record_pass(SOURCE, resource_types=["AWS::CloudTrail::Trail"])
    rule = managed_rule(
        "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", name="cloud-trail-log-file-validation-enabled"
    )
    recorder.store.rules.put(rule, now=recorder.clock.now())

    engine.evaluate_rule(rule)

    results = {
        (r.resource_type, r.resource_id): r.compliance_type
        for r in results_via_api(recorder.store, rule.name)
    }
    assert results == {
        ("AWS::CloudTrail::Trail", "validated"): ComplianceType.COMPLIANT,
        ("AWS::CloudTrail::Trail", "plain"): ComplianceType.NON_COMPLIANT,
    }
