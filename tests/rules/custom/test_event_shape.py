"""The event a custom rule's function receives, key for key (shared/spec/custom-rule-contract.md and
aws-config-api.md section 5): functions print what they got, the tests read it from their logs."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from roost.compliance import ConfigRule, Owner, RuleScope, RuleSource
from roost.functions.host import MAX_ASYNC_PAYLOAD
from roost.model import ConfigurationItem, ItemStatus
from roost.rules.custom.event import change_event, rule_event
from tests.conftest import SOURCE
from tests.rules.custom.conftest import Stack, printed, wait_for

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")

# The function prints the event it received as it received it: one line of JSON in its log.
PRINT_EVENT = """
import json

def lambda_handler(event, context):
    print("ROOST-TEST-EVENT " + json.dumps(event))
"""

ENVELOPE_KEYS = {
    "version",
    "invokingEvent",
    "ruleParameters",
    "resultToken",
    "eventLeftScope",
    "executionRoleArn",
    "configRuleArn",
    "configRuleName",
    "configRuleId",
    "accountId",
    "evaluationMode",
}
ITEM_KEYS = {
    "configurationItemVersion",
    "configurationItemCaptureTime",
    "configurationStateId",
    "awsAccountId",
    "configurationItemStatus",
    "resourceType",
    "resourceId",
    "resourceName",
    "ARN",
    "awsRegion",
    "availabilityZone",
    "configurationStateMd5Hash",
    "resourceCreationTime",
    "tags",
    "relatedEvents",
    "relationships",
    "configuration",
    "supplementaryConfiguration",
}
SUMMARY_KEYS = {
    "changeType",
    "configurationItemVersion",
    "configurationItemCaptureTime",
    "configurationStateId",
    "awsAccountId",
    "configurationItemStatus",
    "resourceType",
    "resourceId",
    "resourceName",
    "ARN",
    "awsRegion",
    "availabilityZone",
    "configurationStateMd5Hash",
    "resourceCreationTime",
}


def _group(aws: Any, name: str, *, tags: dict[str, str] | None = None) -> str:
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    extra: dict[str, Any] = {}
    if tags:
        extra["TagSpecifications"] = [
            {"ResourceType": "security-group", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    group = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc, **extra)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        ],
    )
    return str(group)


def _events_for(stack: Stack, function: str, resource_id: str) -> list[dict[str, Any]]:
    return [
        e
        for e in printed(stack, function)
        if json.loads(e["invokingEvent"]).get("configurationItem", {}).get("resourceId") == resource_id
    ]


def _described(stack: Stack, name: str) -> dict[str, Any]:
    return dict(stack.client("config").describe_config_rules(ConfigRuleNames=[name])["ConfigRules"][0])


def test_a_change_notification_has_every_key_of_the_contract(stack: Stack, aws: Any) -> None:
    group = _group(aws, "shape-group", tags={"team": "blue"})
    arn = stack.deploy("print-event", PRINT_EVENT)
    stack.put_lambda_rule("print-event", arn, change_types=["AWS::EC2::SecurityGroup"])
    stack.record("AWS::EC2::SecurityGroup")
    (event,) = wait_for(lambda: _events_for(stack, "print-event", group), what="the function's event")

    assert set(event) == ENVELOPE_KEYS
    rule = _described(stack, "print-event")
    assert event["version"] == "1.0"
    assert event["ruleParameters"] == "{}"  # no InputParameters: "{}", never "" nor absent
    assert isinstance(event["resultToken"], str) and event["resultToken"]
    assert event["eventLeftScope"] is False
    assert event["executionRoleArn"] == (
        f"arn:aws:iam::{SOURCE.account_id}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    )
    assert event["configRuleArn"] == rule["ConfigRuleArn"]
    assert event["configRuleName"] == "print-event"
    assert event["configRuleId"] == rule["ConfigRuleId"]
    assert event["accountId"] == SOURCE.account_id
    assert event["evaluationMode"] == "DETECTIVE"

    assert isinstance(event["invokingEvent"], str)  # JSON text, json.loads-ed by every rule
    invoking = json.loads(event["invokingEvent"])
    assert set(invoking) == {
        "configurationItemDiff",
        "configurationItem",
        "notificationCreationTime",
        "messageType",
        "recordVersion",
    }
    assert invoking["messageType"] == "ConfigurationItemChangeNotification"
    assert TIME.fullmatch(invoking["notificationCreationTime"])
    assert isinstance(invoking["recordVersion"], str) and invoking["recordVersion"]
    diff = invoking["configurationItemDiff"]
    assert diff is None or (isinstance(diff, dict) and diff["changeType"] == "CREATE")

    item = invoking["configurationItem"]
    assert set(item) >= ITEM_KEYS
    # The event shape, never the API's names.
    assert not {"accountId", "arn", "configurationItemMD5Hash", "version"} & set(item)
    assert TIME.fullmatch(item["configurationItemCaptureTime"])
    assert item["awsAccountId"] == SOURCE.account_id
    assert item["configurationItemStatus"] == "ResourceDiscovered"
    assert item["resourceType"] == "AWS::EC2::SecurityGroup"
    assert item["resourceId"] == group
    assert item["resourceName"] == "shape-group"
    assert item["ARN"] == f"arn:aws:ec2:us-east-1:{SOURCE.account_id}:security-group/{group}"
    assert item["awsRegion"] == "us-east-1"
    assert isinstance(item["availabilityZone"], str)
    assert isinstance(item["configurationStateMd5Hash"], str)
    assert item["resourceCreationTime"] is None or TIME.fullmatch(item["resourceCreationTime"])
    assert item["tags"] == {"team": "blue"}  # an object, key -> value
    assert isinstance(item["relatedEvents"], list)
    assert item["relationships"], "a security group is contained in its VPC"
    for relationship in item["relationships"]:
        assert set(relationship) >= {"resourceType", "resourceId", "resourceName", "name"}
        assert "relationshipName" not in relationship
    assert {"resourceType": "AWS::EC2::VPC", "name": "Is contained in Vpc"}.items() <= (
        item["relationships"][0].items()
    )
    assert isinstance(item["configuration"], dict)  # an object in the event (a string in the API)
    assert item["configuration"]["groupId"] == group
    (permission,) = item["configuration"]["ipPermissions"]
    assert permission["ipv4Ranges"] == [{"cidrIp": "10.0.0.0/8"}]
    assert permission["ipRanges"] == ["10.0.0.0/8"]
    assert isinstance(item["supplementaryConfiguration"], dict)


def test_rule_parameters_are_the_input_parameters_text(stack: Stack, aws: Any) -> None:
    group = _group(aws, "params-group")
    arn = stack.deploy("print-params", PRINT_EVENT)
    stack.put_lambda_rule(
        "print-params", arn, change_types=["AWS::EC2::SecurityGroup"], parameters={"maxPort": "1024"}
    )
    stack.record("AWS::EC2::SecurityGroup")
    (event,) = wait_for(lambda: _events_for(stack, "print-params", group), what="the function's event")
    assert isinstance(event["ruleParameters"], str)
    assert event["ruleParameters"] == _described(stack, "print-params")["InputParameters"]
    assert json.loads(event["ruleParameters"]) == {"maxPort": "1024"}


def test_a_periodic_rule_gets_a_scheduled_notification(stack: Stack) -> None:
    arn = stack.deploy("print-schedule", PRINT_EVENT)
    stack.put_lambda_rule("print-schedule", arn, periodic="One_Hour")  # created: runs once at once
    (event,) = wait_for(lambda: printed(stack, "print-schedule"), what="the function's event")
    assert set(event) == ENVELOPE_KEYS
    assert event["ruleParameters"] == "{}"
    assert event["eventLeftScope"] is False
    invoking = json.loads(event["invokingEvent"])
    assert set(invoking) == {"awsAccountId", "notificationCreationTime", "messageType", "recordVersion"}
    assert invoking["messageType"] == "ScheduledNotification"
    assert invoking["awsAccountId"] == SOURCE.account_id
    assert TIME.fullmatch(invoking["notificationCreationTime"])
    assert invoking["recordVersion"] == "1.0"


# --- oversized items ------------------------------------------------------------------------------

# The documented path for an oversized item: read it back with GetResourceConfigHistory
# (laterTime = the capture time, limit 1) and turn the API shape into the event shape.
OVERSIZED = """
import json
import boto3

