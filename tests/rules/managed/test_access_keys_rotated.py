from __future__ import annotations

import dataclasses
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


def test_old_active_keys_are_non_compliant(recorder: Recorder, aws: Callable[..., Any]) -> None:
    iam = aws("iam")
    alice = iam.create_user(UserName="alice")["User"]["UserId"]
    iam.create_access_key(UserName="alice")
    bob = iam.create_user(UserName="bob")["User"]["UserId"]
    key = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="bob", AccessKeyId=key, Status="Inactive")
    carol = iam.create_user(UserName="carol")["User"]["UserId"]
    recorder.record_pass(SOURCE, resource_types=["AWS::IAM::User"])
    rule = managed_rule("ACCESS_KEYS_ROTATED", name="access-keys-rotated")
    yearly = dataclasses.replace(
        managed_rule("ACCESS_KEYS_ROTATED", name="yearly", parameters={"maxAccessKeyAge": "365"}),
        rule_id="config-rule-yearly",
    )
    for r in (rule, yearly):
        recorder.store.rules.put(r, now=recorder.clock.now())
    # 100 days later: the keys are older than the default 90 days.
    engine = RuleEngine(
        recorder.store, recorder.connector, FrozenClock(datetime.now(UTC) + timedelta(days=100))
    )

    engine.evaluate_rule(rule)
    engine.evaluate_rule(yearly)

    def results(name: str) -> dict[str, ComplianceType]:
        return {r.resource_id: r.compliance_type for r in results_via_api(recorder.store, name)}

    assert results(rule.name) == {
        alice: ComplianceType.NON_COMPLIANT,
        bob: ComplianceType.COMPLIANT,  # only an inactive key
        carol: ComplianceType.COMPLIANT,
    }
    assert set(results(yearly.name).values()) == {ComplianceType.COMPLIANT}
