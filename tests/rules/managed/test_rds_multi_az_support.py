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


def test_single_az_instances_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds = aws("rds")
    multi = make_instance(rds, "multi", MultiAZ=True)
    single = make_instance(rds, "single")
    recorder.record_pass(SOURCE, resource_types=["AWS::RDS::DBInstance"])
    rule = managed_rule("RDS_MULTI_AZ_SUPPORT", name="rds-multi-az-support")
    recorder.store.rules.put(rule, now=recorder.clock.now())

    engine.evaluate_rule(rule)

    results = {r.resource_id: r.compliance_type for r in results_via_api(recorder.store, rule.name)}
    assert results == {multi: ComplianceType.COMPLIANT, single: ComplianceType.NON_COMPLIANT}
