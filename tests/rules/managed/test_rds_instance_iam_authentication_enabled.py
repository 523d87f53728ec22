from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import create_db, evaluate_results

DB = "AWS::RDS::DBInstance"


def test_supported_engines_need_iam_authentication(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds = aws("rds")
    with_iam = create_db(rds, "with-iam", EnableIAMDatabaseAuthentication=True)
    without = create_db(rds, "without", "mysql", EnableIAMDatabaseAuthentication=False)
    oracle = create_db(rds, "oracle", "oracle-ee", LicenseModel="bring-your-own-license")
    recorder.record_pass(SOURCE, resource_types=[DB])

    results = evaluate_results(
        recorder, engine, "RDS_INSTANCE_IAM_AUTHENTICATION_ENABLED", "rds-instance-iam-authentication-enabled"
    )

    assert results[with_iam].compliance_type is ComplianceType.COMPLIANT
    assert results[without].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[oracle].compliance_type is ComplianceType.NOT_APPLICABLE
