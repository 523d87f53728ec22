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


def document(action: Any, resource: Any = "*") -> str:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_admin_statements_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    admin = iam.create_policy(PolicyName="admin", PolicyDocument=document(["s3:*", "*"]))["Policy"]
    service = iam.create_policy(PolicyName="all-s3", PolicyDocument=document("s3:*"))["Policy"]
    one_bucket = iam.create_policy(PolicyName="one-bucket", PolicyDocument=document("*", "arn:aws:s3:::b"))[
        "Policy"
    ]
    fixed = iam.create_policy(PolicyName="fixed", PolicyDocument=document("*"))["Policy"]
    iam.create_policy_version(PolicyArn=fixed["Arn"], PolicyDocument=document("ec2:*"), SetAsDefault=True)
    recorder.record_pass(SOURCE, resource_types=["AWS::IAM::Policy"])
    rule = managed_rule(
        "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", name="iam-policy-no-statements-with-admin-access"
    )
    recorder.store.rules.put(rule, now=recorder.clock.now())

    engine.evaluate_rule(rule)

    results = {r.resource_id: r.compliance_type for r in results_via_api(recorder.store, rule.name)}
    assert results == {
        admin["PolicyId"]: ComplianceType.NON_COMPLIANT,
        service["PolicyId"]: ComplianceType.COMPLIANT,
        one_bucket["PolicyId"]: ComplianceType.COMPLIANT,
        fixed["PolicyId"]: ComplianceType.COMPLIANT,
    }
