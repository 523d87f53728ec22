from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api

TABLE = "AWS::DynamoDB::Table"


def make_table(dynamodb: Any, name: str) -> None:
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_tables_without_pitr_are_non_compliant_until_it_is_enabled(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    dynamodb = aws("dynamodb")
    make_table(dynamodb, "orders")
    make_table(dynamodb, "sessions")
    dynamodb.update_continuous_backups(
        TableName="orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    recorder.listeners.append(engine.handle_items)
    recorder.record_pass(SOURCE, resource_types=[TABLE])
    rule = managed_rule("DYNAMODB_PITR_ENABLED", name="dynamodb-pitr-enabled")
    recorder.store.rules.put(rule, now=recorder.clock.now())

    engine.evaluate_rule(rule)

    def results() -> dict[str, ComplianceType]:
        return {r.resource_id: r.compliance_type for r in results_via_api(recorder.store, rule.name)}

    assert results() == {"orders": ComplianceType.COMPLIANT, "sessions": ComplianceType.NON_COMPLIANT}
    dynamodb.update_continuous_backups(
        TableName="sessions", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    recorder.record_pass(SOURCE, resource_types=[TABLE])  # the change triggers the rule
    assert results()["sessions"] is ComplianceType.COMPLIANT
