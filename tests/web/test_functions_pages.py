"""Functions in the browser: a hosted function, the custom rule that runs it, its invocation logs."""

from __future__ import annotations

import io
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from roost.model import AccountRegion
from tests.web.conftest import LiveRoost, eventually

SOURCE = AccountRegion("123456789012", "us-east-1")
CODE = textwrap.dedent(
    """
    import boto3

    def lambda_handler(event, context):
        print("judging the account for", event["configRuleName"])
        boto3.client("config").put_evaluations(Evaluations=[], ResultToken=event["resultToken"])
        raise ValueError("no resource to judge")
    """
)


def package(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", code)
    return buffer.getvalue()


@pytest.mark.slow
def test_a_function_its_rule_and_its_invocation_logs(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    live_roost.roost.ensure_recording(SOURCE)  # a rule needs a recorder
    page.goto(live_roost.url + "/functions")
    assert page.title() == "Functions · roost"
    assert "No function" in page.locator("[data-test=function-list]").inner_text()

    function = live_roost.roost.functions.create(
        SOURCE,
        name="account-check",
        runtime="python3.11",
        handler="lambda_function.lambda_handler",
        role="arn:aws:iam::123456789012:role/config-rule-role",
        package=package(CODE),
        timeout=30,
        environment={"SECRET_TOKEN": "do-not-show-me"},
    )
    live_roost.config().put_config_rule(
        ConfigRule={
            "ConfigRuleName": "account-check",
            "Source": {
                "Owner": "CUSTOM_LAMBDA",
                "SourceIdentifier": function.arn,
                "SourceDetails": [
                    {
                        "EventSource": "aws.config",
                        "MessageType": "ScheduledNotification",
                        "MaximumExecutionFrequency": "One_Hour",
                    }
                ],
            },
        }
    )
    page.reload()
    row = page.locator("[data-test=function-list] tr", has_text="account-check")
    assert "python3.11" in row.inner_text() and "30 s" in row.inner_text() and "128 MB" in row.inner_text()
    shot("functions-list")

    assert eventually(lambda: live_roost.roost.functions.logs(SOURCE, "account-check"), timeout=60)
    row.locator("a", has_text="account-check").first.click()
    assert "lambda_function.lambda_handler" in page.locator("[data-test=function-config]").inner_text()
    environment = page.locator("[data-test=function-environment]").inner_text()
    assert "SECRET_TOKEN" in environment and "do-not-show-me" not in page.content()
    assert "account-check" in environment  # the rule that runs it
    logs = page.locator("[data-test=function-logs]")
    assert "config-rule/account-check" in logs.inner_text()
    assert "ValueError" in logs.inner_text() and "no resource to judge" in logs.inner_text()
    logs.locator("summary").first.click()
    assert "judging the account for account-check" in logs.locator("pre.log").first.inner_text()
    shot("function-detail")

    page.goto(live_roost.url + "/functions/no-such-function")
    assert "ResourceNotFoundException" in page.locator("[role=alert]").inner_text()
