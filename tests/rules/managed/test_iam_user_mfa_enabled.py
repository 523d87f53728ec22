from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api


def test_users_without_mfa_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    alice = iam.create_user(UserName="alice")["User"]["UserId"]
    bob = iam.create_user(UserName="bob")["User"]["UserId"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-mfa")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    recorder.record_pass(SOURCE, resource_types=["AWS::IAM::User"])
    rule = managed_rule("IAM_USER_MFA_ENABLED")
    recorder.store.rules.put(rule, now=recorder.clock.now())

    engine.evaluate_rule(rule)

    results = {r.resource_id: r for r in results_via_api(recorder.store, rule.name)}
    assert results[alice].compliance_type is ComplianceType.COMPLIANT
    assert results[bob].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[bob].annotation == "The IAM user bob has no MFA device."
    status = recorder.store.rules.status(SOURCE, rule.name)
    assert status is not None and status.last_successful_evaluation_time is not None
    assert status.last_error_code is None
