"""A custom rule's InputParameters reach its function as ruleParameters, and a PutConfigRule that
changes them re-evaluates with the new values."""

from __future__ import annotations

from typing import Any

from tests.rules.custom.conftest import Stack, wait_for

SG = "AWS::EC2::SecurityGroup"

# Older rules json.loads ruleParameters unconditionally and read their parameters from it.
MAX_PORT = """
import json
import boto3


def lambda_handler(event, context):
    rule_parameters = json.loads(event["ruleParameters"])
    max_port = int(rule_parameters["maxPort"])
    item = json.loads(event["invokingEvent"])["configurationItem"]
    highest = max(
        [p.get("toPort", 65535) for p in item["configuration"]["ipPermissions"] if p["ipProtocol"] != "-1"],
        default=0,
    )
    compliance = "COMPLIANT" if highest <= max_port else "NON_COMPLIANT"
    boto3.client("config").put_evaluations(
        Evaluations=[
            {
                "ComplianceResourceType": item["resourceType"],
                "ComplianceResourceId": item["resourceId"],
                "ComplianceType": compliance,
                "Annotation": "highest open port %d, maxPort %d" % (highest, max_port),
                "OrderingTimestamp": item["configurationItemCaptureTime"],
            }
        ],
        ResultToken=event["resultToken"],
    )
"""


def _annotation(stack: Stack, rule: str, resource_id: str) -> str | None:
    results = stack.client("config").get_compliance_details_by_config_rule(ConfigRuleName=rule)
    for result in results["EvaluationResults"]:
        if result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] == resource_id:
            return str(result.get("Annotation"))
    return None


def test_the_function_uses_its_parameters_and_their_updates(stack: Stack, aws: Any) -> None:
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        ],
    )
    arn = stack.deploy("max-port", MAX_PORT)
    stack.put_lambda_rule("max-port", arn, change_types=[SG], parameters={"maxPort": "1024"})
    stack.record(SG)
    wait_for(lambda: stack.compliance("max-port").get(group) == "NON_COMPLIANT", what="a first verdict")
    assert _annotation(stack, "max-port", group) == "highest open port 8080, maxPort 1024"

    # The same rule with a new value: PutConfigRule evaluates it again over what is recorded.
    stack.put_lambda_rule("max-port", arn, change_types=[SG], parameters={"maxPort": "9000"})
    wait_for(lambda: stack.compliance("max-port").get(group) == "COMPLIANT", what="the re-evaluation")
    assert _annotation(stack, "max-port", group) == "highest open port 8080, maxPort 9000"
    assert "LastErrorCode" not in stack.status("max-port")
