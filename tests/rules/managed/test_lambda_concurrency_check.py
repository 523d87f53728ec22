from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.rules.managed._lambda_support import function_maker
from tests.rules.managed.rule_helpers import annotations, evaluate

FUNCTION = "AWS::Lambda::Function"
C, N = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT


def test_functions_without_reserved_concurrency_in_bounds_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    make = function_maker(aws)
    client = aws("lambda")
    for name, reserved in (("unbounded", None), ("small", 2), ("medium", 10), ("large", 500)):
        make(name)
        if reserved is not None:
            client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)

    found = evaluate(recorder, engine, "LAMBDA_CONCURRENCY_CHECK", "lambda-concurrency-check", [FUNCTION])
    bounded = evaluate(
        recorder, engine, "LAMBDA_CONCURRENCY_CHECK", "lambda-concurrency-bounded", [FUNCTION],
        {"ConcurrencyLimitLow": "5", "ConcurrencyLimitHigh": "100"},
    )  # fmt: skip

    assert found == {"unbounded": N, "small": C, "medium": C, "large": C}
    assert bounded == {"unbounded": N, "small": N, "medium": C, "large": N}
    assert (
        annotations(recorder, "lambda-concurrency-bounded")["large"]
        == "The reserved concurrency 500 is above 100."
    )
