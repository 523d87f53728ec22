from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

BUCKET = "AWS::S3::Bucket"
C, N, NA = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT, ComplianceType.NOT_APPLICABLE


def test_object_lock_must_be_enabled_and_in_the_mode_asked(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="plain")
    for bucket in ("governed", "locked-no-default"):
        s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket="governed",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
        },
    )

    found = evaluate(
        recorder, engine, "S3_BUCKET_DEFAULT_LOCK_ENABLED", "s3-bucket-default-lock-enabled", [BUCKET]
    )
    assert found == {"plain": N, "governed": C, "locked-no-default": C}

    governance = evaluate(
        recorder, engine, "S3_BUCKET_DEFAULT_LOCK_ENABLED", "s3-lock-governance", [BUCKET],
        {"mode": "GOVERNANCE"},
    )  # fmt: skip
    compliance = evaluate(
        recorder, engine, "S3_BUCKET_DEFAULT_LOCK_ENABLED", "s3-lock-compliance", [BUCKET],
        {"mode": "COMPLIANCE"},
    )  # fmt: skip
    assert governance == {"plain": N, "governed": C, "locked-no-default": N}
    assert compliance["governed"] is N
