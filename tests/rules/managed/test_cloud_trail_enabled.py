from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api


def test_a_logging_trail_makes_the_account_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    aws("s3").create_bucket(Bucket="trail-logs")
    trails = aws("cloudtrail")
    rule = managed_rule("CLOUD_TRAIL_ENABLED", name="cloudtrail-enabled")
    other_bucket = dataclasses.replace(
        managed_rule("CLOUD_TRAIL_ENABLED", name="other-bucket", parameters={"s3BucketName": "elsewhere"}),
        rule_id="config-rule-other-bucket",
    )
    for r in (rule, other_bucket):
        recorder.store.rules.put(r, now=recorder.clock.now())

    def result(name: str) -> ComplianceType:
        (found,) = results_via_api(recorder.store, name)
        assert (found.resource_type, found.resource_id) == ("AWS::::Account", SOURCE.account_id)
        return found.compliance_type

    engine.evaluate_rule(rule)
    assert result(rule.name) is ComplianceType.NON_COMPLIANT

    trails.create_trail(Name="main", S3BucketName="trail-logs")
    engine.evaluate_rule(rule)
    assert result(rule.name) is ComplianceType.NON_COMPLIANT  # created, not logging

    trails.start_logging(Name="main")
    engine.evaluate_rule(rule)
    engine.evaluate_rule(other_bucket)
    assert result(rule.name) is ComplianceType.COMPLIANT
    assert result(other_bucket.name) is ComplianceType.NON_COMPLIANT

    # A multi-region trail of another region logs this region too (DescribeTrails' shadow copy).
    trails.stop_logging(Name="main")
    elsewhere = aws("cloudtrail", region="ap-northeast-2")
    elsewhere.create_trail(Name="everywhere", S3BucketName="trail-logs", IsMultiRegionTrail=True)
    elsewhere.start_logging(Name="everywhere")
    engine.evaluate_rule(rule)
    assert result(rule.name) is ComplianceType.COMPLIANT
