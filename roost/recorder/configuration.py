"""Creating, starting, stopping and deleting recorders and delivery channels, with AWS's rules.

One recorder and one delivery channel per (account, region); the recorder comes before the channel,
the channel before starting, and a channel cannot go while its recorder records. Breaking a rule
raises ApiError with the exception name AWS answers with, so the CLI and the API say the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from roost.clock import Clock
from roost.errors import ApiError, CloudError
from roost.model import AccountRegion, ConfigurationRecorder, DeliveryChannel
from roost.recorder.recording_group import validate_recording_group, validate_recording_mode
from roost.store import Store

RESERVED_RECORDER_PREFIX = "AWSConfigurationRecorderFor"

#: A KMS key or alias ARN (AWS Config accepts either for s3KmsKeyArn).
_KMS_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_+=,.@-]+")
_SNS_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?")
#: CloudError codes of the bucket probe meaning "no such bucket" (S3's, and a name S3 would never have:
#: botocore refuses those before sending, with a ParamValidationError).
_MISSING_BUCKET = frozenset({"NoSuchBucket", "InvalidBucketName", "404", "NotFound", "ParamValidationError"})
#: CloudError codes of the topic check meaning "no such topic" (SNS's, and a malformed ARN).
_MISSING_TOPIC = frozenset(
    {"NotFound", "NotFoundException", "InvalidParameter", "InvalidSNSTopicARNException"}
)


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


def _check_channel(channel: DeliveryChannel) -> None:
    """The checks AWS makes on the request alone, before it touches the bucket or the topic."""
    if not channel.name.strip():
        raise ApiError(
            "InvalidDeliveryChannelNameException",
            f"The delivery channel name '{channel.name}' is not valid, blank string.",
        )
    if not channel.s3_bucket_name.strip():
        raise ApiError("NoSuchBucketException", "Cannot find a S3 bucket with an empty bucket name.")
    prefix = channel.s3_key_prefix
    if prefix is not None and (
        not prefix.strip()
        or prefix.startswith("/")
        or "AWSLogs" in prefix
        or any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in prefix)
    ):
        raise ApiError(
            "InvalidS3KeyPrefixException",
            f"The s3 key prefix '{prefix}' is not valid: it may not be empty, start with '/', or "
            "contain 'AWSLogs' or control characters.",
        )
    kms_key = channel.s3_kms_key_arn
    if kms_key is not None and _KMS_KEY_ARN.fullmatch(kms_key) is None:
        raise ApiError(
            "InvalidS3KmsKeyArnException", f"The arn '{kms_key}' is not a valid kms key or alias arn."
        )
    topic = channel.sns_topic_arn
    if topic is not None and _SNS_TOPIC_ARN.fullmatch(topic) is None:
        raise ApiError("InvalidSNSTopicARNException", f"The sns topic arn '{topic}' is not valid.")


def _bucket_error(channel: DeliveryChannel, error: CloudError) -> ApiError:
    """What AWS answers when its writability probe of the bucket fails."""
    if error.code in _MISSING_BUCKET:
        return ApiError(
            "NoSuchBucketException", f"Cannot find a S3 bucket with name '{channel.s3_bucket_name}'."
        )
    if channel.s3_kms_key_arn and (error.code.startswith("KMS") or error.code == "InvalidArgument"):
        return ApiError(
            "InvalidS3KmsKeyArnException",
            f"The kms key '{channel.s3_kms_key_arn}' cannot encrypt objects in s3 bucket "
            f"'{channel.s3_bucket_name}': {error.code}: {error.message}",
        )
    # Access denied, and anything else that stops the probe (an account roost has no credentials for,
    # an unreachable endpoint): AWS's catch-all is the bucket policy, with the reason in the message.
    return ApiError(
        "InsufficientDeliveryPolicyException",
        f"Insufficient delivery policy to s3 bucket: {channel.s3_bucket_name}, unable to write to bucket, "
        f"provided s3 key prefix is '{channel.s3_key_prefix}', provided kms key is "
        f"'{channel.s3_kms_key_arn}' ({error.code}: {error.message}).",
    )


def _topic_error(channel: DeliveryChannel, error: CloudError) -> ApiError:
    if error.code in _MISSING_TOPIC:
        return ApiError(
            "InvalidSNSTopicARNException",
            f"The sns topic arn '{channel.sns_topic_arn}' is not valid: the topic does not exist.",
        )
    return ApiError(
        "InsufficientDeliveryPolicyException",
        f"Insufficient delivery policy to sns topic: {channel.sns_topic_arn}, unable to use the topic "
        f"({error.code}: {error.message}).",
    )


def put_channel(
    store: Store,
    channel: DeliveryChannel,
    *,
    check_bucket: Callable[[DeliveryChannel], None],
    check_topic: Callable[[DeliveryChannel], None] | None = None,
) -> None:
    """Create or update the delivery channel, replacing every setting of an existing one.

    AWS's order: a recorder must exist; then the request's own values; then one channel per region;
    then `check_bucket` writes the writability probe and `check_topic` (if given) checks the SNS
    topic. Their CloudErrors become the exceptions AWS answers with.
    """
    if store.recorders.get(channel.source) is None:
        raise ApiError(
            "NoAvailableConfigurationRecorderException",
            "Configuration recorder is not available to put delivery channel.",
        )
    _check_channel(channel)
    existing = store.channels.get(channel.source)
    if existing is not None and existing.name != channel.name:
        raise ApiError(
            "MaxNumberOfDeliveryChannelsExceededException",
            f"Failed to put delivery channel '{channel.name}' because the maximum number of delivery "
            f"channels: 1 is reached.",
        )
    try:
        check_bucket(channel)
    except CloudError as error:
        raise _bucket_error(channel, error) from None
    if check_topic is not None and channel.sns_topic_arn is not None:
        try:
            check_topic(channel)
        except CloudError as error:
            raise _topic_error(channel, error) from None
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
