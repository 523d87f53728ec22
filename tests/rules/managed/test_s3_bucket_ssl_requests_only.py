from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate

BUCKET = "AWS::S3::Bucket"


def deny_http(bucket: str, action: str = "s3:*") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": action,
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def test_only_a_policy_denying_insecure_transport_for_all_actions_is_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    for bucket in ("no-policy", "ssl-only", "gets-only"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket="ssl-only", Policy=deny_http("ssl-only"))
    s3.put_bucket_policy(Bucket="gets-only", Policy=deny_http("gets-only", "s3:GetObject"))

    results = evaluate(
        recorder, engine, "S3_BUCKET_SSL_REQUESTS_ONLY", "s3-bucket-ssl-requests-only", [BUCKET]
    )

    assert results == {
        "gets-only": ComplianceType.NON_COMPLIANT,
        "no-policy": ComplianceType.NON_COMPLIANT,
        "ssl-only": ComplianceType.COMPLIANT,
    }
