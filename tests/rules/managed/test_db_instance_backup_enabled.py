from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import create_db, evaluate_results

DB = "AWS::RDS::DBInstance"


def test_instances_need_automated_backups_matching_the_parameters(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds = aws("rds")
    weekly = create_db(rds, "weekly", BackupRetentionPeriod=7, PreferredBackupWindow="03:00-04:00")
    none = create_db(rds, "none", BackupRetentionPeriod=0)
    recorder.record_pass(SOURCE, resource_types=[DB])

    results = evaluate_results(recorder, engine, "DB_INSTANCE_BACKUP_ENABLED", "db-instance-backup-enabled")
    assert results[weekly].compliance_type is ComplianceType.COMPLIANT
    assert results[none].compliance_type is ComplianceType.NON_COMPLIANT

    def judged(**parameters: str) -> ComplianceType:
        found = evaluate_results(
            recorder, engine, "DB_INSTANCE_BACKUP_ENABLED", "db-instance-backup-enabled", **parameters
        )
        return found[weekly].compliance_type

    assert judged(backupRetentionMinimum="7", preferredBackupWindow="03:00-04:00") is ComplianceType.COMPLIANT
    assert judged(backupRetentionMinimum="14") is ComplianceType.NON_COMPLIANT
    assert judged(backupRetentionPeriod="7") is ComplianceType.COMPLIANT
    assert judged(backupRetentionPeriod="30") is ComplianceType.NON_COMPLIANT
    assert judged(preferredBackupWindow="05:00-06:00") is ComplianceType.NON_COMPLIANT
