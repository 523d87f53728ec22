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


TRUST = document(
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
)
INLINE = document({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})


def test_principals_with_inline_policies_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    user = iam.create_user(UserName="inline-user")["User"]["UserId"]
    clean_user = iam.create_user(UserName="clean-user")["User"]["UserId"]
    group = iam.create_group(GroupName="inline-group")["Group"]["GroupId"]
    role = iam.create_role(RoleName="inline-role", AssumeRolePolicyDocument=TRUST)["Role"]["RoleId"]
    clean_role = iam.create_role(RoleName="clean-role", AssumeRolePolicyDocument=TRUST)["Role"]["RoleId"]
    iam.put_user_policy(UserName="inline-user", PolicyName="read", PolicyDocument=INLINE)
    iam.put_group_policy(GroupName="inline-group", PolicyName="read", PolicyDocument=INLINE)
    iam.put_role_policy(RoleName="inline-role", PolicyName="read", PolicyDocument=INLINE)

    found = evaluate(
        recorder, engine, "IAM_NO_INLINE_POLICY_CHECK", "iam-no-inline-policy-check",
        ["AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role"],
    )  # fmt: skip

    assert found == {user: N, clean_user: C, group: N, role: N, clean_role: C}
    assert (
        annotations(recorder, "iam-no-inline-policy-check")[role] == "inline-role has inline policies: read."
    )
