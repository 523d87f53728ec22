from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import create_db, evaluate_results

DB = "AWS::RDS::DBInstance"


def test_instances_without_deletion_protection_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds = aws("rds")
    protected = create_db(rds, "protected", DeletionProtection=True)
    exposed = create_db(rds, "exposed", "mysql", DeletionProtection=False)
    recorder.record_pass(SOURCE, resource_types=[DB])

    name = "rds-instance-deletion-protection-enabled"
    results = evaluate_results(recorder, engine, "RDS_INSTANCE_DELETION_PROTECTION_ENABLED", name)
    assert results[protected].compliance_type is ComplianceType.COMPLIANT
    assert results[exposed].compliance_type is ComplianceType.NON_COMPLIANT

    results = evaluate_results(
        recorder, engine, "RDS_INSTANCE_DELETION_PROTECTION_ENABLED", name, databaseEngines="postgres"
    )
    assert results[protected].compliance_type is ComplianceType.COMPLIANT
    assert results[exposed].compliance_type is ComplianceType.NOT_APPLICABLE