config = boto3.client("config")

def lambda_handler(event, context):
    invoking = json.loads(event["invokingEvent"])
    seen = {"messageType": invoking["messageType"], "recordVersion": invoking.get("recordVersion")}
    if invoking["messageType"] == "OversizedConfigurationItemChangeNotification":
        summary = invoking["configurationItemSummary"]
        seen["summary"] = summary
        history = config.get_resource_config_history(
            resourceType=summary["resourceType"],
            resourceId=summary["resourceId"],
            laterTime=summary["configurationItemCaptureTime"],
            limit=1,
        )
        api_item = history["configurationItems"][0]
        item = {
            "configurationItemCaptureTime": api_item["configurationItemCaptureTime"],
            "resourceId": api_item["resourceId"],
            "ARN": api_item["arn"],
            "awsAccountId": api_item["accountId"],
            "configuration": json.loads(api_item["configuration"]),
            "supplementaryConfiguration": {
                k: json.loads(v) for k, v in api_item["supplementaryConfiguration"].items()
            },
        }
        seen["policyLength"] = len(item["supplementaryConfiguration"]["BucketPolicy"]["policyText"] or "")
        seen["resourceId"] = item["resourceId"]
        seen["configurationName"] = item["configuration"]["name"]
    else:
        seen["resourceId"] = invoking["configurationItem"]["resourceId"]
    print("ROOST-TEST-EVENT " + json.dumps(seen))
