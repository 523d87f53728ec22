from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import evaluate_results


def test_the_region_setting_decides_the_account_verdict(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    name = "ec2-ebs-encryption-by-default"
    results = evaluate_results(recorder, engine, "EC2_EBS_ENCRYPTION_BY_DEFAULT", name)
    assert results[SOURCE.account_id].resource_type == "AWS::::Account"
    assert results[SOURCE.account_id].compliance_type is ComplianceType.NON_COMPLIANT

    aws("ec2").enable_ebs_encryption_by_default()
    results = evaluate_results(recorder, engine, "EC2_EBS_ENCRYPTION_BY_DEFAULT", name)
    assert results[SOURCE.account_id].compliance_type is ComplianceType.COMPLIANT
