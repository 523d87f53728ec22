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


def test_blocked_actions_allowed_to_other_accounts_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    own = aws("sts").get_caller_identity()["Account"]
    for bucket in ("no-policy", "own-account", "reader", "deleter", "wildcard"):
        s3.create_bucket(Bucket=bucket)

    def allow(bucket: str, account: str, action: str) -> None:
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": action,
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        }
        s3.put_bucket_policy(
            Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        )

    allow("own-account", own, "s3:*")
    allow("reader", "111122223333", "s3:GetObject")
    allow("deleter", "111122223333", "s3:DeleteObject")
    allow("wildcard", "111122223333", "s3:GetBucket*")

    found = evaluate(
        recorder, engine, "S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED",
        "s3-bucket-blacklisted-actions-prohibited",
        [BUCKET], {"blacklistedActionPattern": "s3:DeleteObject,s3:GetBucketPolicy"},
    )  # fmt: skip

    assert found == {"no-policy": C, "own-account": C, "reader": C, "deleter": N, "wildcard": N}
    assert annotations(recorder, "s3-bucket-blacklisted-actions-prohibited")["wildcard"] == (
        "The policy of wildcard allows s3:GetBucketPolicy to other accounts."
    )
