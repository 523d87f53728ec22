from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api

DOCUMENT = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)


def test_users_with_their_own_policies_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    inline = iam.create_user(UserName="inline")["User"]["UserId"]
    iam.put_user_policy(UserName="inline", PolicyName="read", PolicyDocument=DOCUMENT)
    attached = iam.create_user(UserName="attached")["User"]["UserId"]
    policy = iam.create_policy(PolicyName="read-objects", PolicyDocument=DOCUMENT)["Policy"]["Arn"]
    iam.attach_user_policy(UserName="attached", PolicyArn=policy)
    grouped = iam.create_user(UserName="grouped")["User"]["UserId"]
    iam.create_group(GroupName="readers")
    iam.attach_group_policy(GroupName="readers", PolicyArn=policy)
    iam.add_user_to_group(GroupName="readers", UserName="grouped")
    recorder.record_pass(SOURCE, resource_types=["AWS::IAM::User"])
    rule = managed_rule("IAM_USER_NO_POLICIES_CHECK", name="iam-user-no-policies-check")
    recorder.store.rules.put(rule, now=recorder.clock.now())

    engine.evaluate_rule(rule)

    results = {r.resource_id: r for r in results_via_api(recorder.store, rule.name)}
    assert results[inline].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[inline].annotation == "The IAM user has policies of its own: read."
    assert results[attached].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[grouped].compliance_type is ComplianceType.COMPLIANT
