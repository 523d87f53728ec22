"""The lab (../shared/lab/LAB.md), parts 1 and 3 (first half), as a user does them with boto3 against a
running roost: the sandbox with the lab's resources, roost's service with its recording loop and rule
runner, and the Config API on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from roost.api.app import ConfigApi
from roost.api.auth import KeyPair, KeyRing
from roost.api.context import ApiServices
from roost.api.server import HttpServer, build_app
from roost.cloud.lab_seed import LabResources, seed_lab
from roost.cloud.sandbox import Sandbox
from roost.service import Roost
from roost.settings import Settings

ROLE = "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


@pytest.fixture
def lab(cloud: Sandbox, tmp_path: Path) -> Iterator[tuple[Any, LabResources]]:
    resources = seed_lab(cloud.endpoint_url, regions=("us-east-1",))
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'roost.db'}", interval_seconds=1.0)
    settings = settings.with_sandbox_account(cloud.endpoint_url, ("us-east-1",))
    roost = Roost(settings)
    services = ApiServices(
        store=roost.store,
        clock=roost.clock,
        recorder=roost.recorder,
        deliverer=roost.deliverer,
        recording_changed=roost.loop.wake,
        rules=roost.rules,
        evaluate_rule=roost.rule_runner.evaluate_soon,
    )
    server = HttpServer(
        build_app(ConfigApi(services, KeyRing([KeyPair("test", "test", "123456789012")]))), port=0
    )
    roost.start()
    server.start()
    config = boto3.client(
        "config",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    try:
        yield config, resources
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


@pytest.mark.slow
def test_lab_part_1_and_the_first_half_of_part_3(lab: tuple[Any, LabResources]) -> None:
    config, resources = lab
    # Part 1, step 1: record everything, global types included, delivering to a bucket.
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": ROLE,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": resources.buckets[1]})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
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
