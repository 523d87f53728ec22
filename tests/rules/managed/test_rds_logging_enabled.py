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


def test_instances_must_export_their_engines_logs(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds = aws("rds")
    full = create_db(rds, "full", EnableCloudwatchLogsExports=["postgresql", "upgrade"])
    partial = create_db(rds, "partial", EnableCloudwatchLogsExports=["postgresql"])
    mysql = create_db(
        rds, "mysql", "mysql", EnableCloudwatchLogsExports=["audit", "error", "general", "slowquery"]
    )
    recorder.record_pass(SOURCE, resource_types=[DB])

    results = evaluate(recorder, engine, "RDS_LOGGING_ENABLED", "rds-logging-enabled")
    assert results[full].compliance_type is ComplianceType.COMPLIANT
    assert results[partial].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[partial].annotation == "The DB instance does not export these logs: upgrade."
    assert results[mysql].compliance_type is ComplianceType.COMPLIANT

    results = evaluate(
        recorder,
        engine,
        "RDS_LOGGING_ENABLED",
        "rds-logging-enabled",
        additionalLogs="mysql: iam-db-auth-error",
    )
    assert results[full].compliance_type is ComplianceType.COMPLIANT
    assert results[mysql].compliance_type is ComplianceType.NON_COMPLIANT
