from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

BUCKET = "AWS::S3::Bucket"


def test_versioning_off_or_suspended_is_flagged_and_mfa_delete_when_asked(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    for bucket in ("never", "enabled", "suspended"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket="enabled", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket="suspended", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket="suspended", VersioningConfiguration={"Status": "Suspended"})

    plain = evaluate(
        recorder, engine, "S3_BUCKET_VERSIONING_ENABLED", "s3-bucket-versioning-enabled", [BUCKET]
    )
    with_mfa = evaluate(
        recorder,
        engine,
        "S3_BUCKET_VERSIONING_ENABLED",
        "s3-bucket-versioning-enabled-mfa",
        [BUCKET],
        {"isMfaDeleteEnabled": "true"},
    )

    assert plain == {
        "enabled": ComplianceType.COMPLIANT,
        "never": ComplianceType.NON_COMPLIANT,
        "suspended": ComplianceType.NON_COMPLIANT,
    }
    assert with_mfa["enabled"] is ComplianceType.NON_COMPLIANT  # versioned, but no MFA delete
