from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import evaluate_results


def test_console_users_need_mfa_and_api_only_users_do_not(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    ids = {name: iam.create_user(UserName=name)["User"]["UserId"] for name in ("alice", "bob", "robot")}
    for name in ("alice", "bob"):
        iam.create_login_profile(UserName=name, Password="Str0ng-Passw0rd!")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-mfa")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    recorder.record_pass(SOURCE, resource_types=["AWS::IAM::User"])

    results = evaluate_results(
        recorder, engine, "MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS", "mfa-enabled-for-iam-console-access"
    )

    assert results[ids["alice"]].compliance_type is ComplianceType.COMPLIANT
    assert results[ids["bob"]].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[ids["bob"]].annotation == "The IAM user bob can sign in to the console without MFA."
    assert results[ids["robot"]].compliance_type is ComplianceType.COMPLIANT
