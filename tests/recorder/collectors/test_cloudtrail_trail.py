from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import AccountRegion, ConfigurationRecorder, ItemStatus, RecordingGroup, ResourceKey
from roost.recorder.recorder import Recorder
from roost.settings import SANDBOX_ACCOUNT_ID
from tests.conftest import SOURCE

TRAIL = "AWS::CloudTrail::Trail"
ARN = "arn:aws:cloudtrail:us-east-1:123456789012:trail/management"


def make_trail(aws: Callable[..., Any], **extra: Any) -> None:
    aws("s3").create_bucket(Bucket="trail-logs")
    aws("cloudtrail").create_trail(Name="management", S3BucketName="trail-logs", **extra)


def test_trail_is_recorded_by_name_with_its_settings_and_tags(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    make_trail(
        aws,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId="arn:aws:kms:us-east-1:123456789012:key/trail-key",
        TagsList=[{"Key": "team", "Value": "security"}],
    )

    recorder.record_pass(SOURCE, resource_types=[TRAIL])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(TRAIL, "management"))
    assert item is not None and item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.resource_name == "management"
    assert item.arn == ARN
    assert item.availability_zone == "Not Applicable"
    assert item.tags == {"team": "security"}
    assert item.relationships == ()
    config = item.configuration
    assert config is not None
    assert config["name"] == "management"
    assert config["trailARN"] == ARN
    assert config["s3BucketName"] == "trail-logs"
    assert config["isMultiRegionTrail"] is True
    assert config["logFileValidationEnabled"] is True
    assert config["kmsKeyId"] == "arn:aws:kms:us-east-1:123456789012:key/trail-key"
    assert config["homeRegion"] == "us-east-1"
    assert "tags" not in config and "isLogging" not in config


def test_a_multi_region_trail_is_recorded_in_its_home_region_only(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    make_trail(aws, IsMultiRegionTrail=True)
    other = AccountRegion(SANDBOX_ACCOUNT_ID, "ap-northeast-2")
    recorder.store.recorders.put(
        ConfigurationRecorder(SANDBOX_ACCOUNT_ID, other.region, recording_group=RecordingGroup())
    )

    result = recorder.record_pass(other, resource_types=[TRAIL])

    assert result.errors == [] and [t.resource_type for t in result.types] == [TRAIL]
    assert recorder.store.items.latest_item(other, ResourceKey(TRAIL, "management")) is None


def test_changes_deletion_and_targeted_reads(recorder: Recorder, aws: Callable[..., Any]) -> None:
    make_trail(aws)
    key = ResourceKey(TRAIL, "management")
    recorder.record_pass(SOURCE, resource_types=[TRAIL])
    assert recorder.record_pass(SOURCE, resource_types=[TRAIL]).items_written == 0

    aws("cloudtrail").update_trail(Name="management", EnableLogFileValidation=True)
    updated = recorder.record_resource(SOURCE, key)
    assert updated is not None and updated.status is ItemStatus.OK
    assert updated.configuration is not None and updated.configuration["logFileValidationEnabled"] is True
    assert recorder.record_resource(SOURCE, ResourceKey(TRAIL, "no-such-trail")) is None

    aws("cloudtrail").delete_trail(Name="management")
    recorder.record_pass(SOURCE, resource_types=[TRAIL])

    history = recorder.store.items.history(SOURCE, key)
    assert [i.status for i in history] == [
        ItemStatus.RESOURCE_DELETED,
        ItemStatus.OK,
        ItemStatus.RESOURCE_DISCOVERED,
    ]
