"""Rules written with rdklib (0.3.10), unchanged: its Evaluator assumes the event's execution role
through STS (the public endpoint first, which the sandbox refuses at once, then boto3's own, which
is roost's), builds its clients with the credentials it got, and reports through PutEvaluations;
periodic rules clean up old results through GetComplianceDetailsByConfigRule with NextToken=""."""

from __future__ import annotations

from typing import Any

from tests.rules.custom.conftest import Stack, wait_for

SG = "AWS::EC2::SecurityGroup"

CHANGE_RULE = """
from rdklib import ComplianceType, ConfigRule, Evaluation, Evaluator, InvalidParametersError

APPLICABLE_RESOURCES = ["AWS::EC2::SecurityGroup"]


class SshNotOpenToTheWorld(ConfigRule):
    def evaluate_parameters(self, rule_parameters):
        port = rule_parameters.get("port", "22")
        if not port.isdigit():
            raise InvalidParametersError("port must be a number, not %r" % port)
        return {"port": int(port)}

    def evaluate_change(self, event, client_factory, configuration_item, valid_rule_parameters):
        port = valid_rule_parameters["port"]
        for permission in configuration_item["configuration"]["ipPermissions"]:
            if permission.get("fromPort", 0) <= port <= permission.get("toPort", 65535):
                if any(r["cidrIp"] == "0.0.0.0/0" for r in permission["ipv4Ranges"]):
                    return [
                        Evaluation(
                            ComplianceType.NON_COMPLIANT,
                            annotation="Port %d is open to the world." % port,
                        )
                    ]
        return [Evaluation(ComplianceType.COMPLIANT)]


def lambda_handler(event, context):
    my_rule = SshNotOpenToTheWorld()
    evaluator = Evaluator(my_rule, APPLICABLE_RESOURCES)
    return evaluator.handle(event, context)
"""

PERIODIC_RULE = """
from rdklib import ComplianceType, ConfigRule, Evaluation, Evaluator

APPLICABLE_RESOURCES = ["AWS::EC2::SecurityGroup"]


class NoWorldOpenGroups(ConfigRule):
    def evaluate_periodic(self, event, client_factory, valid_rule_parameters):
        ec2 = client_factory.build_client("ec2")
        evaluations = []
        for group in ec2.describe_security_groups()["SecurityGroups"]:
            open_to_world = any(
                r["CidrIp"] == "0.0.0.0/0" for p in group["IpPermissions"] for r in p.get("IpRanges", [])
            )
            evaluations.append(
                Evaluation(
                    ComplianceType.NON_COMPLIANT if open_to_world else ComplianceType.COMPLIANT,
                    resourceId=group["GroupId"],
                    resourceType="AWS::EC2::SecurityGroup",
                )
            )
        return evaluations


def lambda_handler(event, context):
    my_rule = NoWorldOpenGroups()
    evaluator = Evaluator(my_rule, APPLICABLE_RESOURCES)
    return evaluator.handle(event, context)
"""


def _group(aws: Any, name: str, cidr: str) -> str:
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"])
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": cidr}]}],
    )
    return group


def _no_error(stack: Stack, rule: str) -> dict[str, Any]:
    status = wait_for(
        lambda: "LastSuccessfulInvocationTime" in stack.status(rule) and stack.status(rule),
        what="a successful invocation",
    )
    assert "LastErrorCode" not in status, status
    return dict(status)


def test_an_rdklib_change_triggered_rule_runs_unchanged(stack: Stack, aws: Any) -> None:
    open_group = _group(aws, "rdk-open", "0.0.0.0/0")
    closed_group = _group(aws, "rdk-closed", "10.0.0.0/8")
    arn = stack.deploy("rdk-ssh", CHANGE_RULE)
    stack.put_lambda_rule("rdk-ssh", arn, change_types=[SG])
    stack.record(SG)
    found = wait_for(
        lambda: (
            {open_group, closed_group} <= set(stack.compliance("rdk-ssh")) and stack.compliance("rdk-ssh")
        ),
        what="both groups judged",
    )
    assert found[open_group] == "NON_COMPLIANT"
    assert found[closed_group] == "COMPLIANT"
    _no_error(stack, "rdk-ssh")

    # A deletion: rdklib's is_applicable_status answers NOT_APPLICABLE for it.
    aws("ec2").delete_security_group(GroupId=open_group)
    stack.record(SG)
    wait_for(lambda: stack.compliance("rdk-ssh").get(open_group) == "NOT_APPLICABLE", what="the deletion")
    assert "LastErrorCode" not in stack.status("rdk-ssh")


def test_an_rdklib_periodic_rule_assumes_the_role_and_cleans_up_old_results(stack: Stack, aws: Any) -> None:
    open_group = _group(aws, "rdk-p-open", "0.0.0.0/0")
    closed_group = _group(aws, "rdk-p-closed", "10.0.0.0/8")
    arn = stack.deploy("rdk-periodic", PERIODIC_RULE)
    stack.put_lambda_rule("rdk-periodic", arn, periodic="TwentyFour_Hours")
    found = wait_for(
        lambda: (
            {open_group, closed_group} <= set(stack.compliance("rdk-periodic"))
            and stack.compliance("rdk-periodic")
        ),
        what="the groups judged",
    )
    assert found[open_group] == "NON_COMPLIANT"
    assert found[closed_group] == "COMPLIANT"
    first = _no_error(stack, "rdk-periodic")

    # The next run no longer finds the group: rdklib's clean-up (GetComplianceDetailsByConfigRule,
    # NextToken "") turns its old result into NOT_APPLICABLE.
    aws("ec2").delete_security_group(GroupId=open_group)
    stack.client("config").start_config_rules_evaluation(ConfigRuleNames=["rdk-periodic"])
    wait_for(
        lambda: stack.compliance("rdk-periodic").get(open_group) == "NOT_APPLICABLE",
        what="the clean-up",
    )
    assert stack.compliance("rdk-periodic")[closed_group] == "COMPLIANT"
    status = wait_for(
        lambda: (
            stack.status("rdk-periodic")["LastSuccessfulInvocationTime"]
            > first["LastSuccessfulInvocationTime"]
            and stack.status("rdk-periodic")
        ),
        what="the second run",
    )
    assert "LastErrorCode" not in status


def test_an_rdklib_rule_with_an_invalid_parameter_shows_rdklib_error(stack: Stack, aws: Any) -> None:
    _group(aws, "rdk-any", "10.0.0.0/8")
    arn = stack.deploy("rdk-bad-param", CHANGE_RULE)
    stack.put_lambda_rule("rdk-bad-param", arn, change_types=[SG], parameters={"port": "ssh"})
    stack.record(SG)
    status = wait_for(
        lambda: "LastErrorCode" in stack.status("rdk-bad-param") and stack.status("rdk-bad-param"),
        what="the error in the rule's status",
    )
    assert status["LastErrorCode"] == "InvalidParameterValueException"
    assert status["LastErrorMessage"].startswith("port must be a number, not 'ssh'")
    assert status["LastFailedInvocationTime"]
    assert stack.compliance("rdk-bad-param") == {}
