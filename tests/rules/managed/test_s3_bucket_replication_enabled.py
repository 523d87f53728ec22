from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import annotations, evaluate

BUCKET = "AWS::S3::Bucket"
C, N, NA = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT, ComplianceType.NOT_APPLICABLE


def test_buckets_without_enabled_replication_are_flagged_and_the_type_is_checked(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    for bucket in ("source", "disabled", "plain", "replica"):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.create_bucket(Bucket="far-replica", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

    def replicate(bucket: str, status: str, destinations: list[str]) -> None:
        rules = [
            {"ID": d, "Priority": n, "Status": status, "Filter": {"Prefix": ""},
             "DeleteMarkerReplication": {"Status": "Disabled"},
             "Destination": {"Bucket": f"arn:aws:s3:::{d}"}}
            for n, d in enumerate(destinations)
        ]  # fmt: skip
        s3.put_bucket_replication(
            Bucket=bucket,
            ReplicationConfiguration={"Role": "arn:aws:iam::123456789012:role/replication", "Rules": rules},
        )

    replicate("source", "Enabled", ["replica"])
    replicate("disabled", "Disabled", ["replica"])

    found = evaluate(
        recorder, engine, "S3_BUCKET_REPLICATION_ENABLED", "s3-bucket-replication-enabled", [BUCKET]
    )
    assert found == {"source": C, "disabled": N, "plain": N, "replica": N}
    assert annotations(recorder, "s3-bucket-replication-enabled")["plain"] == (
        "The bucket plain has no enabled replication rule."
    )

    cross = evaluate(
        recorder, engine, "S3_BUCKET_REPLICATION_ENABLED", "s3-bucket-replication-crr", [BUCKET],
        {"ReplicationType": "CRR"},
    )  # fmt: skip
    same = evaluate(
        recorder, engine, "S3_BUCKET_REPLICATION_ENABLED", "s3-bucket-replication-srr", [BUCKET],
        {"ReplicationType": "SRR"},
    )  # fmt: skip
    assert cross["source"] is N and same["source"] is C
