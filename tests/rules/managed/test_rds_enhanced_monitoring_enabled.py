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


def test_instances_need_enhanced_monitoring_at_the_wanted_interval(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds = aws("rds")
    role = "arn:aws:iam::123456789012:role/rds-monitoring-role"
    monitored = create_db(rds, "monitored", MonitoringInterval=60, MonitoringRoleArn=role)
    unmonitored = create_db(rds, "unmonitored")
    recorder.record_pass(SOURCE, resource_types=[DB])

    name = "rds-enhanced-monitoring-enabled"
    results = evaluate(recorder, engine, "RDS_ENHANCED_MONITORING_ENABLED", name)
    assert results[monitored].compliance_type is ComplianceType.COMPLIANT
    assert results[unmonitored].compliance_type is ComplianceType.NON_COMPLIANT

    results = evaluate(recorder, engine, "RDS_ENHANCED_MONITORING_ENABLED", name, monitoringInterval="30")
    assert results[monitored].compliance_type is ComplianceType.NON_COMPLIANT
