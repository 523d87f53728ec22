"""Custom rules: CUSTOM_LAMBDA rules run their function (hosted by roost.functions) with the event
AWS Config sends, and the function reports back through PutEvaluations.

    event.py     the event a rule's function receives (change, oversized change, scheduled)
    invoker.py   LambdaRuleInvoker: the engine's hook for CUSTOM_LAMBDA rules
"""
