"""Creating, starting, stopping and deleting recorders and delivery channels, with AWS's rules.

One recorder and one delivery channel per (account, region); the recorder comes before the channel,
the channel before starting, and a channel cannot go while its recorder records. Breaking a rule
raises ApiError with the exception name AWS answers with, so the CLI and the API say the same.
"""

from __future__ import annotations

from collections.abc import Callable

from roost.clock import Clock
from roost.errors import ApiError
from roost.model import AccountRegion, ConfigurationRecorder, DeliveryChannel
from roost.recorder.recording_group import validate_recording_group, validate_recording_mode
from roost.store import Store

RESERVED_RECORDER_PREFIX = "AWSConfigurationRecorderFor"


def put_recorder(store: Store, recorder: ConfigurationRecorder) -> None:
    if recorder.name.startswith(RESERVED_RECORDER_PREFIX):
        raise ApiError(
            "InvalidConfigurationRecorderNameException",
            f"Names starting with {RESERVED_RECORDER_PREFIX} are reserved for service-linked recorders.",
        )
    if not recorder.name.strip():
        raise ApiError(
            "InvalidConfigurationRecorderNameException", "The configuration recorder name is empty."
        )
    if not recorder.role_arn:
        raise ApiError("InvalidRoleException", "The configuration recorder needs a roleARN.")
    existing = store.recorders.get(recorder.source)
    if existing is not None and existing.name != recorder.name:
        raise ApiError(
            "MaxNumberOfConfigurationRecordersExceededException",
            f"Failed to put configuration recorder '{recorder.name}' because the maximum number of "
            f"configuration recorders: 1 is reached (recorder '{existing.name}' exists).",
        )
    validate_recording_group(recorder.recording_group)
    validate_recording_mode(recorder.recording_mode)
    store.recorders.put(recorder)


def _recorder(store: Store, source: AccountRegion, name: str) -> ConfigurationRecorder:
    recorder = store.recorders.get(source, name)
    if recorder is None:
        raise ApiError(
            "NoSuchConfigurationRecorderException",
            f"Cannot find configuration recorder with the specified name '{name}'.",
        )
    return recorder


def start_recorder(store: Store, source: AccountRegion, name: str, *, clock: Clock) -> None:
    _recorder(store, source, name)
    if store.channels.get(source) is None:
        raise ApiError(
            "NoAvailableDeliveryChannelException",
            "Delivery channel is not available to start configuration recorder.",
        )
    store.recorders.set_recording(source, name, recording=True, now=clock.now())


def stop_recorder(store: Store, source: AccountRegion, name: str, *, clock: Clock) -> None:
    _recorder(store, source, name)
    store.recorders.set_recording(source, name, recording=False, now=clock.now())


def delete_recorder(store: Store, source: AccountRegion, name: str) -> None:
    """Delete a recorder. Its recorded history stays (AWS keeps it readable too)."""
    _recorder(store, source, name)
    store.recorders.delete(source, name)


def put_channel(
    store: Store, channel: DeliveryChannel, *, check_bucket: Callable[[DeliveryChannel], None]
) -> None:
    """Create or update the delivery channel; `check_bucket` writes AWS's writability probe."""
    if not channel.name.strip():
        raise ApiError("InvalidDeliveryChannelNameException", "The delivery channel name is empty.")
    if store.recorders.get(channel.source) is None:
        raise ApiError(
            "NoAvailableConfigurationRecorderException",
            "Configuration recorder is not available to put delivery channel.",
        )
    existing = store.channels.get(channel.source)
    if existing is not None and existing.name != channel.name:
        raise ApiError(
            "MaxNumberOfDeliveryChannelsExceededException",
            f"Failed to put delivery channel '{channel.name}' because the maximum number of delivery "
            f"channels: 1 is reached.",
        )
    if not channel.s3_bucket_name:
        raise ApiError("NoSuchBucketException", "Cannot find a S3 bucket with an empty bucket name.")
    if channel.s3_key_prefix is not None and (
        channel.s3_key_prefix.startswith("/") or "AWSLogs" in channel.s3_key_prefix
    ):
        raise ApiError("InvalidS3KeyPrefixException", "The s3 key prefix is not valid.")
    check_bucket(channel)
    store.channels.put(channel, start_cursor=store.items.last_item_row_id())


def delete_channel(store: Store, source: AccountRegion, name: str) -> None:
    if store.channels.get(source, name) is None:
        raise ApiError(
            "NoSuchDeliveryChannelException", f"Cannot find delivery channel with specified name '{name}'."
        )
    recorder = store.recorders.get(source)
    if recorder is not None:
        status = store.recorders.status(source, recorder.name)
        if status is not None and status.recording:
            raise ApiError(
                "LastDeliveryChannelDeleteFailedException",
                f"Failed to delete last specified delivery channel with name '{name}', "
                "because there is a running configuration recorder.",
            )
    store.channels.delete(source, name)
