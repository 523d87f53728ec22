"""Recorder operations through boto3 against a live roost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.api.conftest import OTHER_KEYS, LiveApi

ROLE = "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def test_put_and_describe_a_recorder(config: Any, live_api: LiveApi) -> None:
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": ROLE,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    (recorder,) = config.describe_configuration_recorders()["ConfigurationRecorders"]
    assert recorder["name"] == "default" and recorder["roleARN"] == ROLE
    assert recorder["recordingGroup"]["allSupported"] is True
    assert recorder["recordingGroup"]["includeGlobalResourceTypes"] is True
    assert recorder["recordingGroup"]["recordingStrategy"] == {"useOnly": "ALL_SUPPORTED_RESOURCE_TYPES"}
    assert recorder["recordingMode"]["recordingFrequency"] == "CONTINUOUS"
    (status,) = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
    assert status["name"] == "default" and status["recording"] is False
    assert live_api.recording_changes == 1


def test_recorder_errors_are_awss(config: Any, client_error: Callable[..., str]) -> None:
    assert client_error(lambda: config.start_configuration_recorder(ConfigurationRecorderName="default")) == (
        "NoSuchConfigurationRecorderException"
    )
    assert (
        client_error(lambda: config.put_configuration_recorder(ConfigurationRecorder={"name": "default"}))
        == "InvalidRoleException"
    )
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": ROLE})
    assert (
        client_error(
            lambda: config.put_configuration_recorder(
                ConfigurationRecorder={"name": "second", "roleARN": ROLE}
            )
        )
        == "MaxNumberOfConfigurationRecordersExceededException"
    )
    assert client_error(lambda: config.start_configuration_recorder(ConfigurationRecorderName="default")) == (
        "NoAvailableDeliveryChannelException"
    )
    assert (
        client_error(
            lambda: config.put_configuration_recorder(
                ConfigurationRecorder={
                    "name": "default",
                    "roleARN": ROLE,
                    "recordingGroup": {"allSupported": True, "resourceTypes": ["AWS::EC2::VPC"]},
                }
            )
        )
        == "InvalidRecordingGroupException"
    )
    assert client_error(
        lambda: config.describe_configuration_recorders(ConfigurationRecorderNames=["nope"])
    ) == ("NoSuchConfigurationRecorderException")


def test_accounts_do_not_see_each_other(config: Any, live_api: LiveApi) -> None:
    config.put_configuration_recorder(ConfigurationRecorder={"name": "mine", "roleARN": ROLE})
    other = live_api.client(keys=OTHER_KEYS)
    other_region = live_api.client(region="eu-west-1")
    assert other.describe_configuration_recorders()["ConfigurationRecorders"] == []
    assert other_region.describe_configuration_recorders()["ConfigurationRecorders"] == []
    assert [r["name"] for r in config.describe_configuration_recorders()["ConfigurationRecorders"]] == [
        "mine"
    ]
