from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import create_db, evaluate_results

DB = "AWS::RDS::DBInstance"


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

    results = evaluate_results(recorder, engine, "RDS_LOGGING_ENABLED", "rds-logging-enabled")
    assert results[full].compliance_type is ComplianceType.COMPLIANT
    assert results[partial].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[partial].annotation == "The DB instance does not export these logs: upgrade."
    assert results[mysql].compliance_type is ComplianceType.COMPLIANT

    results = evaluate_results(
        recorder,
        engine,
        "RDS_LOGGING_ENABLED",
        "rds-logging-enabled",
        additionalLogs="mysql: iam-db-auth-error",
    )
    assert results[full].compliance_type is ComplianceType.COMPLIANT
    assert results[mysql].compliance_type is ComplianceType.NON_COMPLIANT
