from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api


def test_root_without_access_keys_is_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    aws("iam").create_user(UserName="alice")
    aws("iam").create_access_key(UserName="alice")  # a user's key is not the root user's
    rule = managed_rule("IAM_ROOT_ACCESS_KEY_CHECK", name="iam-root-access-key-check")
    recorder.store.rules.put(rule, now=recorder.clock.now())

    engine.evaluate_rule(rule)

    (result,) = results_via_api(recorder.store, rule.name)
    assert (result.resource_type, result.resource_id) == ("AWS::::Account", SOURCE.account_id)
    assert result.compliance_type is ComplianceType.COMPLIANT
