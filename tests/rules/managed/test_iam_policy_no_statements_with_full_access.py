from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed.rule_helpers import annotations, evaluate

C, N, NA = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT, ComplianceType.NOT_APPLICABLE


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_policies_granting_a_whole_service_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")

    def make(name: str, action: str) -> str:
        statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
        return str(
            iam.create_policy(PolicyName=name, PolicyDocument=document(statement))["Policy"]["PolicyId"]
        )

    s3_all = make("s3-everything", "s3:*")
    admin = make("admin", "*")
    reader = make("reader", "s3:Get*")
    boundary = make("boundary", "ec2:*")
    iam.create_user(UserName="bounded", PermissionsBoundary="arn:aws:iam::123456789012:policy/boundary")

    found = evaluate(
        recorder, engine, "IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS",
        "iam-policy-no-statements-with-full-access", ["AWS::IAM::Policy"],
    )  # fmt: skip
    assert found == {s3_all: N, admin: N, reader: C, boundary: N}
    assert annotations(recorder, "iam-policy-no-statements-with-full-access")[s3_all] == (
        "The policy allows full access: s3:*."
    )
    excluded = evaluate(
        recorder, engine, "IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS", "iam-full-access-no-boundaries",
        ["AWS::IAM::Policy"], {"excludePermissionBoundaryPolicy": "true"},
    )  # fmt: skip
    assert excluded[s3_all] is N
    assert excluded[boundary] in (NA, N)  # NA when the sandbox counts boundary usage
