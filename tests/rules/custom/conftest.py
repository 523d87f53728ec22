"""The whole stack custom rules run on: a live API (Config, STS, Lambda) over a real SQLite store,
the rule engine with its runner, the function host with real worker processes, and a recorder over
the sandbox cloud. Rules and functions are created through boto3, as users do."""

from __future__ import annotations

import io
import json
import textwrap
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config

from roost.api.app import ConfigApi
from roost.api.auth import KeyPair, KeyRing
from roost.api.context import ApiServices
from roost.api.lambda_api import LambdaApi
from roost.api.server import HttpServer, build_app
from roost.api.sts import StsApi
from roost.compliance import Owner
from roost.functions.host import FunctionHost
from roost.recorder.recorder import Recorder
from roost.rules.custom.invoker import LambdaRuleInvoker
from roost.rules.engine import RuleEngine
from roost.rules.runner import RuleRunner
from roost.store import Store
from tests.conftest import REGION, SOURCE

KEYS = KeyPair("test", "test", SOURCE.account_id)
ROLE = f"arn:aws:iam::{SOURCE.account_id}:role/config-rule-role"


def package(files: dict[str, str]) -> bytes:
    """A deployment package (zip) of these files, their text dedented."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, textwrap.dedent(text))
    return buffer.getvalue()


@dataclass
class Stack:
    store: Store
    recorder: Recorder
    engine: RuleEngine
    host: FunctionHost
    runner: RuleRunner
    server: HttpServer

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.server.url,
            region_name=REGION,
            aws_access_key_id=KEYS.key_id,
            aws_secret_access_key=KEYS.secret,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )

    def deploy(
        self,
        name: str,
        code: str,
        *,
        extra_files: dict[str, str] | None = None,
        timeout: int = 20,
        memory: int = 256,
        environment: dict[str, str] | None = None,
    ) -> str:
        """Create a function through the Lambda API (lambda_function.lambda_handler); its ARN."""
        created = self.client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": package({"lambda_function.py": code, **(extra_files or {})})},
            Timeout=timeout,
            MemorySize=memory,
            Environment={"Variables": environment or {}},
        )
        return str(created["FunctionArn"])

    def put_lambda_rule(
        self,
        name: str,
        function_arn: str,
        *,
        change_types: list[str] | None = None,
        periodic: str | None = None,
        parameters: dict[str, str] | None = None,
    ) -> None:
        details: list[dict[str, str]] = []
        if change_types is not None:
            details += [
                {"EventSource": "aws.config", "MessageType": m}
                for m in (
                    "ConfigurationItemChangeNotification",
                    "OversizedConfigurationItemChangeNotification",
                )
            ]
        if periodic is not None:
            details.append(
                {
                    "EventSource": "aws.config",
                    "MessageType": "ScheduledNotification",
                    "MaximumExecutionFrequency": periodic,
                }
            )
        rule: dict[str, Any] = {
            "ConfigRuleName": name,
            "Source": {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": function_arn, "SourceDetails": details},
        }
        if change_types:
            rule["Scope"] = {"ComplianceResourceTypes": change_types}
        if parameters is not None:
            import json

            rule["InputParameters"] = json.dumps(parameters)
        self.client("config").put_config_rule(ConfigRule=rule)

    def compliance(self, rule: str) -> dict[str, str]:
        """resource id -> compliance type, as GetComplianceDetailsByConfigRule shows it."""
        pages = self.client("config").get_paginator("get_compliance_details_by_config_rule")
        found: dict[str, str] = {}
        for page in pages.paginate(ConfigRuleName=rule):
            for result in page["EvaluationResults"]:
                qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
                found[qualifier["ResourceId"]] = result["ComplianceType"]
        return found

    def status(self, rule: str) -> dict[str, Any]:
        found = self.client("config").describe_config_rule_evaluation_status(ConfigRuleNames=[rule])
        return dict(found["ConfigRulesEvaluationStatus"][0])

    def record(self, *types: str) -> None:
        """Record these types once; the runner hands the new items to the change-triggered rules."""
        self.recorder.record_pass(SOURCE, resource_types=list(types))


EVENT_MARK = "ROOST-TEST-EVENT "
"""A function prints this, then json of what it wants the test to see, on one line of its log."""


def printed(stack: Stack, function: str, *, limit: int = 100) -> list[Any]:
    """What the function printed after EVENT_MARK, oldest invocation first."""
    found: list[Any] = []
    for entry in reversed(stack.host.logs(SOURCE, function, limit=limit)):
        for line in entry.log.splitlines():
            if line.startswith(EVENT_MARK):
                found.append(json.loads(line[len(EVENT_MARK) :]))
    return found


def wait_for(check: Callable[[], Any], *, timeout: float = 30.0, what: str = "the condition") -> Any:
    """Poll `check` until it returns something truthy; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last: {value!r}")
        time.sleep(0.1)


@pytest.fixture
def stack(recorder: Recorder) -> Iterator[Stack]:
    store = recorder.store
    engine = RuleEngine(store, recorder.connector, recorder.clock)
    host = FunctionHost(store, recorder.clock, recorder.connector)
    engine.custom_invokers[Owner.CUSTOM_LAMBDA] = LambdaRuleInvoker(engine, host)
    runner = RuleRunner(engine, periodic_check_seconds=0.5)
    recorder.listeners.append(runner.submit)
    keys = KeyRing([KEYS])
    services = ApiServices(
        store=store,
        clock=recorder.clock,
        recorder=recorder,
        rules=engine,
        evaluate_rule=runner.evaluate_soon,
        connector=recorder.connector,
        functions=host,
    )
    server = HttpServer(
        build_app(
            ConfigApi(services, keys, strict_output=True),
            sts_api=StsApi(services, keys),
            lambda_api=LambdaApi(services, keys),
        ),
        port=0,
    )
    server.start()
    host.serve(
        server.url, sts=True, grant=lambda key, secret, account: keys.add(KeyPair(key, secret, account))
    )
    runner.start()
    yield Stack(store, recorder, engine, host, runner, server)
    runner.stop()
    server.stop()
    host.close()
