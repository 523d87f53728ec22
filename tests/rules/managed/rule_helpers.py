"""Shared by the managed-rule tests: record some types, put one managed rule, evaluate it."""

from __future__ import annotations

import dataclasses
import zlib

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule


def evaluate(
    recorder: Recorder,
    engine: RuleEngine,
    identifier: str,
    name: str,
    resource_types: list[str],
    parameters: dict[str, str] | None = None,
) -> dict[str, ComplianceType]:
    """Record `resource_types`, evaluate the rule over them; each resource id's compliance."""
    recorder.record_pass(SOURCE, resource_types=resource_types)
    rule = managed_rule(identifier, name=name, parameters=parameters)
    # Two rules of one identifier in a test need distinct ids (managed_rule derives it from the identifier).
    rule = dataclasses.replace(rule, rule_id=f"config-rule-{zlib.crc32(name.encode()):08x}")
    recorder.store.rules.put(rule, now=recorder.clock.now())
    engine.evaluate_rule(rule)
    return {
        r.resource_id: r.compliance_type
        for r in recorder.store.evaluations.results(SOURCE, rule_names=[rule.name])
    }


def annotations(recorder: Recorder, name: str) -> dict[str, str | None]:
    return {
        r.resource_id: r.annotation for r in recorder.store.evaluations.results(SOURCE, rule_names=[name])
    }
