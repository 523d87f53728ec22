from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.model import ResourceKey
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from roost.rules.managed.lambda_dlq_check import LambdaDlqCheck
from roost.rules.managed_rule import RuleContext
from tests.conftest import SOURCE
from tests.rules.managed._lambda_support import function_maker
from tests.rules.managed.rule_helpers import annotations, evaluate

FUNCTION = "AWS::Lambda::Function"
C, N = ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT
QUEUE = "arn:aws:sqs:us-east-1:123456789012:dlq"


def test_functions_without_a_listed_dead_letter_queue_are_flagged(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    make = function_maker(aws)
    make("no-dlq")

    found = evaluate(recorder, engine, "LAMBDA_DLQ_CHECK", "lambda-dlq-check", [FUNCTION])

    assert found == {"no-dlq": N}
    assert (
        annotations(recorder, "lambda-dlq-check")["no-dlq"] == "The function no-dlq has no dead-letter queue."
    )
    # The sandbox (moto) drops DeadLetterConfig, so functions with one are judged on the recorded item
    # edited the way AWS Config records a function with a dead-letter queue.
    item = recorder.store.items.latest_item(SOURCE, ResourceKey(FUNCTION, "no-dlq"))
    assert item is not None
    with_dlq = dataclasses.replace(
        item, configuration={**(item.configuration or {}), "deadLetterConfig": {"targetArn": QUEUE}}
    )
    rule = LambdaDlqCheck()

    def judge(params: dict[str, Any]) -> ComplianceType:
        ctx = RuleContext(SOURCE, params, recorder.clock.now(), recorder.store, lambda service: None)
        return rule.evaluate(with_dlq, ctx).compliance_type

    assert judge({"dlqArns": None}) is C
    assert judge(LambdaDlqCheck.parse_parameters(f'{{"dlqArns": "{QUEUE}"}}')) is C
    assert (
        judge(LambdaDlqCheck.parse_parameters('{"dlqArns": "arn:aws:sqs:us-east-1:123456789012:other"}')) is N
    )
