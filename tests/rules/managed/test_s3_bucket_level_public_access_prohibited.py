from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate
from tests.rules.managed.test_s3_bucket_public_read_prohibited import BLOCK_ALL

BUCKET = "AWS::S3::Bucket"


def test_buckets_without_full_block_public_access_are_flagged_unless_excluded(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    for bucket in ("none", "blocked", "partly", "website"):
        s3.create_bucket(Bucket=bucket)
    s3.put_public_access_block(Bucket="blocked", PublicAccessBlockConfiguration=BLOCK_ALL)
    s3.put_public_access_block(
        Bucket="partly", PublicAccessBlockConfiguration={**BLOCK_ALL, "RestrictPublicBuckets": False}
    )

    results = evaluate(
        recorder,
        engine,
        "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
        "s3-bucket-level-public-access-prohibited",
        [BUCKET],
        {"excludedPublicBuckets": "website, other"},
    )

    assert results == {
        "blocked": ComplianceType.COMPLIANT,
        "none": ComplianceType.NON_COMPLIANT,
        "partly": ComplianceType.NON_COMPLIANT,
        "website": ComplianceType.COMPLIANT,
    }
