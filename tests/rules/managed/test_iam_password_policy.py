from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api

STRONG = {
    "MinimumPasswordLength": 14,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "MaxPasswordAge": 90,
    "PasswordReusePrevention": 24,
}


def test_password_policy_is_judged_for_the_account(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    rule = managed_rule("IAM_PASSWORD_POLICY", name="iam-password-policy")
    lenient = dataclasses.replace(
        managed_rule(
            "IAM_PASSWORD_POLICY",
            name="lenient-password-policy",
            parameters={"RequireSymbols": "True", "MinimumPasswordLength": "8", "MaxPasswordAge": "365"},
        ),
        rule_id="config-rule-lenient",
    )
    for r in (rule, lenient):
        recorder.store.rules.put(r, now=recorder.clock.now())

    def result(name: str) -> tuple[ComplianceType, str | None]:
        (found,) = results_via_api(recorder.store, name)
        assert (found.resource_type, found.resource_id) == ("AWS::::Account", SOURCE.account_id)
        return found.compliance_type, found.annotation

    engine.evaluate_rule(rule)
    assert result(rule.name) == (ComplianceType.NON_COMPLIANT, "The account has no IAM password policy.")

    iam.update_account_password_policy(**STRONG)
    engine.evaluate_rule(rule)
    assert result(rule.name)[0] is ComplianceType.COMPLIANT

    weak = {**STRONG, "MinimumPasswordLength": 10, "RequireSymbols": False, "MaxPasswordAge": 180}
    iam.update_account_password_policy(**weak)
    engine.evaluate_rule(rule)
    engine.evaluate_rule(lenient)
    assert result(rule.name) == (
        ComplianceType.NON_COMPLIANT,
        "The password policy does not meet: RequireSymbols, MinimumPasswordLength, MaxPasswordAge.",
    )
    # Booleans are case-sensitive: "True" is not "true", so symbols are not required.
    assert result(lenient.name)[0] is ComplianceType.COMPLIANT
