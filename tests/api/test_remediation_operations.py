"""The 8 remediation operations through boto3 (and the AWS CLI once) against a live roost: AWS's
errors, the configuration ARN and defaults, exceptions with paging and expiry, and executions run by
a real RemediationEngine on the sandbox."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from roost.compliance import ComplianceType, EvaluationResult
from roost.remediation.engine import RemediationEngine
from roost.remediation.model import Execution, ExecutionState, ExecutionStep, StepState
from tests.api.conftest import LiveApi, aws_configservice
from tests.api.test_rule_operations import put_recorder
from tests.conftest import SOURCE

SG = "AWS::EC2::SecurityGroup"
RULE = "restricted-ssh"
DOC = "AWS-DisablePublicAccessForSecurityGroup"
ROLE = f"arn:aws:iam::{SOURCE.account_id}:role/remediation"
ARN = re.compile(
    rf"^arn:aws:config:us-east-1:{SOURCE.account_id}:remediation-configuration/{RULE}/[0-9a-f-]{{36}}$"
)


def remediation(**changes: Any) -> dict[str, Any]:
    return {
        "ConfigRuleName": RULE,
        "TargetType": "SSM_DOCUMENT",
        "TargetId": DOC,
        "Parameters": {"GroupId": {"ResourceValue": {"Value": "RESOURCE_ID"}}},
        "ResourceType": SG,
        "Automatic": False,
        **changes,
    }


def key(group: str) -> dict[str, str]:
    return {"resourceType": SG, "resourceId": group}


def exception_key(resource_id: str) -> dict[str, str]:
    return {"ResourceType": SG, "ResourceId": resource_id}


@pytest.fixture
def rule(live_api: LiveApi, config: Any) -> str:
    put_recorder(live_api.services.store)
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": RULE,
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
        }
    )
    return RULE


@pytest.fixture
def engine(live_api: LiveApi) -> Iterator[RemediationEngine]:
    services = live_api.services
    assert services.connector is not None
    made = RemediationEngine(services.store, services.connector, services.clock, workers=1)
    services.remediation = made
    yield made
    services.remediation = None
    made.close()


def stored_execution(
    live_api: LiveApi, group: str, state: ExecutionState, *, seconds_ago: float = 5
) -> Execution:
    when = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    execution = Execution(
        str(uuid.uuid4()),
        SOURCE.account_id,
        SOURCE.region,
        RULE,
        SG,
        group,
        DOC,
        state,
        when,
        when,
        steps=(ExecutionStep("CustomIpCheck", StepState.SUCCEEDED, None, when, when),),
    )
    live_api.services.store.remediation.save_execution(execution)
    return execution


def eventually(check: Callable[[], Any], *, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# --- configurations ---------------------------------------------------------------------------------


def test_put_describe_and_update_keep_the_arn_and_show_aws_defaults(config: Any, rule: str) -> None:
    assert (
        config.put_remediation_configurations(RemediationConfigurations=[remediation()])["FailedBatches"]
        == []
    )
    (shown,) = config.describe_remediation_configurations(ConfigRuleNames=[rule])["RemediationConfigurations"]
    assert ARN.match(shown["Arn"]), shown["Arn"]
    assert shown["TargetId"] == DOC and shown["TargetType"] == "SSM_DOCUMENT"
    assert shown["Parameters"] == {"GroupId": {"ResourceValue": {"Value": "RESOURCE_ID"}}}
    assert (shown["ResourceType"], shown["Automatic"]) == (SG, False)
    assert (shown["MaximumAutomaticAttempts"], shown["RetryAttemptSeconds"]) == (5, 60)

    automatic = remediation(
        Automatic=True,
        Parameters={
            "GroupId": {"ResourceValue": {"Value": "RESOURCE_ID"}},
            "AutomationAssumeRole": {"StaticValue": {"Values": [ROLE]}},
        },
        MaximumAutomaticAttempts=3,
        RetryAttemptSeconds=120,
        ExecutionControls={"SsmControls": {"ConcurrentExecutionRatePercentage": 20, "ErrorPercentage": 40}},
    )
    config.put_remediation_configurations(RemediationConfigurations=[automatic])
    (updated,) = config.describe_remediation_configurations(ConfigRuleNames=[rule])[
        "RemediationConfigurations"
    ]
    assert updated["Arn"] == shown["Arn"]
    assert updated["Automatic"] is True
    assert updated["Parameters"]["AutomationAssumeRole"] == {"StaticValue": {"Values": [ROLE]}}
    assert (updated["MaximumAutomaticAttempts"], updated["RetryAttemptSeconds"]) == (3, 120)
    assert updated["ExecutionControls"] == {
        "SsmControls": {"ConcurrentExecutionRatePercentage": 20, "ErrorPercentage": 40}
    }
    assert (
        config.describe_remediation_configurations(ConfigRuleNames=["other"])["RemediationConfigurations"]
        == []
    )


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"ConfigRuleName": "no-such-rule"}, "unknown rule"),
        ({"TargetId": "AWS-NoSuchDocument"}, "unknown document"),
        (
            {
                "Parameters": {
                    "GroupId": {"ResourceValue": {"Value": "RESOURCE_ID"}},
                    "Bogus": {"StaticValue": {"Values": ["x"]}},
                }
            },
            "unknown parameter",
        ),
        (
            {"Parameters": {"IpAddressToBlock": {"StaticValue": {"Values": ["1.2.3.4/32"]}}}},
            "missing GroupId",
        ),
        (
            {
                "Parameters": {
                    "GroupId": {
                        "ResourceValue": {"Value": "RESOURCE_ID"},
                        "StaticValue": {"Values": ["sg-1"]},
                    }
                }
            },
            "both ResourceValue and StaticValue",
        ),
        ({"Automatic": True}, "automatic without AutomationAssumeRole"),
        (
            {
                "Automatic": True,
                "Parameters": {
                    "GroupId": {"ResourceValue": {"Value": "RESOURCE_ID"}},
                    "AutomationAssumeRole": {"ResourceValue": {"Value": "RESOURCE_ID"}},
                },
            },
            "automatic with a non-static AutomationAssumeRole",
        ),
        (
            {
                "Parameters": {
                    "GroupId": {"ResourceValue": {"Value": "RESOURCE_ID"}},
                    "AutomationAssumeRole": {
                        "StaticValue": {"Values": ["arn:aws:iam::210987654321:role/theirs"]}
                    },
                },
            },
            "a role of another account (a remediation acts only on its own account)",
        ),
    ],
)
def test_bad_configurations_are_invalid_parameter_values(
    config: Any, rule: str, client_error: Callable[..., str], changes: dict[str, Any], why: str
) -> None:
    code = client_error(
        lambda: config.put_remediation_configurations(RemediationConfigurations=[remediation(**changes)])
    )
    assert code == "InvalidParameterValueException", why
    assert (
        config.describe_remediation_configurations(ConfigRuleNames=[rule])["RemediationConfigurations"] == []
    )


def test_delete_configuration_errors_and_the_rule_it_keeps_in_use(
    live_api: LiveApi, config: Any, rule: str, client_error: Callable[..., str]
) -> None:
    assert client_error(lambda: config.delete_remediation_configuration(ConfigRuleName=rule)) == (
        "NoSuchRemediationConfigurationException"
    )
    config.put_remediation_configurations(RemediationConfigurations=[remediation()])
    assert client_error(lambda: config.delete_config_rule(ConfigRuleName=rule)) == "ResourceInUseException"

    running = stored_execution(live_api, "sg-0123", ExecutionState.IN_PROGRESS)
    assert client_error(lambda: config.delete_remediation_configuration(ConfigRuleName=rule)) == (
        "RemediationInProgressException"
    )
    live_api.services.store.remediation.save_execution(
        Execution(**{**running.__dict__, "state": ExecutionState.SUCCEEDED})
    )
    config.delete_remediation_configuration(ConfigRuleName=rule, ResourceType=SG)
    assert (
        config.describe_remediation_configurations(ConfigRuleNames=[rule])["RemediationConfigurations"] == []
    )
    config.delete_config_rule(ConfigRuleName=rule)  # no longer in use


# --- exceptions -------------------------------------------------------------------------------------


def test_exceptions_put_describe_with_paging_filters_and_expiry(config: Any, rule: str) -> None:
    ids = [f"sg-{n:04x}" for n in range(5)]
    later = datetime.now(UTC) + timedelta(days=1)
    assert (
        config.put_remediation_exceptions(
            ConfigRuleName=rule,
            ResourceKeys=[exception_key(i) for i in ids],
            Message="known",
            ExpirationTime=later,
        )["FailedBatches"]
        == []
    )
    config.put_remediation_exceptions(
        ConfigRuleName=rule,
        ResourceKeys=[exception_key("sg-expired")],
        ExpirationTime=datetime.now(UTC) - timedelta(minutes=1),
    )

    seen: list[dict[str, Any]] = []
    token: str | None = None
    pages = 0
    while True:
        page = config.describe_remediation_exceptions(
            ConfigRuleName=rule, Limit=2, **({"NextToken": token} if token else {})
        )
        pages += 1
        assert len(page["RemediationExceptions"]) <= 2
        seen.extend(page["RemediationExceptions"])
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert [e["ResourceId"] for e in seen] == ids  # the expired one is hidden
    assert {(e["ConfigRuleName"], e["ResourceType"], e["Message"]) for e in seen} == {(rule, SG, "known")}
    assert abs(seen[0]["ExpirationTime"] - later) < timedelta(seconds=1)

    chosen = config.describe_remediation_exceptions(
        ConfigRuleName=rule,
        ResourceKeys=[exception_key(ids[3]), exception_key("sg-expired"), exception_key("sg-none")],
    )["RemediationExceptions"]
    assert [e["ResourceId"] for e in chosen] == [ids[3]]


def test_deleting_exceptions_reports_the_missing_ones(
    config: Any, rule: str, client_error: Callable[..., str]
) -> None:
    config.put_remediation_exceptions(
        ConfigRuleName=rule, ResourceKeys=[exception_key("sg-a"), exception_key("sg-b")]
    )
    answer = config.delete_remediation_exceptions(
        ConfigRuleName=rule, ResourceKeys=[exception_key("sg-a"), exception_key("sg-missing")]
    )
    (batch,) = answer["FailedBatches"]
    assert batch["FailedItems"] == [exception_key("sg-missing")]
    left = config.describe_remediation_exceptions(ConfigRuleName=rule)["RemediationExceptions"]
    assert [e["ResourceId"] for e in left] == ["sg-b"]
    assert (
        client_error(
            lambda: config.delete_remediation_exceptions(
                ConfigRuleName=rule, ResourceKeys=[exception_key("sg-a"), exception_key("sg-missing")]
            )
        )
        == "NoSuchRemediationExceptionException"
    )
    assert (
        config.delete_remediation_exceptions(ConfigRuleName=rule, ResourceKeys=[exception_key("sg-b")])[
            "FailedBatches"
        ]
        == []
    )
    assert config.describe_remediation_exceptions(ConfigRuleName=rule)["RemediationExceptions"] == []


def test_an_exception_for_a_compliant_resource_is_a_failed_batch(
    live_api: LiveApi, config: Any, rule: str
) -> None:
    now = datetime.now(UTC)
    live_api.services.store.evaluations.put(
        SOURCE,
        [
            EvaluationResult(rule, SG, "sg-fine", ComplianceType.COMPLIANT, now, now, now),
            EvaluationResult(rule, SG, "sg-open", ComplianceType.NON_COMPLIANT, now, now, now),
        ],
    )
    answer = config.put_remediation_exceptions(
        ConfigRuleName=rule, ResourceKeys=[exception_key("sg-fine"), exception_key("sg-open")]
    )
    (batch,) = answer["FailedBatches"]
    assert [(i["ResourceType"], i["ResourceId"]) for i in batch["FailedItems"]] == [(SG, "sg-fine")]
    left = config.describe_remediation_exceptions(ConfigRuleName=rule)["RemediationExceptions"]
    assert [e["ResourceId"] for e in left] == ["sg-open"]


# --- executions -------------------------------------------------------------------------------------


def _ssh_open(ec2: Any, group: str) -> bool:
    (found,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    return any(p.get("FromPort") == 22 for p in found["IpPermissions"])


def test_start_remediation_runs_it_and_the_status_follows_it(
    config: Any, rule: str, engine: RemediationEngine, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    group = ec2.create_security_group(GroupName="open", Description="lab")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    config.put_remediation_configurations(RemediationConfigurations=[remediation()])
    # The engine's one worker is busy: the execution waits, QUEUED, and a second start is refused.
    busy = threading.Event()
    engine._pool.submit(busy.wait, 20)
    try:
        assert (
            config.start_remediation_execution(ConfigRuleName=rule, ResourceKeys=[key(group)])["FailedItems"]
            == []
        )
        (queued,) = config.describe_remediation_execution_status(ConfigRuleName=rule)[
            "RemediationExecutionStatuses"
        ]
        assert (queued["ResourceKey"], queued["State"], queued["StepDetails"]) == (key(group), "QUEUED", [])
        again = config.start_remediation_execution(ConfigRuleName=rule, ResourceKeys=[key(group)])
        assert again["FailedItems"] == [key(group)] and again["FailureMessage"]
        assert _ssh_open(ec2, group)
    finally:
        busy.set()

    done = eventually(
        lambda: [
            s
            for s in config.describe_remediation_execution_status(ConfigRuleName=rule)[
                "RemediationExecutionStatuses"
            ]
            if s["State"] == "SUCCEEDED"
        ]
    )
    (status,) = done
    assert [(s["Name"], s["State"]) for s in status["StepDetails"]] == [
        ("CustomIpCheck", "SUCCEEDED"),
        ("DisableFromAllIp", "SUCCEEDED"),
    ]
    assert all(s["StartTime"] <= s["StopTime"] for s in status["StepDetails"])
    assert status["InvocationTime"] <= status["LastUpdatedTime"]
    assert not _ssh_open(ec2, group)


def test_start_without_a_configuration_is_no_such_configuration(
    config: Any, rule: str, engine: RemediationEngine, client_error: Callable[..., str]
) -> None:
    start = lambda: config.start_remediation_execution(ConfigRuleName=rule, ResourceKeys=[key("sg-1")])  # noqa: E731
    assert client_error(start) == "NoSuchRemediationConfigurationException"


def test_a_second_start_while_one_runs_is_a_failed_item(
    live_api: LiveApi, config: Any, rule: str, engine: RemediationEngine
) -> None:
    config.put_remediation_configurations(RemediationConfigurations=[remediation()])
    stored_execution(live_api, "sg-busy", ExecutionState.IN_PROGRESS)
    answer = config.start_remediation_execution(ConfigRuleName=rule, ResourceKeys=[key("sg-busy")])
    assert answer["FailedItems"] == [key("sg-busy")]
    assert "in progress" in answer["FailureMessage"]


def test_execution_status_pages_and_filters_by_resource(live_api: LiveApi, config: Any, rule: str) -> None:
    config.put_remediation_configurations(RemediationConfigurations=[remediation()])
    groups = ["sg-0001", "sg-0002", "sg-0003"]
    for group in groups:
        stored_execution(live_api, group, ExecutionState.FAILED, seconds_ago=30)
        stored_execution(live_api, group, ExecutionState.SUCCEEDED)  # the newest is the status
    first = config.describe_remediation_execution_status(ConfigRuleName=rule, Limit=2)
    second = config.describe_remediation_execution_status(
        ConfigRuleName=rule, Limit=2, NextToken=first["NextToken"]
    )
    statuses = first["RemediationExecutionStatuses"] + second["RemediationExecutionStatuses"]
    assert [s["ResourceKey"]["resourceId"] for s in statuses] == groups
    assert {s["State"] for s in statuses} == {"SUCCEEDED"}
    assert not second.get("NextToken")
    (one,) = config.describe_remediation_execution_status(ConfigRuleName=rule, ResourceKeys=[key("sg-0002")])[
        "RemediationExecutionStatuses"
    ]
    assert one["ResourceKey"] == key("sg-0002") and one["StepDetails"][0]["Name"] == "CustomIpCheck"


def test_the_aws_cli_describes_a_remediation_configuration(
    live_api: LiveApi, config: Any, rule: str, tmp_path: Path
) -> None:
    config.put_remediation_configurations(RemediationConfigurations=[remediation()])
    answer = aws_configservice(
        live_api.url, "describe-remediation-configurations", "--config-rule-names", rule
    )
    (shown,) = answer["RemediationConfigurations"]
    assert (shown["ConfigRuleName"], shown["TargetId"], shown["MaximumAutomaticAttempts"]) == (rule, DOC, 5)
    assert ARN.match(shown["Arn"])
