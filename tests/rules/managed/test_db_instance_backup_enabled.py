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


def test_instances_need_automated_backups_matching_the_parameters(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds = aws("rds")
    weekly = create_db(rds, "weekly", BackupRetentionPeriod=7, PreferredBackupWindow="03:00-04:00")
    none = create_db(rds, "none", BackupRetentionPeriod=0)
    recorder.record_pass(SOURCE, resource_types=[DB])

    results = evaluate(recorder, engine, "DB_INSTANCE_BACKUP_ENABLED", "db-instance-backup-enabled")
    assert results[weekly].compliance_type is ComplianceType.COMPLIANT
    assert results[none].compliance_type is ComplianceType.NON_COMPLIANT

    def judged(**parameters: str) -> ComplianceType:
        found = evaluate(
            recorder, engine, "DB_INSTANCE_BACKUP_ENABLED", "db-instance-backup-enabled", **parameters
        )
        return found[weekly].compliance_type

    assert judged(backupRetentionMinimum="7", preferredBackupWindow="03:00-04:00") is ComplianceType.COMPLIANT
    assert judged(backupRetentionMinimum="14") is ComplianceType.NON_COMPLIANT
    assert judged(backupRetentionPeriod="7") is ComplianceType.COMPLIANT
    assert judged(backupRetentionPeriod="30") is ComplianceType.NON_COMPLIANT
    assert judged(preferredBackupWindow="05:00-06:00") is ComplianceType.NON_COMPLIANT
