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


DB = "AWS::RDS::DBInstance"


def create_db(rds: Any, name: str, engine: str = "postgres", **params: Any) -> str:
    """A DB instance; its recorded resource id (the DbiResourceId)."""
    created = rds.create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine=engine,
        MasterUsername="admin_user",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
        **params,
    )
    return str(created["DBInstance"]["DbiResourceId"])


def test_instances_without_automatic_minor_upgrades_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds = aws("rds")
    upgraded = create_db(rds, "upgraded", AutoMinorVersionUpgrade=True)
    pinned = create_db(rds, "pinned", AutoMinorVersionUpgrade=False)
    recorder.record_pass(SOURCE, resource_types=[DB])

    results = evaluate(
        recorder,
        engine,
        "RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED",
        "rds-automatic-minor-version-upgrade-enabled",
    )

    assert results[upgraded].compliance_type is ComplianceType.COMPLIANT
    assert results[pinned].compliance_type is ComplianceType.NON_COMPLIANT
