from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.managed.rule_helpers import evaluate_results


def test_the_account_summary_decides(recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]) -> None:
    # The sandbox, like a fresh account, reports AccountMFAEnabled 0 (root MFA cannot be set by API).
    results = evaluate_results(recorder, engine, "ROOT_ACCOUNT_MFA_ENABLED", "root-account-mfa-enabled")

    result = results[SOURCE.account_id]
    assert result.resource_type == "AWS::::Account"
    assert result.compliance_type is ComplianceType.NON_COMPLIANT
    assert result.annotation == "The root user has no MFA device."


def test_an_account_with_root_mfa_is_compliant(recorder: Recorder) -> None:
    from datetime import UTC, datetime

    from roost.rules.managed.root_account_mfa_enabled import RootAccountMfaEnabled
    from roost.rules.managed_rule import RuleContext

    class Iam:
        def get_account_summary(self) -> dict[str, Any]:
            return {"SummaryMap": {"AccountMFAEnabled": 1}}

    ctx = RuleContext(SOURCE, {}, datetime.now(UTC), recorder.store, lambda service: Iam())
    (verdict,) = RootAccountMfaEnabled().evaluate_periodic(ctx, [])
    assert verdict.compliance_type is ComplianceType.COMPLIANT
    assert (verdict.resource_type, verdict.resource_id) == ("AWS::::Account", SOURCE.account_id)
