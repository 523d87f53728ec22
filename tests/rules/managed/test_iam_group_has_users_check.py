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


def test_empty_groups_are_flagged_until_a_user_joins(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    team = iam.create_group(GroupName="team")["Group"]["GroupId"]
    empty = iam.create_group(GroupName="empty")["Group"]["GroupId"]
    iam.create_user(UserName="member")
    iam.add_user_to_group(GroupName="team", UserName="member")

    found = evaluate(
        recorder, engine, "IAM_GROUP_HAS_USERS_CHECK", "iam-group-has-users-check", ["AWS::IAM::Group"]
    )
    assert found == {team: C, empty: N}
    assert annotations(recorder, "iam-group-has-users-check")[empty] == "The IAM group empty has no users."

    iam.add_user_to_group(GroupName="empty", UserName="member")
    again = evaluate(
        recorder, engine, "IAM_GROUP_HAS_USERS_CHECK", "iam-group-has-users-check", ["AWS::IAM::Group"]
    )
    assert again == {team: C, empty: C}
