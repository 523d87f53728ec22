from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from roost.clock import FrozenClock
from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api


def test_credentials_unused_for_too_long_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    console = iam.create_user(UserName="console")["User"]["UserId"]
    iam.create_login_profile(UserName="console", Password="a-Long-password-1!")
    keyed = iam.create_user(UserName="keyed")["User"]["UserId"]
    iam.create_access_key(UserName="keyed")
    idle = iam.create_user(UserName="idle")["User"]["UserId"]
    key = iam.create_access_key(UserName="idle")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="idle", AccessKeyId=key, Status="Inactive")
    recorder.record_pass(SOURCE, resource_types=["AWS::IAM::User"])
    rule = managed_rule("IAM_USER_UNUSED_CREDENTIALS_CHECK", name="iam-user-unused-credentials-check")
    recorder.store.rules.put(rule, now=recorder.clock.now())

    def results() -> dict[str, ComplianceType]:
        return {r.resource_id: r.compliance_type for r in results_via_api(recorder.store, rule.name)}

    engine.evaluate_rule(rule)  # new credentials count from their creation
    assert set(results().values()) == {ComplianceType.COMPLIANT}

    later = RuleEngine(
        recorder.store, recorder.connector, FrozenClock(datetime.now(UTC) + timedelta(days=91))
    )
    later.evaluate_rule(rule)
    assert results() == {
        console: ComplianceType.NON_COMPLIANT,
        keyed: ComplianceType.NON_COMPLIANT,
        idle: ComplianceType.COMPLIANT,  # its only key is inactive
    }
