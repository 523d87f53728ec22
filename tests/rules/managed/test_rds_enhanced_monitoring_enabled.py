from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import create_db, evaluate_results

DB = "AWS::RDS::DBInstance"


def test_instances_need_enhanced_monitoring_at_the_wanted_interval(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds = aws("rds")
    role = "arn:aws:iam::123456789012:role/rds-monitoring-role"
    monitored = create_db(rds, "monitored", MonitoringInterval=60, MonitoringRoleArn=role)
    unmonitored = create_db(rds, "unmonitored")
    recorder.record_pass(SOURCE, resource_types=[DB])

    name = "rds-enhanced-monitoring-enabled"
    results = evaluate_results(recorder, engine, "RDS_ENHANCED_MONITORING_ENABLED", name)
    assert results[monitored].compliance_type is ComplianceType.COMPLIANT
    assert results[unmonitored].compliance_type is ComplianceType.NON_COMPLIANT

    results = evaluate_results(
        recorder, engine, "RDS_ENHANCED_MONITORING_ENABLED", name, monitoringInterval="30"
    )
    assert results[monitored].compliance_type is ComplianceType.NON_COMPLIANT
