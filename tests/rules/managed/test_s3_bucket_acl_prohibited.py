from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import annotations, evaluate

BUCKET = "AWS::S3::Bucket"
C, N, NA = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT, ComplianceType.NOT_APPLICABLE


def test_acls_granting_anyone_but_the_owner_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    s3 = aws("s3")
    for bucket in ("private", "public", "other-account"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_acl(Bucket="public", ACL="public-read")
    owner = s3.get_bucket_acl(Bucket="other-account")["Owner"]
    s3.put_bucket_acl(
        Bucket="other-account",
        AccessControlPolicy={
            "Owner": owner,
            "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "CanonicalUser", "ID": "f" * 64}, "Permission": "READ"},
            ],
        },
    )

    found = evaluate(recorder, engine, "S3_BUCKET_ACL_PROHIBITED", "s3-bucket-acl-prohibited", [BUCKET])

    assert found == {"private": C, "public": N, "other-account": N}
    assert "AllUsers:Read" in str(annotations(recorder, "s3-bucket-acl-prohibited")["public"])
