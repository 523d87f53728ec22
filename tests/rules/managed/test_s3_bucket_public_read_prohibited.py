from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

BUCKET = "AWS::S3::Bucket"
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def policy(bucket: str, action: str, **statement: Any) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": action,
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                    **statement,
                }
            ],
        }
    )


def test_public_read_by_acl_or_policy_unless_block_public_access_neutralizes_it(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    for bucket in ("private", "acl-public", "policy-public", "vpc-only", "blocked", "write-only"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_acl(Bucket="acl-public", ACL="public-read")
    s3.put_bucket_policy(Bucket="policy-public", Policy=policy("policy-public", "s3:GetObject"))
    s3.put_bucket_policy(
        Bucket="vpc-only",
        Policy=policy(
            "vpc-only", "s3:GetObject", Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
        ),
    )
    s3.put_bucket_acl(Bucket="blocked", ACL="public-read")
    s3.put_bucket_policy(Bucket="blocked", Policy=policy("blocked", "s3:*"))
    s3.put_public_access_block(Bucket="blocked", PublicAccessBlockConfiguration=BLOCK_ALL)
    s3.put_bucket_policy(Bucket="write-only", Policy=policy("write-only", "s3:PutObject"))

    results = evaluate(
        recorder, engine, "S3_BUCKET_PUBLIC_READ_PROHIBITED", "s3-bucket-public-read-prohibited", [BUCKET]
    )

    assert results == {
        "acl-public": ComplianceType.NON_COMPLIANT,
        "blocked": ComplianceType.COMPLIANT,
        "policy-public": ComplianceType.NON_COMPLIANT,
        "private": ComplianceType.COMPLIANT,
        "vpc-only": ComplianceType.COMPLIANT,
        "write-only": ComplianceType.COMPLIANT,
    }
