"""For every managed rule roost has: a resource it judged that is then deleted drops out (NOT_APPLICABLE),
read back through the API. The engine does this for all rules alike, change-triggered or periodic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from roost.clock import FrozenClock
from roost.cloud import CloudConnector
from roost.compliance import ComplianceType, EvaluationResult
from roost.model import ConfigurationItem, ItemStatus
from roost.rules.engine import RuleEngine
from roost.rules.managed_rule import load_managed_rules
from roost.store import Store
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import compliance_via_api

RULES = [
    (identifier, rule.resource_types[0])
    for identifier, rule in load_managed_rules().items()
    if rule.resource_types
]


@pytest.mark.parametrize(("identifier", "resource_type"), RULES, ids=[r[0] for r in RULES])
def test_a_deleted_resource_becomes_not_applicable(
    identifier: str, resource_type: str, tmp_path: Path
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'roost.db'}")
    clock = FrozenClock(datetime(2026, 11, 29, tzinfo=UTC))
    engine = RuleEngine(store, CloudConnector([]), clock)
    rule = managed_rule(identifier)
    store.rules.put(rule, now=clock.now())
    judged = EvaluationResult(
        rule.name,
        resource_type,
        "judged-1",
        ComplianceType.NON_COMPLIANT,
        clock.now(),
        clock.now(),
        clock.now(),
    )
    engine.store_results(SOURCE, [judged])
    clock.advance(timedelta(minutes=5))
    deleted = ConfigurationItem(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        resource_type=resource_type,
        resource_id="judged-1",
        capture_time=clock.now(),
        status=ItemStatus.RESOURCE_DELETED,
        configuration_state_id=1,
        aws_region=SOURCE.region,
    )
    never_judged = ConfigurationItem(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        resource_type=resource_type,
        resource_id="never-judged",
        capture_time=clock.now(),
        status=ItemStatus.RESOURCE_DELETED,
        configuration_state_id=1,
        aws_region=SOURCE.region,
    )

    engine.handle_items([deleted, never_judged])

    assert compliance_via_api(store, rule.name) == {"judged-1": ComplianceType.NOT_APPLICABLE}
    store.close()
