from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api
from tests.rules.managed.test_rds_storage_encrypted import make_instance


def test_public_instances_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds = aws("rds")
    public = make_instance(rds, "public", PubliclyAccessible=True)
    private = make_instance(rds, "private", PubliclyAccessible=False)
    recorder.record_pass(SOURCE, resource_types=["AWS::RDS::DBInstance"])
    rule = managed_rule("RDS_INSTANCE_PUBLIC_ACCESS_CHECK", name="rds-instance-public-access-check")
    recorder.store.rules.put(rule, now=recorder.clock.now())

    engine.evaluate_rule(rule)

    results = {r.resource_id: r for r in results_via_api(recorder.store, rule.name)}
    assert results[public].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[public].annotation == "The DB instance is publicly accessible."
    assert results[private].compliance_type is ComplianceType.COMPLIANT
