from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import create_db, evaluate_results

DB = "AWS::RDS::DBInstance"


def test_instances_without_automatic_minor_upgrades_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds = aws("rds")
    upgraded = create_db(rds, "upgraded", AutoMinorVersionUpgrade=True)
    pinned = create_db(rds, "pinned", AutoMinorVersionUpgrade=False)
    recorder.record_pass(SOURCE, resource_types=[DB])

    results = evaluate_results(
        recorder,
        engine,
        "RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED",
        "rds-automatic-minor-version-upgrade-enabled",
    )

    assert results[upgraded].compliance_type is ComplianceType.COMPLIANT
    assert results[pinned].compliance_type is ComplianceType.NON_COMPLIANT
