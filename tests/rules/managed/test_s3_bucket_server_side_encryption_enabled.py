from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

BUCKET = "AWS::S3::Bucket"
DENY_UNENCRYPTED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::enforced-by-policy/*",
            "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}},
        }
    ],
}


def test_default_encryption_or_a_policy_denying_unencrypted_puts(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    for bucket in ("plain", "encrypted", "enforced-by-policy"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_encryption(
        Bucket="encrypted",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_policy(Bucket="enforced-by-policy", Policy=json.dumps(DENY_UNENCRYPTED))

    results = evaluate(
        recorder,
        engine,
        "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
        "s3-bucket-server-side-encryption-enabled",
        [BUCKET],
    )

    assert results == {
        "encrypted": ComplianceType.COMPLIANT,
        "enforced-by-policy": ComplianceType.COMPLIANT,
        "plain": ComplianceType.NON_COMPLIANT,
    }
