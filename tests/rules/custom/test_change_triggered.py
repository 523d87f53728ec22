"""Change-triggered custom rules written the way AWS's sample template writes them: the function
parses invokingEvent, skips what is not applicable, judges the item's configuration and reports
through PutEvaluations with the item's capture time as OrderingTimestamp."""

from __future__ import annotations

from typing import Any

from tests.conftest import SOURCE
from tests.rules.custom.conftest import Stack, printed, wait_for

SG = "AWS::EC2::SecurityGroup"

# AWS's sample template (aws-config-rules' python/ rules), trimmed to one check: SSH open to the world.
RESTRICTED_SSH = """
import json
import boto3

APPLICABLE_RESOURCES = ["AWS::EC2::SecurityGroup"]


def is_applicable(configuration_item, event):
    status = configuration_item["configurationItemStatus"]
    event_left_scope = event["eventLeftScope"]
    return status in ("OK", "ResourceDiscovered") and not event_left_scope


def evaluate_compliance(configuration_item):
    if configuration_item["resourceType"] not in APPLICABLE_RESOURCES:
        return "NOT_APPLICABLE", "Not a security group."
    for permission in configuration_item["configuration"].get("ipPermissions", []):
        if permission["ipProtocol"] not in ("tcp", "-1"):
            continue
        low, high = permission.get("fromPort", 0), permission.get("toPort", 65535)
        if permission["ipProtocol"] == "-1" or low <= 22 <= high:
            for ipv4 in permission.get("ipv4Ranges", []):
                if ipv4["cidrIp"] == "0.0.0.0/0":
                    return "NON_COMPLIANT", "SSH is open to 0.0.0.0/0."
    return "COMPLIANT", "SSH is not open to the world."


def lambda_handler(event, context):
    invoking_event = json.loads(event["invokingEvent"])
    configuration_item = invoking_event["configurationItem"]
    print("ROOST-TEST-EVENT " + json.dumps({
        "resourceId": configuration_item["resourceId"],
        "status": configuration_item["configurationItemStatus"],
        "eventLeftScope": event["eventLeftScope"],
    }))
    if is_applicable(configuration_item, event):
        compliance, annotation = evaluate_compliance(configuration_item)
    else:
        compliance, annotation = "NOT_APPLICABLE", "The resource is not applicable."
    config = boto3.client("config")
    config.put_evaluations(
        Evaluations=[
            {
                "ComplianceResourceType": configuration_item["resourceType"],
                "ComplianceResourceId": configuration_item["resourceId"],
                "ComplianceType": compliance,
                "Annotation": annotation,
                "OrderingTimestamp": configuration_item["configurationItemCaptureTime"],
            }
        ],
        ResultToken=event["resultToken"],
    )
"""


def _group(aws: Any, name: str, cidr: str, *, tags: dict[str, str] | None = None) -> str:
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    extra: dict[str, Any] = {}
    if tags:
        extra["TagSpecifications"] = [
            {"ResourceType": "security-group", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    group = str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc, **extra)["GroupId"])
    _open(aws, group, cidr)
    return group


def _open(aws: Any, group: str, cidr: str) -> None:
    aws("ec2").authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": cidr}]}],
    )


def _results_for(stack: Stack, rule: str, *ids: str) -> dict[str, str] | None:
    found = stack.compliance(rule)
    return {i: found[i] for i in ids} if all(i in found for i in ids) else None


def test_a_sample_template_rule_judges_each_group_and_follows_its_changes(stack: Stack, aws: Any) -> None:
    open_group = _group(aws, "ssh-open", "0.0.0.0/0")
    closed_group = _group(aws, "ssh-closed", "10.0.0.0/8")
    arn = stack.deploy("restricted-ssh", RESTRICTED_SSH)
    stack.put_lambda_rule("restricted-ssh", arn, change_types=[SG])
    stack.record(SG)
    assert wait_for(
        lambda: _results_for(stack, "restricted-ssh", open_group, closed_group),
        what="both groups judged",
    ) == {open_group: "NON_COMPLIANT", closed_group: "COMPLIANT"}

    _open(aws, closed_group, "0.0.0.0/0")
    stack.record(SG)
    wait_for(
        lambda: stack.compliance("restricted-ssh").get(closed_group) == "NON_COMPLIANT",
        what="the changed group to flip",
    )
    assert stack.compliance("restricted-ssh")[open_group] == "NON_COMPLIANT"
    results = stack.client("config").get_compliance_details_by_config_rule(ConfigRuleName="restricted-ssh")
    annotations = {
        r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]: r.get("Annotation")
        for r in results["EvaluationResults"]
    }
    assert annotations[closed_group] == "SSH is open to 0.0.0.0/0."
    status = stack.status("restricted-ssh")
    assert "LastErrorCode" not in status
    assert status["LastSuccessfulInvocationTime"]


BUCKET_VERSIONING = """
import json
import boto3


def lambda_handler(event, context):
    invoking_event = json.loads(event["invokingEvent"])
    item = invoking_event["configurationItem"]
    if item["configurationItemStatus"] in ("OK", "ResourceDiscovered") and not event["eventLeftScope"]:
        versioning = item["supplementaryConfiguration"].get("BucketVersioningConfiguration") or {}
        enabled = versioning.get("status") == "Enabled"
        compliance = "COMPLIANT" if enabled else "NON_COMPLIANT"
        state = " keeps versions." if enabled else " has no versioning."
        annotation = "Bucket " + item["resourceName"] + state
    else:
        compliance, annotation = "NOT_APPLICABLE", "Not applicable."
    boto3.client("config").put_evaluations(
        Evaluations=[
            {
                "ComplianceResourceType": item["resourceType"],
                "ComplianceResourceId": item["resourceId"],
                "ComplianceType": compliance,
                "Annotation": annotation,
                "OrderingTimestamp": item["configurationItemCaptureTime"],
            }
        ],
        ResultToken=event["resultToken"],
    )
"""


