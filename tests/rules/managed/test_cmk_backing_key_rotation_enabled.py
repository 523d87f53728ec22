from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api


def test_keys_without_rotation_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    kms = aws("kms")
    rotating = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotating)
    still = kms.create_key()["KeyMetadata"]["KeyId"]
    asymmetric = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    recorder.record_pass(SOURCE, resource_types=["AWS::KMS::Key"])
    rule = managed_rule("CMK_BACKING_KEY_ROTATION_ENABLED", name="cmk-backing-key-rotation-enabled")
    recorder.store.rules.put(rule, now=recorder.clock.now())

    engine.evaluate_rule(rule)

    results = {r.resource_id: r.compliance_type for r in results_via_api(recorder.store, rule.name)}
    assert results == {
        rotating: ComplianceType.COMPLIANT,
        still: ComplianceType.NON_COMPLIANT,
        asymmetric: ComplianceType.NOT_APPLICABLE,
    }
