"""Every way a custom rule's function can fail shows in DescribeConfigRuleEvaluationStatus
(LastErrorCode, LastErrorMessage, LastFailedInvocationTime), and the other rules of the stack go on
evaluating."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import SOURCE
from tests.rules.custom.conftest import Stack, printed, wait_for

# A periodic rule that works: it reports the account COMPLIANT on every run.
HEALTHY = """
import json
import boto3


def lambda_handler(event, context):
    invoking_event = json.loads(event["invokingEvent"])
    boto3.client("config").put_evaluations(
        Evaluations=[
            {
                "ComplianceResourceType": "AWS::::Account",
                "ComplianceResourceId": event["accountId"],
                "ComplianceType": "COMPLIANT",
                "OrderingTimestamp": invoking_event["notificationCreationTime"],
            }
        ],
        ResultToken=event["resultToken"],
    )
"""

RAISES = """
import json


def lambda_handler(event, context):
    parameters = json.loads(event["ruleParameters"])
    return parameters["requiredParameter"]
"""

LOOPS = """
def lambda_handler(event, context):
    while True:
        pass
"""

EATS_MEMORY = """
def lambda_handler(event, context):
    hoard = [b"x" * (1024 * 1024) for _ in range(400)]
    return len(hoard)
"""

EXITS = """
import os


def lambda_handler(event, context):
    os._exit(3)
"""

SEGFAULTS = """
import ctypes


def lambda_handler(event, context):
    ctypes.string_at(0)
"""

INSUFFICIENT_DATA = """
import json
import boto3


def lambda_handler(event, context):
    invoking_event = json.loads(event["invokingEvent"])
    answer = boto3.client("config").put_evaluations(
        Evaluations=[
            {
                "ComplianceResourceType": "AWS::::Account",
                "ComplianceResourceId": event["accountId"],
                "ComplianceType": "INSUFFICIENT_DATA",
                "OrderingTimestamp": invoking_event["notificationCreationTime"],
            }
        ],
        ResultToken=event["resultToken"],
    )
    print("ROOST-TEST-EVENT " + json.dumps(answer["FailedEvaluations"], default=str))
"""

BOGUS_TOKEN = """
import json
import boto3


def lambda_handler(event, context):
    invoking_event = json.loads(event["invokingEvent"])
    boto3.client("config").put_evaluations(
        Evaluations=[
            {
                "ComplianceResourceType": "AWS::::Account",
                "ComplianceResourceId": event["accountId"],
                "ComplianceType": "COMPLIANT",
                "OrderingTimestamp": invoking_event["notificationCreationTime"],
            }
        ],
        ResultToken="not-a-token-roost-issued",
    )
"""

# The RDK template's way to fail: return an error document instead of raising.
ERROR_DOCUMENT = """
def lambda_handler(event, context):
    return {
        "internalErrorMessage": "Customer error while making API request",
        "internalErrorDetails": "details",
        "customerErrorCode": "X",
        "customerErrorMessage": "Y",
    }
