"""Delivery channel operations through boto3 and the AWS CLI against a live roost, with the sandbox's
S3 and SNS behind it."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from roost.api.context import ApiServices
from tests.api.conftest import OTHER_KEYS, LiveApi, aws_configservice
from tests.conftest import SOURCE
from tests.delivery.conftest import Topic

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
BUCKET = f"config-bucket-{ACCOUNT}"
SG = "AWS::EC2::SecurityGroup"


def _recorder(config: Any, name: str = "default") -> None:
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": name,
            "roleARN": ROLE,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )


def _channel(config: Any, **members: Any) -> None:
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": BUCKET, **members})


@pytest.fixture
def s3(aws: Callable[..., Any]) -> Any:
    """The sandbox's S3, with the delivery bucket created."""
    client = aws("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def _read(s3: Any, key: str) -> Any:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return json.loads(gzip.decompress(body))


def _keys(s3: Any, prefix: str = "") -> list[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return [o["Key"] for o in listed]


# --- happy paths -----------------------------------------------------------------------------------


def test_put_describe_update_and_delete_a_channel(config: Any, s3: Any) -> None:
    _recorder(config)
    _channel(
        config, s3KeyPrefix="org/config", configSnapshotDeliveryProperties={"deliveryFrequency": "Six_Hours"}
    )

    # AWS's writability probe, under the prefix.
    probe = f"org/config/AWSLogs/{ACCOUNT}/Config/ConfigWritabilityCheckFile"
    assert s3.get_object(Bucket=BUCKET, Key=probe)["Body"].read() == b""

    (channel,) = config.describe_delivery_channels()["DeliveryChannels"]
    assert channel == {
        "name": "default",
        "s3BucketName": BUCKET,
        "s3KeyPrefix": "org/config",
        "configSnapshotDeliveryProperties": {"deliveryFrequency": "Six_Hours"},
    }
    assert config.describe_delivery_channels(DeliveryChannelNames=["default"])["DeliveryChannels"] == [
        channel
    ]

    (status,) = config.describe_delivery_channel_status()["DeliveryChannelsStatus"]
    assert status["name"] == "default"
    assert status["configStreamDeliveryInfo"]["lastStatus"] == "Not_Applicable"
    assert set(status) >= {"configSnapshotDeliveryInfo", "configHistoryDeliveryInfo"}
    named = config.describe_delivery_channel_status(DeliveryChannelNames=["default"])[
        "DeliveryChannelsStatus"
    ]
    assert [s["name"] for s in named] == ["default"]

    # Put again under the same name: an update that replaces every member.
    _channel(config)
    (updated,) = config.describe_delivery_channels()["DeliveryChannels"]
    assert "s3KeyPrefix" not in updated
    assert updated["configSnapshotDeliveryProperties"] == {"deliveryFrequency": "TwentyFour_Hours"}

    config.delete_delivery_channel(DeliveryChannelName="default")
    assert config.describe_delivery_channels()["DeliveryChannels"] == []
    assert config.describe_delivery_channel_status()["DeliveryChannelsStatus"] == []


def test_a_channel_with_an_existing_topic_and_kms_key(config: Any, s3: Any, aws: Callable[..., Any]) -> None:
    topic = Topic(aws, "config-topic")
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    _recorder(config)
    _channel(config, snsTopicARN=topic.arn, s3KmsKeyArn=key)
    (channel,) = config.describe_delivery_channels()["DeliveryChannels"]
    assert channel["snsTopicARN"] == topic.arn and channel["s3KmsKeyArn"] == key


def test_deliver_config_snapshot_writes_the_snapshot_to_s3(
    config: Any, s3: Any, aws: Callable[..., Any], live_api: LiveApi
) -> None:
    group = aws("ec2").create_security_group(GroupName="lab", Description="lab")["GroupId"]
    topic = Topic(aws, "snapshots")
    _recorder(config)
    _channel(config, s3KeyPrefix="snaps", snsTopicARN=topic.arn)
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    services: ApiServices = live_api.services
    assert services.recorder is not None
    services.recorder.record_pass(SOURCE, resource_types=[SG])

    snapshot_id = config.deliver_config_snapshot(deliveryChannelName="default")["configSnapshotId"]

    (key,) = [k for k in _keys(s3, f"snaps/AWSLogs/{ACCOUNT}/Config/us-east-1/") if "/ConfigSnapshot/" in k]
    assert key.endswith(f"_{snapshot_id}.json.gz")
    assert f"/{ACCOUNT}_Config_us-east-1_ConfigSnapshot_" in key
    body = _read(s3, key)
    assert body["fileVersion"] == "1.0" and body["configSnapshotId"] == snapshot_id
    snapshotted = {(i["resourceType"], i["resourceId"]) for i in body["configurationItems"]}
    assert (SG, group) in snapshotted
    assert all(i["awsAccountId"] == ACCOUNT for i in body["configurationItems"])

    messages = [n.message for n in topic.received()]
    kinds = {m["messageType"]: m for m in messages}
    assert kinds["ConfigurationSnapshotDeliveryStarted"]["configSnapshotId"] == snapshot_id
    completed = kinds["ConfigurationSnapshotDeliveryCompleted"]
    assert completed["configSnapshotId"] == snapshot_id and completed["s3ObjectKey"] == key

    (status,) = config.describe_delivery_channel_status()["DeliveryChannelsStatus"]
    info = status["configSnapshotDeliveryInfo"]
    assert info["lastStatus"] == "Success"
    assert isinstance(info["lastSuccessfulTime"], datetime)


def test_a_failed_snapshot_is_an_id_and_a_failure_in_the_status(config: Any, s3: Any) -> None:
    """AWS delivers snapshots asynchronously: the call succeeds; the failure is in the channel's status."""
    _recorder(config)
    _channel(config)
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    for key in _keys(s3):
        s3.delete_object(Bucket=BUCKET, Key=key)
    s3.delete_bucket(Bucket=BUCKET)

    assert config.deliver_config_snapshot(deliveryChannelName="default")["configSnapshotId"]
    (status,) = config.describe_delivery_channel_status()["DeliveryChannelsStatus"]
    info = status["configSnapshotDeliveryInfo"]
    assert info["lastStatus"] == "Failure" and info["lastErrorCode"] == "NoSuchBucket"


# --- AWS's ordering rules ----------------------------------------------------------------------------


def test_recorder_before_channel_before_start_and_no_delete_while_recording(
    config: Any, s3: Any, client_error: Callable[..., str]
) -> None:
    assert client_error(lambda: _channel(config)) == "NoAvailableConfigurationRecorderException"
    _recorder(config)
    start = lambda: config.start_configuration_recorder(ConfigurationRecorderName="default")  # noqa: E731
    assert client_error(start) == "NoAvailableDeliveryChannelException"
    _channel(config)
    snapshot = lambda: config.deliver_config_snapshot(deliveryChannelName="default")  # noqa: E731
    assert client_error(snapshot) == "NoRunningConfigurationRecorderException"
    start()

    delete = lambda: config.delete_delivery_channel(DeliveryChannelName="default")  # noqa: E731
    assert client_error(delete) == "LastDeliveryChannelDeleteFailedException"
    assert len(config.describe_delivery_channels()["DeliveryChannels"]) == 1

    config.stop_configuration_recorder(ConfigurationRecorderName="default")
    assert client_error(snapshot) == "NoRunningConfigurationRecorderException"
    # A channel may outlive its recorder; a snapshot then has no recorder to come from.
    config.delete_configuration_recorder(ConfigurationRecorderName="default")
    assert client_error(snapshot) == "NoAvailableConfigurationRecorderException"
    delete()
    assert config.describe_delivery_channels()["DeliveryChannels"] == []


def test_one_channel_per_region(config: Any, s3: Any, client_error: Callable[..., str]) -> None:
    _recorder(config)
    _channel(config)
    second = lambda: config.put_delivery_channel(  # noqa: E731
        DeliveryChannel={"name": "second", "s3BucketName": BUCKET}
    )
    assert client_error(second) == "MaxNumberOfDeliveryChannelsExceededException"
    assert [c["name"] for c in config.describe_delivery_channels()["DeliveryChannels"]] == ["default"]


# --- PutDeliveryChannel's checks -------------------------------------------------------------------


@pytest.mark.parametrize(
    "members,error",
    [
        ({"s3BucketName": "no-such-bucket"}, "NoSuchBucketException"),
        ({"s3BucketName": ""}, "NoSuchBucketException"),
        ({"s3BucketName": "not/a bucket"}, "NoSuchBucketException"),
        ({"name": "   "}, "InvalidDeliveryChannelNameException"),
        ({"s3KeyPrefix": ""}, "InvalidS3KeyPrefixException"),
        ({"s3KeyPrefix": "/leading-slash"}, "InvalidS3KeyPrefixException"),
        ({"s3KeyPrefix": "x/AWSLogs"}, "InvalidS3KeyPrefixException"),
        ({"s3KeyPrefix": "tab\there"}, "InvalidS3KeyPrefixException"),
        ({"s3KmsKeyArn": ""}, "InvalidS3KmsKeyArnException"),
        ({"s3KmsKeyArn": "not-a-key"}, "InvalidS3KmsKeyArnException"),
        ({"s3KmsKeyArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:topic"}, "InvalidS3KmsKeyArnException"),
        ({"snsTopicARN": ""}, "InvalidSNSTopicARNException"),
        ({"snsTopicARN": "not-an-arn"}, "InvalidSNSTopicARNException"),
        ({"snsTopicARN": f"arn:aws:sns:us-east-1:{ACCOUNT}:no-such-topic"}, "InvalidSNSTopicARNException"),
    ],
)
def test_put_delivery_channel_rejects_what_aws_rejects(
    config: Any, s3: Any, client_error: Callable[..., str], members: dict[str, Any], error: str
) -> None:
    _recorder(config)
    assert client_error(lambda: _channel(config, **members)) == error
    assert config.describe_delivery_channels()["DeliveryChannels"] == []


def test_a_bucket_roost_cannot_write_is_an_insufficient_delivery_policy(
    live_api: LiveApi, s3: Any, client_error: Callable[..., str]
) -> None:
    # roost has no credentials for the other account, so it cannot write to any bucket for it.
    other = live_api.client(keys=OTHER_KEYS)
    _recorder(other)
    assert client_error(lambda: _channel(other)) == "InsufficientDeliveryPolicyException"
    assert other.describe_delivery_channels()["DeliveryChannels"] == []


def test_unknown_channel_names(config: Any, s3: Any, client_error: Callable[..., str]) -> None:
    calls = [
        lambda: config.describe_delivery_channels(DeliveryChannelNames=["nope"]),
        lambda: config.describe_delivery_channel_status(DeliveryChannelNames=["nope"]),
        lambda: config.delete_delivery_channel(DeliveryChannelName="nope"),
        lambda: config.deliver_config_snapshot(deliveryChannelName="nope"),
    ]
    assert [client_error(call) for call in calls] == ["NoSuchDeliveryChannelException"] * 4
    _recorder(config)
    _channel(config)
    assert [client_error(call) for call in calls] == ["NoSuchDeliveryChannelException"] * 4


def test_a_server_without_a_deliverer_says_so(
    live_api: LiveApi, config: Any, client_error: Callable[..., str]
) -> None:
    _recorder(config)
    live_api.services.deliverer = None
    assert client_error(lambda: _channel(config)) == "NotImplementedException"


# --- isolation ---------------------------------------------------------------------------------------


def test_other_accounts_and_regions_see_nothing(
    config: Any, live_api: LiveApi, s3: Any, client_error: Callable[..., str]
) -> None:
    _recorder(config)
    _channel(config)
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    for client in (live_api.client(keys=OTHER_KEYS), live_api.client(region="eu-west-1")):
        assert client.describe_delivery_channels()["DeliveryChannels"] == []
        assert client.describe_delivery_channel_status()["DeliveryChannelsStatus"] == []
        for call in (
            lambda c=client: c.describe_delivery_channels(DeliveryChannelNames=["default"]),
            lambda c=client: c.delete_delivery_channel(DeliveryChannelName="default"),
            lambda c=client: c.deliver_config_snapshot(deliveryChannelName="default"),
        ):
            assert client_error(call) == "NoSuchDeliveryChannelException"

    # Another region of the same account has a channel of its own (the same bucket may serve both).
    seoul = live_api.client(region="ap-northeast-2")
    _recorder(seoul)
    seoul.put_delivery_channel(DeliveryChannel={"name": "seoul", "s3BucketName": BUCKET})
    assert [c["name"] for c in seoul.describe_delivery_channels()["DeliveryChannels"]] == ["seoul"]
    assert [c["name"] for c in config.describe_delivery_channels()["DeliveryChannels"]] == ["default"]
    seoul.delete_delivery_channel(DeliveryChannelName="seoul")  # its recorder is not recording
    assert len(config.describe_delivery_channels()["DeliveryChannels"]) == 1


# --- the AWS CLI, as a user types lab part 1 step 1 --------------------------------------------------


def test_lab_part_1_step_1_with_the_aws_cli(live_api: LiveApi, s3: Any, tmp_path: Path) -> None:
    def aws_cli(*args: str) -> Any:
        return aws_configservice(live_api.url, *args)

    assert (
        aws_cli(
            "put-configuration-recorder",
            "--configuration-recorder",
            f"name=default,roleARN={ROLE}",
            "--recording-group",
            "allSupported=true,includeGlobalResourceTypes=true",
        )
        is None
    )
    channel_file = tmp_path / "deliveryChannel.json"
    channel_file.write_text(
        json.dumps(
            {
                "name": "default",
                "s3BucketName": BUCKET,
                "configSnapshotDeliveryProperties": {"deliveryFrequency": "Twelve_Hours"},
            }
        )
    )
    assert aws_cli("put-delivery-channel", "--delivery-channel", f"file://{channel_file}") is None
    assert aws_cli("start-configuration-recorder", "--configuration-recorder-name", "default") is None

    (status,) = aws_cli("describe-configuration-recorder-status")["ConfigurationRecordersStatus"]
    assert status["name"] == "default" and status["recording"] is True
    assert isinstance(status["lastStartTime"], float)  # AWS CLI v1 prints the wire's epoch seconds
    assert status["arn"].startswith(f"arn:aws:config:us-east-1:{ACCOUNT}:configuration-recorder/default")

    assert aws_cli("describe-delivery-channels") == {
        "DeliveryChannels": [
            {
                "name": "default",
                "s3BucketName": BUCKET,
                "configSnapshotDeliveryProperties": {"deliveryFrequency": "Twelve_Hours"},
            }
        ]
    }
