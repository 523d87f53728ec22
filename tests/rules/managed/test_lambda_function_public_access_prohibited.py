from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from roost.compliance import ComplianceType
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule
from tests.rules.managed.rule_helpers import results_via_api

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def test_functions_anyone_may_invoke_are_non_compliant(
    recorder: Recorder, engine: RuleEngine, aws: Callable[..., Any]
) -> None:
    role = aws("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
        "Arn"
    ]
    lam = aws("lambda")
    for name in ("public", "from-s3", "plain"):
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": package()},
        )
    lam.add_permission(
        FunctionName="public", StatementId="anyone", Action="lambda:InvokeFunction", Principal="*"
    )
    lam.add_permission(
        FunctionName="from-s3",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::uploads",
    )
    recorder.record_pass(SOURCE, resource_types=["AWS::Lambda::Function"])
    rule = managed_rule(
        "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED", name="lambda-function-public-access-prohibited"
    )
    recorder.store.rules.put(rule, now=recorder.clock.now())

    engine.evaluate_rule(rule)

    results = {r.resource_id: r for r in results_via_api(recorder.store, rule.name)}
    assert results["public"].compliance_type is ComplianceType.NON_COMPLIANT
    assert results["public"].annotation == (
        "The function's resource policy allows public access (statements: anyone)."
    )
    assert results["from-s3"].compliance_type is ComplianceType.COMPLIANT
    assert results["plain"].compliance_type is ComplianceType.COMPLIANT
