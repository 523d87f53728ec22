"""Recorders, their status, passes and collection errors on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from roost.model import (
    AccountRegion,
    CollectionError,
    ConfigurationRecorder,
    DeliveryChannel,
    DeliveryFrequency,
    RecorderLastStatus,
    RecordingFrequency,
    RecordingGroup,
    RecordingMode,
    RecordingModeOverride,
    RecordingStrategy,
)
from roost.store import Store

SOURCE = AccountRegion("111122223333", "eu-west-1")
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_recorder_round_trips_with_every_field(any_store: Store) -> None:
    recorder = ConfigurationRecorder(
        SOURCE.account_id,
        SOURCE.region,
        name="main",
        role_arn="arn:aws:iam::111122223333:role/config",
        recording_group=RecordingGroup(
            all_supported=False,
            exclusion_resource_types=("AWS::EC2::Volume",),
            strategy=RecordingStrategy.EXCLUSION_BY_RESOURCE_TYPES,
        ),
        recording_mode=RecordingMode(
            RecordingFrequency.CONTINUOUS,
            (RecordingModeOverride(("AWS::EC2::Instance",), RecordingFrequency.DAILY, "instances daily"),),
        ),
    )
    any_store.recorders.put(recorder)

    assert any_store.recorders.get(SOURCE) == recorder
    assert any_store.recorders.list() == [recorder]
    status = any_store.recorders.status(SOURCE, "main")
    assert status is not None and not status.recording


def test_status_follows_start_stop_and_failures(any_store: Store) -> None:
    any_store.recorders.put(ConfigurationRecorder(SOURCE.account_id, SOURCE.region, role_arn="r"))
    any_store.recorders.set_recording(SOURCE, "default", recording=True, now=NOW)
    any_store.recorders.set_last_status(
        SOURCE, "default", RecorderLastStatus.FAILURE, now=NOW, error_code="AccessDenied", error_message="no"
    )
    any_store.recorders.set_recording(SOURCE, "default", recording=False, now=NOW + timedelta(minutes=1))

    status = any_store.recorders.status(SOURCE, "default")
    assert status is not None
    assert not status.recording
    assert status.last_start_time == NOW
    assert status.last_stop_time == NOW + timedelta(minutes=1)
    assert (status.last_status, status.last_error_code) == (RecorderLastStatus.FAILURE, "AccessDenied")


def test_collection_errors_are_replaced_per_type(any_store: Store) -> None:
    first = CollectionError("AWS::S3::Bucket", "b1", "AccessDenied", "denied", NOW)
    other = CollectionError("AWS::IAM::User", None, "Throttling", "slow down", NOW)
    any_store.recorders.replace_errors(SOURCE, "AWS::S3::Bucket", [first])
    any_store.recorders.replace_errors(SOURCE, "AWS::IAM::User", [other])
    any_store.recorders.replace_errors(SOURCE, "AWS::S3::Bucket", [])

    assert any_store.recorders.errors(SOURCE) == [other]


def test_passes_and_type_collections(any_store: Store) -> None:
    pass_id = any_store.recorders.start_pass(SOURCE, ["AWS::EC2::VPC", "AWS::EC2::Subnet"], now=NOW)
    any_store.recorders.mark_collected(SOURCE, "AWS::EC2::VPC", now=NOW, pass_id=pass_id)

    last = any_store.recorders.last_pass(SOURCE)
    assert last is not None and last.id == pass_id and last.finished_time is None
    assert any_store.recorders.collections(SOURCE) == {"AWS::EC2::VPC": (NOW, pass_id)}
    any_store.recorders.finish_pass(pass_id, now=NOW, items_written=3, error_count=0)
    finished = any_store.recorders.last_pass(SOURCE)
    assert finished is not None and finished.finished_time == NOW and finished.items_written == 3


def test_a_delivery_channel_round_trips_with_cursors(any_store: Store) -> None:
    channel = DeliveryChannel(
        SOURCE.account_id,
        SOURCE.region,
        s3_bucket_name="bucket",
        s3_key_prefix="config",
        sns_topic_arn="arn:aws:sns:eu-west-1:111122223333:config",
        delivery_frequency=DeliveryFrequency.Six_Hours,
    )
    any_store.channels.put(channel, start_cursor=42)
    any_store.channels.advance(SOURCE, "default", stream_cursor=50)

    assert any_store.channels.list() == [channel]
    assert any_store.channels.cursors(SOURCE, "default") == (42, 50, 0)
    assert DeliveryFrequency.Six_Hours.seconds == 6 * 3600