"""


def _failure(stack: Stack, rule: str) -> dict[str, Any] | None:
    status = stack.status(rule)
    return status if "LastErrorCode" in status else None


def _healthy_alongside(stack: Stack) -> None:
    arn = stack.deploy("healthy", HEALTHY)
    stack.put_lambda_rule("healthy", arn, periodic="One_Hour")


def _assert_healthy_evaluated(stack: Stack) -> None:
    assert wait_for(lambda: stack.compliance("healthy"), what="the healthy rule's result") == {
        SOURCE.account_id: "COMPLIANT"
    }
    status = wait_for(
        lambda: "LastSuccessfulInvocationTime" in stack.status("healthy") and stack.status("healthy"),
        what="the healthy rule's status",
    )
    assert "LastErrorCode" not in status


@pytest.mark.parametrize(
    ("code", "options", "error_code", "message"),
    [
        pytest.param(RAISES, {}, "KeyError", "'requiredParameter'", id="raises"),
        pytest.param(LOOPS, {"timeout": 1}, "Sandbox.Timedout", "Task timed out after 1", id="timeout"),
        pytest.param(
            EATS_MEMORY, {"memory": 128}, "Runtime.OutOfMemory", "signal: killed", id="out-of-memory"
        ),
        pytest.param(EXITS, {}, "Runtime.ExitError", "Runtime exited with error", id="os-exit"),
        pytest.param(SEGFAULTS, {}, "Runtime.ExitError", "Runtime exited with error", id="segfault"),
        pytest.param(ERROR_DOCUMENT, {}, "X", "Y (request ", id="error-document"),
        pytest.param(BOGUS_TOKEN, {}, "InvalidResultTokenException", "", id="bogus-result-token"),
    ],
)
def test_a_failing_function_shows_in_the_rule_status(
    stack: Stack, code: str, options: dict[str, Any], error_code: str, message: str
) -> None:
    arn = stack.deploy("failing", code, **options)
    stack.put_lambda_rule("failing", arn, periodic="One_Hour")
    _healthy_alongside(stack)
    status = wait_for(lambda: _failure(stack, "failing"), what="the failure in the rule's status")
    assert status["LastErrorCode"] == error_code
    assert message in status["LastErrorMessage"]
    assert status["LastFailedInvocationTime"]
    assert "LastSuccessfulInvocationTime" not in status
    assert stack.compliance("failing") == {}
    _assert_healthy_evaluated(stack)


def test_insufficient_data_is_refused_to_the_function_and_shown_in_the_status(stack: Stack) -> None:
    arn = stack.deploy("insufficient", INSUFFICIENT_DATA)
    stack.put_lambda_rule("insufficient", arn, periodic="One_Hour")
    _healthy_alongside(stack)
    status = wait_for(lambda: _failure(stack, "insufficient"), what="the rejection in the rule's status")
    assert status["LastErrorCode"] == "InvalidParameterValueException"
    assert "INSUFFICIENT_DATA" in status["LastErrorMessage"]
    assert status["LastFailedInvocationTime"]
    (failed,) = wait_for(lambda: printed(stack, "insufficient"), what="the function's FailedEvaluations")
    assert len(failed) == 1
    assert failed[0]["ComplianceType"] == "INSUFFICIENT_DATA"
    assert failed[0]["ComplianceResourceId"] == SOURCE.account_id
    assert stack.compliance("insufficient") == {}
    _assert_healthy_evaluated(stack)


def test_a_rule_whose_function_was_deleted_fails_with_resource_not_found(stack: Stack) -> None:
    arn = stack.deploy("short-lived", HEALTHY)
    stack.put_lambda_rule("short-lived", arn, periodic="One_Hour")
    wait_for(lambda: stack.compliance("short-lived"), what="a first run")
    stack.client("lambda").delete_function(FunctionName="short-lived")
    _healthy_alongside(stack)
    stack.client("config").start_config_rules_evaluation(ConfigRuleNames=["short-lived"])
    status = wait_for(lambda: _failure(stack, "short-lived"), what="the failure in the rule's status")
    assert status["LastErrorCode"] == "ResourceNotFoundException"
    assert arn in status["LastErrorMessage"]
    assert status["LastFailedInvocationTime"]
    _assert_healthy_evaluated(stack)


def test_a_rule_naming_a_function_that_does_not_exist_is_refused(stack: Stack) -> None:
    missing = f"arn:aws:lambda:us-east-1:{SOURCE.account_id}:function:no-such-function"
    with pytest.raises(ClientError) as raised:
        stack.put_lambda_rule("nowhere", missing, periodic="One_Hour")
    assert raised.value.response["Error"]["Code"] == "InsufficientPermissionsException"
    assert stack.client("config").describe_config_rules()["ConfigRules"] == []


def test_a_rule_cannot_run_another_account_s_function(stack: Stack) -> None:
    from roost.model import AccountRegion
    from tests.rules.custom.conftest import package

    theirs = stack.host.create(
        AccountRegion("210987654321", SOURCE.region),
        name="theirs",
        runtime="python3.12",
        handler="lambda_function.lambda_handler",
        role="arn:aws:iam::210987654321:role/theirs",
        package=package({"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}),
    )
    # Refused exactly as a function that does not exist: nothing tells whether it does.
    with pytest.raises(ClientError) as raised:
        stack.put_lambda_rule("borrowed", theirs.arn, periodic="One_Hour")
    assert raised.value.response["Error"]["Code"] == "InsufficientPermissionsException"
    assert stack.host.logs(AccountRegion("210987654321", SOURCE.region), "theirs") == []
