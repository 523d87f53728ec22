"""Reaching accounts: other sandbox accounts are reached by assuming a role through STS, as with AWS."""

from __future__ import annotations

from typing import Any

import boto3

from roost.cloud import CloudConnector
from roost.cloud.sandbox import Sandbox
from roost.model import AccountRegion, ConfigurationRecorder, ResourceKey
from roost.recorder.recorder import Recorder
from roost.settings import AccountSettings
from roost.store import Store

OTHER_ACCOUNT = "222233334444"


def _sandbox_client(cloud: Sandbox, service: str, **credentials: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=cloud.endpoint_url,
        region_name="us-east-1",
        **(credentials or {"aws_access_key_id": "test", "aws_secret_access_key": "test"}),
    )


def test_a_second_account_is_recorded_through_an_assumed_role(cloud: Sandbox, store: Store) -> None:
    role_arn = f"arn:aws:iam::{OTHER_ACCOUNT}:role/roost-reader"
    assumed = _sandbox_client(cloud, "sts").assume_role(RoleArn=role_arn, RoleSessionName="setup")[
        "Credentials"
    ]
    other_ec2 = _sandbox_client(
        cloud,
        "ec2",
        aws_access_key_id=assumed["AccessKeyId"],
        aws_secret_access_key=assumed["SecretAccessKey"],
        aws_session_token=assumed["SessionToken"],
    )
    theirs = other_ec2.create_security_group(GroupName="theirs", Description="d")["GroupId"]
    ours = _sandbox_client(cloud, "ec2").create_security_group(GroupName="ours", Description="d")["GroupId"]
    accounts = [
        AccountSettings(
            "123456789012", access_key_id="test", secret_access_key="test", endpoint_url=cloud.endpoint_url
        ),
        AccountSettings(
            OTHER_ACCOUNT,
            access_key_id="test",
            secret_access_key="test",
            role_arn=role_arn,
            endpoint_url=cloud.endpoint_url,
        ),
    ]
    connector = CloudConnector(accounts)
    assert connector.check(OTHER_ACCOUNT, "us-east-1") == OTHER_ACCOUNT
    recorder = Recorder(store, connector)
    mine, other = AccountRegion("123456789012", "us-east-1"), AccountRegion(OTHER_ACCOUNT, "us-east-1")
    for source in (mine, other):
        store.recorders.put(ConfigurationRecorder(source.account_id, source.region, role_arn="r"))
        recorder.record_pass(source, resource_types=["AWS::EC2::SecurityGroup"])

    sg = "AWS::EC2::SecurityGroup"
    theirs_item = store.items.latest_item(other, ResourceKey(sg, theirs))
    assert theirs_item is not None and theirs_item.account_id == OTHER_ACCOUNT
    assert theirs_item.arn == f"arn:aws:ec2:us-east-1:{OTHER_ACCOUNT}:security-group/{theirs}"
    assert store.items.latest_item(mine, ResourceKey(sg, theirs)) is None
    assert store.items.latest_item(other, ResourceKey(sg, ours)) is None
    assert store.items.latest_item(mine, ResourceKey(sg, ours)) is not None
