"""Rules over the sandbox: a recorder that has recorded, and the engine over the same store."""

from __future__ import annotations

import json

import pytest

from roost.compliance import ConfigRule, Owner, RuleScope, RuleSource
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE


@pytest.fixture
def engine(recorder: Recorder) -> RuleEngine:
    """A rule engine over the recorder's store and cloud (the recorder records us-east-1 of the sandbox)."""
    return RuleEngine(recorder.store, recorder.connector, recorder.clock)


def managed_rule(
    identifier: str,
    *,
    name: str | None = None,
    parameters: dict[str, str] | None = None,
    scope: RuleScope | None = None,
) -> ConfigRule:
    """A managed rule of the sandbox account in us-east-1, as PutConfigRule would store it."""
    return ConfigRule(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        name=name or identifier.lower().replace("_", "-"),
        rule_id=f"config-rule-{abs(hash(identifier)) % 10**6:06d}",
        source=RuleSource(owner=Owner.AWS, source_identifier=identifier),
        scope=scope or RuleScope(),
        input_parameters=json.dumps(parameters or {}),
    )
