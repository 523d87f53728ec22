"""lambda-concurrency-check (LAMBDA_CONCURRENCY_CHECK): the function has reserved concurrency.

NON_COMPLIANT without reserved concurrency (supplementary `Concurrency`). `ConcurrencyLimitLow` and
`ConcurrencyLimitHigh` (Strings in AWS's catalogue, integers here) bound it inclusively; a limit
that is not an integer is a parameter error.
"""

from __future__ import annotations

from typing import Any

from roost.model import ConfigurationItem
from roost.rules.managed_rule import (
    MANAGED_RULES,
    InvalidParameterError,
    ManagedRule,
    Parameter,
    RuleContext,
    Verdict,
)


def limit(params: dict[str, Any], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return int(str(raw).strip())
    except ValueError:
        raise InvalidParameterError(f"{name} must be an integer, got {raw!r}") from None


@MANAGED_RULES.register("LAMBDA_CONCURRENCY_CHECK")
class LambdaConcurrencyCheck(ManagedRule):
    identifier = "LAMBDA_CONCURRENCY_CHECK"
    name = "lambda-concurrency-check"
    resource_types = ("AWS::Lambda::Function",)
    parameters = (Parameter("ConcurrencyLimitHigh"), Parameter("ConcurrencyLimitLow"))

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        high, low = limit(ctx.params, "ConcurrencyLimitHigh"), limit(ctx.params, "ConcurrencyLimitLow")
        concurrency = (item.supplementary_configuration or {}).get("Concurrency") or {}
        reserved = concurrency.get("reservedConcurrentExecutions")
        if reserved is None:
            return Verdict.non_compliant(f"The function {item.resource_id} has no reserved concurrency.")
        if low is not None and int(reserved) < low:
            return Verdict.non_compliant(f"The reserved concurrency {reserved} is below {low}.")
        if high is not None and int(reserved) > high:
            return Verdict.non_compliant(f"The reserved concurrency {reserved} is above {high}.")
        return Verdict.compliant()
