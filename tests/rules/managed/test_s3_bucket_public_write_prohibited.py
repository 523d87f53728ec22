from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import evaluate
from tests.rules.managed.test_s3_bucket_public_read_prohibited import BLOCK_ALL, policy

BUCKET = "AWS::S3::Bucket"
ALL_USERS = 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'
AUTHENTICATED_USERS = 'uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"'


def test_public_write_by_acl_or_policy_unless_block_public_access_neutralizes_it(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    for bucket in ("private", "read-acl", "write-acl", "policy-write", "org-only", "blocked"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_acl(Bucket="read-acl", ACL="public-read")
    # moto's canned public-read-write grants only READ, so the WRITE grant is given explicitly.
    s3.put_bucket_acl(Bucket="write-acl", GrantWrite=AUTHENTICATED_USERS)
    s3.put_bucket_policy(Bucket="policy-write", Policy=policy("policy-write", "s3:Put*"))
    s3.put_bucket_policy(
        Bucket="org-only",
        Policy=policy(
            "org-only", "s3:PutObject", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
        ),
    )
    s3.put_bucket_acl(Bucket="blocked", GrantWrite=ALL_USERS)
    s3.put_public_access_block(Bucket="blocked", PublicAccessBlockConfiguration=BLOCK_ALL)

    results = evaluate(
        recorder, engine, "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", "s3-bucket-public-write-prohibited", [BUCKET]
    )

    assert results == {
        "blocked": ComplianceType.COMPLIANT,
        "org-only": ComplianceType.COMPLIANT,
        "policy-write": ComplianceType.NON_COMPLIANT,
        "private": ComplianceType.COMPLIANT,
        "read-acl": ComplianceType.COMPLIANT,
        "write-acl": ComplianceType.NON_COMPLIANT,
    }
