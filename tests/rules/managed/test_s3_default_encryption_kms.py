from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

BUCKET = "AWS::S3::Bucket"
C, N, NA = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT, ComplianceType.NOT_APPLICABLE


def test_only_kms_default_encryption_with_an_allowed_key_passes(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    key = aws("kms").create_key()["KeyMetadata"]
    for bucket in ("kms-listed", "kms-other", "kms-default", "aes", "none"):
        s3.create_bucket(Bucket=bucket)

    def encrypt(bucket: str, algorithm: str, key_id: str | None = None) -> None:
        default = {"SSEAlgorithm": algorithm} | ({"KMSMasterKeyID": key_id} if key_id else {})
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
        )

    encrypt("kms-listed", "aws:kms", key["KeyId"])
    encrypt("kms-other", "aws:kms", "arn:aws:kms:us-east-1:123456789012:key/another")
    encrypt("kms-default", "aws:kms")
    encrypt("aes", "AES256")

    found = evaluate(recorder, engine, "S3_DEFAULT_ENCRYPTION_KMS", "s3-default-encryption-kms", [BUCKET])
    assert found == {"kms-listed": C, "kms-other": C, "kms-default": C, "aes": N, "none": N}

    listed = evaluate(
        recorder, engine, "S3_DEFAULT_ENCRYPTION_KMS", "s3-default-encryption-kms-keys", [BUCKET],
        {"kmsKeyArns": key["Arn"]},
    )  # fmt: skip
    assert listed == {"kms-listed": C, "kms-other": N, "kms-default": N, "aes": N, "none": N}