"""


def _huge_policy(bucket: str, size: int) -> str:
    statements = []
    n = 0
    while len(json.dumps(statements)) < size:
        statements.append(
            {
                "Sid": f"Statement{n}",
                "Effect": "Deny",
                "Principal": {"AWS": f"arn:aws:iam::{100000000000 + n}:root"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/private/{n}/*",
            }
        )
        n += 1
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@pytest.mark.slow
def test_an_oversized_item_comes_as_its_summary_and_the_function_reads_it_back(
    stack: Stack, aws: Any
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="huge-policy-bucket")
    policy = _huge_policy("huge-policy-bucket", 300 * 1024)
    s3.put_bucket_policy(Bucket="huge-policy-bucket", Policy=policy)
    arn = stack.deploy("oversized", OVERSIZED)
    stack.put_lambda_rule("oversized", arn, change_types=["AWS::S3::Bucket"])
    stack.record("AWS::S3::Bucket")
    (seen,) = wait_for(lambda: printed(stack, "oversized"), what="the function's report")
    assert seen["messageType"] == "OversizedConfigurationItemChangeNotification"
    assert isinstance(seen["recordVersion"], str) and seen["recordVersion"]  # rdklib fails without it
    summary = seen["summary"]
    assert set(summary) == SUMMARY_KEYS
    assert summary["resourceType"] == "AWS::S3::Bucket"
    assert summary["resourceId"] == "huge-policy-bucket"
    assert summary["resourceName"] == "huge-policy-bucket"
    assert summary["ARN"] == "arn:aws:s3:::huge-policy-bucket"
    assert summary["changeType"] == "CREATE"
    assert TIME.fullmatch(summary["configurationItemCaptureTime"])
    # The full item, read back through the API.
    assert seen["resourceId"] == "huge-policy-bucket"
    assert seen["configurationName"] == "huge-policy-bucket"
    assert seen["policyLength"] >= 300 * 1024
    status = stack.status("oversized")
    assert "LastErrorCode" not in status


def _item(configuration: dict[str, Any]) -> ConfigurationItem:
    when = datetime(2026, 11, 29, 11, 13, 54, 123000, tzinfo=UTC)
    return ConfigurationItem(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        resource_type="AWS::EC2::SecurityGroup",
        resource_id="sg-0123456789abcdef0",
        capture_time=when,
        status=ItemStatus.OK,
        configuration_state_id=1,
        aws_region=SOURCE.region,
        resource_name="big",
        arn=f"arn:aws:ec2:us-east-1:{SOURCE.account_id}:security-group/sg-0123456789abcdef0",
        configuration=configuration,
    )


def _rule() -> ConfigRule:
    return ConfigRule(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        name="r",
        rule_id="config-rule-abcdef",
        source=RuleSource(Owner.CUSTOM_LAMBDA, "arn:aws:lambda:us-east-1:123456789012:function:f"),
        scope=RuleScope(),
    )


@pytest.mark.parametrize("kib", [100, 200, 240, 250, 255, 300, 600])
def test_change_event_is_oversized_whenever_the_whole_event_would_not_fit(kib: int) -> None:
    """Whatever the item's size, the event sent to the function (the change notification escaped
    into invokingEvent, in the envelope) fits Lambda's asynchronous payload limit: an item that
    would not fit comes as its summary."""
    # Quotes double in size when the notification is escaped into the invokingEvent string.
    configuration = {"description": '"' * (kib * 1024 // 2), "groupId": "sg-0123456789abcdef0"}
    now = datetime(2026, 11, 29, 11, 14, tzinfo=UTC)
    invoking = change_event(_item(configuration), now=now)
    event = rule_event(_rule(), invoking, result_token="t" * 200, execution_role_arn="arn:aws:iam::1:role/x")
    assert len(json.dumps(event).encode()) <= MAX_ASYNC_PAYLOAD
    if kib >= 300:
        assert invoking["messageType"] == "OversizedConfigurationItemChangeNotification"
        assert set(invoking["configurationItemSummary"]) == SUMMARY_KEYS
        assert invoking["recordVersion"]
    if kib <= 100:
        assert invoking["messageType"] == "ConfigurationItemChangeNotification"
