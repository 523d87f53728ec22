from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

KEY = "AWS::KMS::Key"
C, N, NA = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT, ComplianceType.NOT_APPLICABLE


def test_keys_pending_deletion_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    kms = aws("kms")
    kept = kms.create_key()["KeyMetadata"]["KeyId"]
    doomed = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)

    found = evaluate(
        recorder, engine, "KMS_CMK_NOT_SCHEDULED_FOR_DELETION", "kms-cmk-not-scheduled-for-deletion", [KEY]
    )
    only_kept = evaluate(
        recorder,
        engine,
        "KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
        "kms-cmk-kept-only",
        [KEY],
        {"kmsKeyIds": kept},
    )

    assert found == {kept: C, doomed: N}
    assert only_kept == {kept: C, doomed: NA}
