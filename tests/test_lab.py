"""The lab (../shared/lab/LAB.md), parts 1, 2 and 3 (first half), as a user does them with boto3 against a
running roost: the sandbox with the lab's resources, roost's service with its recording loop and rule
runner, and the Config API on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from roost.api.auth import KeyPair
from roost.cloud.lab_seed import LabResources, seed_lab
from roost.cloud.sandbox import Sandbox
from roost.service import Roost
from roost.settings import Settings
from tests.rules.custom.test_lab_rds_ca_2019 import LAB_FUNCTION

ROLE = "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


@dataclass
class LabRun:
    config: Any
    resources: LabResources
    roost_url: str
    sandbox_url: str

    def client(self, service: str, *, of_roost: bool) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.roost_url if of_roost else self.sandbox_url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


@pytest.fixture
def lab(cloud: Sandbox, tmp_path: Path) -> Iterator[LabRun]:
    resources = seed_lab(cloud.endpoint_url, regions=("us-east-1",))
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'roost.db'}", interval_seconds=1.0)
    settings = settings.with_sandbox_account(cloud.endpoint_url, ("us-east-1",))
    roost = Roost(settings)
    roost.start()
    server = roost.serve_api([KeyPair("test", "test", "123456789012")], port=0)
    config = boto3.client(
        "config",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    try:
        yield LabRun(config, resources, server.url, cloud.endpoint_url)
    finally:
        server.stop()
        roost.stop()


def eventually(check: Callable[[], Any], *, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.25)


def compliant_names(config: Any, rule: str, compliance: str) -> set[str]:
    pages = config.get_paginator("get_compliance_details_by_config_rule").paginate(
        ConfigRuleName=rule, ComplianceTypes=[compliance]
    )
    return {
        r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]
        for page in pages
        for r in page["EvaluationResults"]
    }


def start_recording(lab: LabRun) -> None:
    lab.config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": ROLE,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    lab.config.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": lab.resources.buckets[1]}
    )
    lab.config.start_configuration_recorder(ConfigurationRecorderName="default")


@pytest.mark.slow
def test_lab_part_1_and_the_first_half_of_part_3(lab: LabRun) -> None:
    config, resources = lab.config, lab.resources
    # Part 1, step 1: record everything, global types included, delivering to a bucket.
    start_recording(lab)
    users = eventually(
        lambda: (
            {
                r["resourceName"]: r["resourceId"]
                for r in config.list_discovered_resources(resourceType="AWS::IAM::User")[
                    "resourceIdentifiers"
                ]
            }
            if len(config.list_discovered_resources(resourceType="AWS::IAM::User")["resourceIdentifiers"])
            >= 3
            else None
        )
    )
    assert users and {"alice", "bob", "carol"} <= set(users)

    # Part 1, steps 2-3: iam-user-mfa-enabled; COMPLIANT shows the users with MFA, NON_COMPLIANT the others.
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "iam-user-mfa-enabled",
            "Source": {"Owner": "AWS", "SourceIdentifier": "IAM_USER_MFA_ENABLED"},
        }
    )
    non_compliant = eventually(lambda: compliant_names(config, "iam-user-mfa-enabled", "NON_COMPLIANT"))
    assert non_compliant == {users["bob"], users["carol"]}
    assert compliant_names(config, "iam-user-mfa-enabled", "COMPLIANT") == {users["alice"]}

    # Part 3, steps 1-3: restricted-ssh flags the open group.
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "restricted-ssh",
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
        }
    )
    config.start_config_rules_evaluation(ConfigRuleNames=["restricted-ssh"])
    open_group = resources.security_groups["us-east-1"]
    flagged = eventually(lambda: open_group in compliant_names(config, "restricted-ssh", "NON_COMPLIANT"))
    assert flagged
    (by_rule,) = config.describe_compliance_by_config_rule(ConfigRuleNames=["restricted-ssh"])[
        "ComplianceByConfigRules"
    ]
    assert by_rule["Compliance"]["ComplianceType"] == "NON_COMPLIANT"


@pytest.mark.slow
def test_lab_part_2_the_rds_ca_2019_custom_rule(lab: LabRun) -> None:
    config = lab.config
    start_recording(lab)  # part 1, step 1
    lam = lab.client("lambda", of_roost=True)
    rds = lab.client("rds", of_roost=False)
    by_name = {
        d["DBInstanceIdentifier"]: d["DbiResourceId"] for d in rds.describe_db_instances()["DBInstances"]
    }
    # Steps 1-2: the function, its code exactly as the lab prints it.
    created = lam.create_function(
        FunctionName="rds-ca-2019",
        Runtime="python3.8",
        Role="arn:aws:iam::123456789012:role/rds-ca-2019",
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": lab_zip(LAB_FUNCTION)},
        Timeout=60,
    )
    # Step 3: the custom rule, periodic every 24 hours.
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "rds-ca-2019",
            "Source": {
                "Owner": "CUSTOM_LAMBDA",
                "SourceIdentifier": created["FunctionArn"],
                "SourceDetails": [
                    {
                        "EventSource": "aws.config",
                        "MessageType": "ScheduledNotification",
                        "MaximumExecutionFrequency": "TwentyFour_Hours",
                    }
                ],
            },
        }
    )
    # Step 4: instances on rds-ca-2019 are COMPLIANT, the others NON_COMPLIANT.
    compliant = eventually(lambda: compliant_names(config, "rds-ca-2019", "COMPLIANT"))
    assert compliant == {by_name["lab-db-ca-2019"]}
    assert compliant_names(config, "rds-ca-2019", "NON_COMPLIANT") == {by_name["lab-db-ca-2015"]}


def lab_zip(code: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", code)
    return buffer.getvalue()


def ssh_open_to_world(ec2: Any, group_id: str) -> bool:
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return any(
        p.get("IpProtocol") == "tcp"
        and p.get("FromPort") == 22
        and any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges") or [])
        for p in group.get("IpPermissions") or []
    )


@pytest.mark.slow
def test_lab_part_3_manual_then_automatic_remediation(lab: LabRun) -> None:
    config, resources = lab.config, lab.resources
    ec2 = lab.client("ec2", of_roost=False)
    start_recording(lab)
    group = resources.security_groups["us-east-1"]
    # Steps 1-3: restricted-ssh flags the open group.
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "restricted-ssh",
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
        }
    )
    assert eventually(lambda: group in compliant_names(config, "restricted-ssh", "NON_COMPLIANT"))
    # Step 4: the remediation action, GroupId taken from the resource id.
    remediation = {
        "ConfigRuleName": "restricted-ssh",
        "TargetType": "SSM_DOCUMENT",
        "TargetId": "AWS-DisablePublicAccessForSecurityGroup",
        "Parameters": {"GroupId": {"ResourceValue": {"Value": "RESOURCE_ID"}}},
        "ResourceType": "AWS::EC2::SecurityGroup",
        "Automatic": False,
    }
    assert (
        config.put_remediation_configurations(RemediationConfigurations=[remediation])["FailedBatches"] == []
    )
    # Step 5: Remediate: the SSH-from-anywhere rule is gone, and the group turns COMPLIANT.
    key = {"resourceType": "AWS::EC2::SecurityGroup", "resourceId": group}
    assert (
        config.start_remediation_execution(ConfigRuleName="restricted-ssh", ResourceKeys=[key])["FailedItems"]
        == []
    )
    status = eventually(
        lambda: [
            s
            for s in config.describe_remediation_execution_status(ConfigRuleName="restricted-ssh")[
                "RemediationExecutionStatuses"
            ]
            if s["State"] == "SUCCEEDED"
        ]
    )
    assert status and status[0]["ResourceKey"] == key
    assert [step["Name"] for step in status[0]["StepDetails"]] == ["CustomIpCheck", "DisableFromAllIp"]
    assert not ssh_open_to_world(ec2, group)
    assert eventually(lambda: group in compliant_names(config, "restricted-ssh", "COMPLIANT"))
    # Step 6: automatic; the rule is added back and goes away by itself.
    automatic = {
        **remediation,
        "Automatic": True,
        "Parameters": {
            **remediation["Parameters"],
            "AutomationAssumeRole": {
                "StaticValue": {"Values": ["arn:aws:iam::123456789012:role/remediation"]}
            },
        },
    }
    config.put_remediation_configurations(RemediationConfigurations=[automatic])
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    assert eventually(lambda: not ssh_open_to_world(ec2, group), timeout=60), (
        "automatic remediation did not act"
    )
    assert eventually(lambda: group in compliant_names(config, "restricted-ssh", "COMPLIANT"))
    # A rule with a remediation configuration cannot be deleted.
    with pytest.raises(config.exceptions.ResourceInUseException):
        config.delete_config_rule(ConfigRuleName="restricted-ssh")


@pytest.mark.slow
def test_lab_part_4_aggregation_across_regions(lab: LabRun) -> None:
    config = lab.config
    start_recording(lab)
    # Step 1: the account number.
    account = lab.client("sts", of_roost=False).get_caller_identity()["Account"]
    # Step 2: an aggregator of this account, all regions, regions enabled later included.
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="aggregator",
        AccountAggregationSources=[{"AccountIds": [account], "AllAwsRegions": True}],
    )
    # Step 3: recording in a second region, into the first region's bucket, and restricted-ssh there.
    second = boto3.client(
        "config",
        endpoint_url=lab.roost_url,
        region_name="ap-northeast-2",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    ec2 = boto3.client(
        "ec2",
        endpoint_url=lab.sandbox_url,
        region_name="ap-northeast-2",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    group = ec2.create_security_group(GroupName="open-in-seoul", Description="lab")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    second.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": ROLE,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": False},
        }
    )
    second.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": lab.resources.buckets[1]})
    second.start_configuration_recorder(ConfigurationRecorderName="default")
    second.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "restricted-ssh",
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
        }
    )

    # Step 4: from the first region, the aggregate view has the second region's rule and compliance.
    def seoul() -> list[dict[str, Any]]:
        found = config.describe_aggregate_compliance_by_config_rules(ConfigurationAggregatorName="aggregator")
        return [
            r
            for r in found["AggregateComplianceByConfigRules"]
            if r["AwsRegion"] == "ap-northeast-2" and r["Compliance"]["ComplianceType"] == "NON_COMPLIANT"
        ]

    (entry,) = eventually(seoul)
    assert (entry["ConfigRuleName"], entry["AccountId"]) == ("restricted-ssh", account)
    details = config.get_aggregate_compliance_details_by_config_rule(
        ConfigurationAggregatorName="aggregator",
        ConfigRuleName="restricted-ssh",
        AccountId=account,
        AwsRegion="ap-northeast-2",
        ComplianceType="NON_COMPLIANT",
    )["AggregateEvaluationResults"]
    assert group in {
        r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] for r in details
    }
    statuses = config.describe_configuration_aggregator_sources_status(
        ConfigurationAggregatorName="aggregator"
    )
    regions = {s["AwsRegion"]: s["LastUpdateStatus"] for s in statuses["AggregatedSourceStatusList"]}
    assert regions == {"us-east-1": "SUCCEEDED", "ap-northeast-2": "SUCCEEDED"}
