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


BLOCKED = {"blockedActionsPatterns": "kms:Decrypt,kms:ReEncrypt*"}


def test_managed_policies_allowing_blocked_kms_actions_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")

    def make(name: str, action: Any, resource: str = "*") -> str:
        statement = {"Effect": "Allow", "Action": action, "Resource": resource}
        return str(
            iam.create_policy(PolicyName=name, PolicyDocument=document(statement))["Policy"]["PolicyId"]
        )

    kms_all = make("kms-all", "kms:*")
    decrypt = make("decrypt", ["kms:Decrypt"], "arn:aws:kms:us-east-1:123456789012:key/abc")
    reencrypt = make("reencrypt", "kms:ReEncryptFrom")
    describe = make("describe", "kms:DescribeKey")
    s3_only = make("s3-only", "s3:*", "arn:aws:s3:::bucket/*")

    found = evaluate(
        recorder, engine, "IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS",
        "iam-customer-policy-blocked-kms-actions",
        ["AWS::IAM::Policy"], BLOCKED,
    )  # fmt: skip

    assert found == {kms_all: N, decrypt: N, reencrypt: N, describe: C, s3_only: C}
    assert annotations(recorder, "iam-customer-policy-blocked-kms-actions")[reencrypt] == (
        "The policy allows blocked KMS actions: kms:ReEncrypt*."
    )
