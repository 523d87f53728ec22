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


def test_supported_engines_need_iam_authentication(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    rds = aws("rds")
    with_iam = create_db(rds, "with-iam", EnableIAMDatabaseAuthentication=True)
    without = create_db(rds, "without", "mysql", EnableIAMDatabaseAuthentication=False)
    oracle = create_db(rds, "oracle", "oracle-ee", LicenseModel="bring-your-own-license")
    recorder.record_pass(SOURCE, resource_types=[DB])

    results = evaluate(
        recorder, engine, "RDS_INSTANCE_IAM_AUTHENTICATION_ENABLED", "rds-instance-iam-authentication-enabled"
    )

    assert results[with_iam].compliance_type is ComplianceType.COMPLIANT
    assert results[without].compliance_type is ComplianceType.NON_COMPLIANT
    assert results[oracle].compliance_type is ComplianceType.NOT_APPLICABLE
