from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import annotations, evaluate

BUCKET = "AWS::S3::Bucket"
C, N, NA = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT, ComplianceType.NOT_APPLICABLE


def test_lifecycle_rules_must_exist_and_match_the_targets(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    for bucket in ("none", "archive", "disabled", "ignored"):
        s3.create_bucket(Bucket=bucket)

    def lifecycle(bucket: str, status: str) -> None:
        rule = {
            "ID": "archive",
            "Status": status,
            "Filter": {"Prefix": "logs/"},
            "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}],
            "Expiration": {"Days": 365},
        }
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})

    lifecycle("archive", "Enabled")
    lifecycle("disabled", "Disabled")

    found = evaluate(recorder, engine, "S3_LIFECYCLE_POLICY_CHECK", "s3-lifecycle-policy-check", [BUCKET])
    assert found == {"none": N, "archive": C, "disabled": N, "ignored": N}
    assert (
        annotations(recorder, "s3-lifecycle-policy-check")["none"] == "The bucket none has no lifecycle rule."
    )

    matching = evaluate(
        recorder, engine, "S3_LIFECYCLE_POLICY_CHECK", "s3-lifecycle-matching", [BUCKET],
        {"targetTransitionDays": "30", "targetExpirationDays": "365",
         "targetTransitionStorageClass": "GLACIER",
         "targetPrefix": "logs/", "bucketNames": "none,archive,disabled"},
    )  # fmt: skip
    other_days = evaluate(
        recorder, engine, "S3_LIFECYCLE_POLICY_CHECK", "s3-lifecycle-other-days", [BUCKET],
        {"targetExpirationDays": "90"},
    )  # fmt: skip
    assert matching == {"none": N, "archive": C, "disabled": N, "ignored": NA}
    assert other_days["archive"] is N
