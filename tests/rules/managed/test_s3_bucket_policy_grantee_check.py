from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import annotations, evaluate

BUCKET = "AWS::S3::Bucket"
C, N, NA = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT, ComplianceType.NOT_APPLICABLE


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_policies_granting_beyond_the_listed_grantees_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    for bucket in ("no-policy", "partner", "stranger", "everyone", "office", "logs"):
        s3.create_bucket(Bucket=bucket)

    def allow(bucket: str, principal: Any, condition: dict[str, Any] | None = None) -> None:
        statement = {
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        } | ({"Condition": condition} if condition else {})
        s3.put_bucket_policy(Bucket=bucket, Policy=policy(statement))

    allow("partner", {"AWS": "arn:aws:iam::111122223333:root"})
    allow("stranger", {"AWS": "arn:aws:iam::444455556666:root"})
    allow("everyone", "*")
    allow("office", "*", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    allow("logs", {"Service": "logging.s3.amazonaws.com"})

    found = evaluate(
        recorder, engine, "S3_BUCKET_POLICY_GRANTEE_CHECK", "s3-bucket-policy-grantee-check", [BUCKET],
        {"awsPrincipals": "111122223333", "servicePrincipals": "logging.s3.amazonaws.com",
         "ipAddresses": "203.0.113.0/24"},
    )  # fmt: skip

    assert found == {"no-policy": C, "partner": C, "stranger": N, "everyone": N, "office": C, "logs": C}
    assert "444455556666" in str(annotations(recorder, "s3-bucket-policy-grantee-check")["stranger"])
