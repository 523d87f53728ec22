"""lambda-dlq-check (LAMBDA_DLQ_CHECK): the function has a dead-letter queue.

NON_COMPLIANT when the recorded `deadLetterConfig.targetArn` is unset or, with `dlqArns`, not one
of the listed SQS queue or SNS topic ARNs.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Verdict


@MANAGED_RULES.register("LAMBDA_DLQ_CHECK")
class LambdaDlqCheck(ManagedRule):
    identifier = "LAMBDA_DLQ_CHECK"
    name = "lambda-dlq-check"
    resource_types = ("AWS::Lambda::Function",)
    parameters = (Parameter("dlqArns", "CSV"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        target = ((item.configuration or {}).get("deadLetterConfig") or {}).get("targetArn")
        if not target:
            return Verdict.non_compliant(f"The function {item.resource_id} has no dead-letter queue.")
        allowed = ctx.params.get("dlqArns") or []
        if allowed and target not in allowed:
            return Verdict.non_compliant(f"The dead-letter queue {target} is not one of dlqArns.")
        return Verdict.compliant()
