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


def test_inline_policies_allowing_blocked_kms_actions_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    decrypt = document({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"})
    describe = document({"Effect": "Allow", "Action": "kms:Describe*", "Resource": "*"})
    user = iam.create_user(UserName="decrypter")["User"]["UserId"]
    group = iam.create_group(GroupName="describers")["Group"]["GroupId"]
    role = iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST)["Role"]["RoleId"]
    iam.put_user_policy(UserName="decrypter", PolicyName="decrypt", PolicyDocument=decrypt)
    iam.put_group_policy(GroupName="describers", PolicyName="describe", PolicyDocument=describe)
    iam.put_role_policy(
        RoleName="worker",
        PolicyName="everything",
        PolicyDocument=document({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    )

    found = evaluate(
        recorder, engine, "IAM_INLINE_POLICY_BLOCKED_KMS_ACTIONS", "iam-inline-policy-blocked-kms-actions",
        ["AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role"],
        {"blockedActionsPatterns": "kms:Decrypt", "excludeRoleByManagementAccount": "true"},
    )  # fmt: skip

    assert found == {user: N, group: C, role: N}
    assert annotations(recorder, "iam-inline-policy-blocked-kms-actions")[user] == (
        "The inline policy decrypt allows blocked KMS actions: kms:Decrypt."
    )
