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


def test_users_outside_the_groups_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    for group in ("developers", "auditors"):
        iam.create_group(GroupName=group)
    users = {name: iam.create_user(UserName=name)["User"]["UserId"] for name in ("dev", "auditor", "loner")}
    iam.add_user_to_group(GroupName="developers", UserName="dev")
    iam.add_user_to_group(GroupName="auditors", UserName="auditor")

    any_group = evaluate(
        recorder,
        engine,
        "IAM_USER_GROUP_MEMBERSHIP_CHECK",
        "iam-user-group-membership-check",
        ["AWS::IAM::User"],
    )
    developers = evaluate(
        recorder, engine, "IAM_USER_GROUP_MEMBERSHIP_CHECK", "iam-user-in-developers", ["AWS::IAM::User"],
        {"groupNames": "developers"},
    )  # fmt: skip

    assert any_group == {users["dev"]: C, users["auditor"]: C, users["loner"]: N}
    assert developers == {users["dev"]: C, users["auditor"]: N, users["loner"]: N}
    assert annotations(recorder, "iam-user-group-membership-check")[users["loner"]] == (
        "The IAM user loner is in no group."
    )
