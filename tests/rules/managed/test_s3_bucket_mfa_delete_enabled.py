from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.model import ResourceKey
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from roost.rules.managed.s3_bucket_mfa_delete_enabled import S3BucketMfaDeleteEnabled
from roost.rules.managed_rule import RuleContext
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import annotations, evaluate

BUCKET = "AWS::S3::Bucket"
C, N = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT


def test_buckets_without_mfa_delete_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    for bucket in ("plain", "versioned"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})

    found = evaluate(
        recorder, engine, "S3_BUCKET_MFA_DELETE_ENABLED", "s3-bucket-mfa-delete-enabled", [BUCKET]
    )

    assert found == {"plain": N, "versioned": N}
    assert annotations(recorder, "s3-bucket-mfa-delete-enabled")["versioned"] == (
        "MFA delete is not enabled on versioned."
    )
    # The sandbox (moto) ignores MFADelete, so the enabled case is judged on the recorded item edited
    # the way AWS Config records a bucket with MFA delete on.
    item = recorder.store.items.latest_item(SOURCE, ResourceKey(BUCKET, "versioned"))
    assert item is not None
    extra = dict(item.supplementary_configuration or {})
    extra["BucketVersioningConfiguration"] = {"status": "Enabled", "isMfaDeleteEnabled": True}
    ctx = RuleContext(SOURCE, {}, recorder.clock.now(), recorder.store, lambda service: None)
    verdict = S3BucketMfaDeleteEnabled().evaluate(
        dataclasses.replace(item, supplementary_configuration=extra), ctx
    )
    assert verdict.compliance_type is C
