from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType, EvaluationResult
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api


def evaluate(
    recorder: Recorder, engine: RuleEngine, identifier: str, name: str, **parameters: str
) -> dict[str, EvaluationResult]:
    rule = managed_rule(identifier, name=name, parameters=parameters)
    recorder.store.rules.put(rule, now=recorder.clock.now())
    engine.evaluate_rule(rule)
    return {r.resource_id: r for r in results_via_api(recorder.store, rule.name)}


def test_the_region_setting_decides_the_account_verdict(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    name = "ec2-ebs-encryption-by-default"
    results = evaluate(recorder, engine, "EC2_EBS_ENCRYPTION_BY_DEFAULT", name)
    assert results[SOURCE.account_id].resource_type == "AWS::::Account"
    assert results[SOURCE.account_id].compliance_type is ComplianceType.NON_COMPLIANT

    aws("ec2").enable_ebs_encryption_by_default()
    results = evaluate(recorder, engine, "EC2_EBS_ENCRYPTION_BY_DEFAULT", name)
    assert results[SOURCE.account_id].compliance_type is ComplianceType.COMPLIANT