def test_a_bucket_rule_reads_supplementary_configuration_and_the_resource_name(
    stack: Stack, aws: Any
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="versioned-bucket")
    s3.put_bucket_versioning(Bucket="versioned-bucket", VersioningConfiguration={"Status": "Enabled"})
    s3.create_bucket(Bucket="plain-bucket")
    arn = stack.deploy("bucket-versioning", BUCKET_VERSIONING)
    stack.put_lambda_rule("bucket-versioning", arn, change_types=["AWS::S3::Bucket"])
    stack.record("AWS::S3::Bucket")
    assert wait_for(
        lambda: _results_for(stack, "bucket-versioning", "versioned-bucket", "plain-bucket"),
        what="both buckets judged",
    ) == {"versioned-bucket": "COMPLIANT", "plain-bucket": "NON_COMPLIANT"}
    results = stack.client("config").get_compliance_details_by_config_rule(ConfigRuleName="bucket-versioning")
    annotations = {
        r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]: r.get("Annotation")
        for r in results["EvaluationResults"]
    }
    assert annotations == {
        "versioned-bucket": "Bucket versioned-bucket keeps versions.",
        "plain-bucket": "Bucket plain-bucket has no versioning.",
    }

    s3.put_bucket_versioning(Bucket="plain-bucket", VersioningConfiguration={"Status": "Enabled"})
    stack.record("AWS::S3::Bucket")
    wait_for(
        lambda: stack.compliance("bucket-versioning").get("plain-bucket") == "COMPLIANT",
        what="the bucket to turn compliant",
    )


def test_a_deleted_resource_reaches_the_function_and_ends_not_applicable(stack: Stack, aws: Any) -> None:
    doomed = _group(aws, "doomed", "0.0.0.0/0")
    arn = stack.deploy("restricted-ssh", RESTRICTED_SSH)
    stack.put_lambda_rule("restricted-ssh", arn, change_types=[SG])
    stack.record(SG)
    wait_for(
        lambda: stack.compliance("restricted-ssh").get(doomed) == "NON_COMPLIANT", what="a first verdict"
    )

    aws("ec2").delete_security_group(GroupId=doomed)
    stack.record(SG)
    seen = wait_for(
        lambda: [e for e in printed(stack, "restricted-ssh") if e["resourceId"] == doomed][1:],
        what="the deletion to reach the function",
    )
    assert seen == [{"resourceId": doomed, "status": "ResourceDeleted", "eventLeftScope": False}]
    wait_for(
        lambda: stack.compliance("restricted-ssh").get(doomed) == "NOT_APPLICABLE",
        what="the deleted group's result",
    )
    # The function's own NOT_APPLICABLE has been stored too: nothing failed.
    wait_for(lambda: len(stack.host.logs(SOURCE, "restricted-ssh")) >= 3, what="every invocation")
    assert "LastErrorCode" not in stack.status("restricted-ssh")
    assert stack.compliance("restricted-ssh")[doomed] == "NOT_APPLICABLE"


def test_a_resource_that_leaves_a_tag_scope_comes_with_event_left_scope(stack: Stack, aws: Any) -> None:
    watched = _group(aws, "watched", "0.0.0.0/0", tags={"audit": "yes"})
    arn = stack.deploy("tagged-ssh", RESTRICTED_SSH)
    stack.client("config").put_config_rule(
        ConfigRule={
            "ConfigRuleName": "tagged-ssh",
            "Scope": {"TagKey": "audit"},
            "Source": {
                "Owner": "CUSTOM_LAMBDA",
                "SourceIdentifier": arn,
                "SourceDetails": [
                    {"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"},
                    {
                        "EventSource": "aws.config",
                        "MessageType": "OversizedConfigurationItemChangeNotification",
                    },
                ],
            },
        }
    )
    stack.record(SG)
    wait_for(lambda: stack.compliance("tagged-ssh").get(watched) == "NON_COMPLIANT", what="a first verdict")
    first = wait_for(
        lambda: [e for e in printed(stack, "tagged-ssh") if e["resourceId"] == watched],
        what="the function's log",
    )
    assert first == [{"resourceId": watched, "status": "ResourceDiscovered", "eventLeftScope": False}]

    aws("ec2").delete_tags(Resources=[watched], Tags=[{"Key": "audit"}])
    stack.record(SG)
    seen = wait_for(
        lambda: [e for e in printed(stack, "tagged-ssh") if e["resourceId"] == watched][1:],
        what="the function to hear the group left",
    )
    assert seen == [{"resourceId": watched, "status": "OK", "eventLeftScope": True}]
    wait_for(
        lambda: stack.compliance("tagged-ssh").get(watched) == "NOT_APPLICABLE",
        what="the group's result",
    )
    assert "LastErrorCode" not in stack.status("tagged-ssh")
    # Groups that never had the tag were never sent.
    assert {e["resourceId"] for e in printed(stack, "tagged-ssh")} == {watched}
