"""Lambda functions for the lambda-* rule tests: a role and a deployable package in the sandbox."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

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


def function_maker(aws: Callable[..., Any]) -> Callable[..., str]:
    """make(name, **CreateFunction parameters) -> the function's name (its resource id)."""
    role = aws("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
        "Arn"
    ]
    client = aws("lambda")

    def make(name: str, **extra: Any) -> str:
        client.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": package()},
            **extra,
        )
        return name

    return make
