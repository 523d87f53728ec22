"""Domain objects to and from the Config API's JSON shapes (the API dialect of §4.1 of the spec).

This is the one place that knows `configurationItemCaptureTime`, `roleARN` and the rest of the API's
casing; handlers build their answers from these functions.
"""

from __future__ import annotations

import json
from typing import Any

from roost.formats import (
    recording_group_to_wire,
    recording_mode_to_wire,
)
from roost.model import (
    ConfigurationItem,
    ConfigurationRecorder,
    DeliveryChannel,
    DeliveryChannelStatus,
    DeliveryFrequency,
    DeliveryInfo,
    DiscoveredResource,
    RecorderStatus,
    RecordingFrequency,
)


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# --- recorders -----------------------------------------------------------------------------------


def recorder_to_wire(recorder: ConfigurationRecorder) -> dict[str, Any]:
    return {
        "arn": recorder.arn,
        "name": recorder.name,
        "roleARN": recorder.role_arn,
        "recordingGroup": recording_group_to_wire(recorder.recording_group),
        "recordingMode": recording_mode_to_wire(recorder.recording_mode),
        "recordingScope": "PAID",
    }


def recorder_status_to_wire(recorder: ConfigurationRecorder, status: RecorderStatus) -> dict[str, Any]:
    return {
        "arn": recorder.arn,
        "name": status.name,
        "lastStartTime": status.last_start_time,
        "lastStopTime": status.last_stop_time,
        "recording": status.recording,
        "lastStatus": status.last_status.value,
        "lastErrorCode": status.last_error_code,
        "lastErrorMessage": status.last_error_message,
        "lastStatusChangeTime": status.last_status_change_time,
    }


# --- delivery channels ---------------------------------------------------------------------------


def channel_to_wire(channel: DeliveryChannel) -> dict[str, Any]:
    return {
        "name": channel.name,
        "s3BucketName": channel.s3_bucket_name,
        "s3KeyPrefix": channel.s3_key_prefix,
        "s3KmsKeyArn": channel.s3_kms_key_arn,
        "snsTopicARN": channel.sns_topic_arn,
        "configSnapshotDeliveryProperties": {"deliveryFrequency": channel.delivery_frequency.value},
    }


def channel_from_wire(account_id: str, region: str, raw: dict[str, Any]) -> DeliveryChannel:
    frequency = (raw.get("configSnapshotDeliveryProperties") or {}).get("deliveryFrequency")
    return DeliveryChannel(
        account_id=account_id,
        region=region,
        name=raw.get("name") or "default",
        s3_bucket_name=raw.get("s3BucketName") or "",
        s3_key_prefix=raw.get("s3KeyPrefix") or None,
        s3_kms_key_arn=raw.get("s3KmsKeyArn") or None,
        sns_topic_arn=raw.get("snsTopicARN") or None,
        delivery_frequency=DeliveryFrequency(frequency) if frequency else DeliveryFrequency.TwentyFour_Hours,
    )


def _export_info(info: DeliveryInfo) -> dict[str, Any]:
    return {
        "lastStatus": info.last_status.value,
        "lastErrorCode": info.last_error_code,
        "lastErrorMessage": info.last_error_message,
        "lastAttemptTime": info.last_attempt_time,
        "lastSuccessfulTime": info.last_successful_time,
        "nextDeliveryTime": info.next_delivery_time,
    }


def channel_status_to_wire(status: DeliveryChannelStatus) -> dict[str, Any]:
    stream = status.config_stream
    return {
        "name": status.name,
        "configSnapshotDeliveryInfo": _export_info(status.config_snapshot),
        "configHistoryDeliveryInfo": _export_info(status.config_history),
        "configStreamDeliveryInfo": {
            "lastStatus": stream.last_status.value,
            "lastErrorCode": stream.last_error_code,
            "lastErrorMessage": stream.last_error_message,
            "lastStatusChangeTime": stream.last_attempt_time,
        },
    }


# --- configuration items -------------------------------------------------------------------------


def base_item_to_wire(item: ConfigurationItem) -> dict[str, Any]:
    """`BaseConfigurationItem` (BatchGet*): no tags, no relationships, configuration as JSON text."""
    result: dict[str, Any] = {
        "version": item.version,
        "accountId": item.account_id,
        "configurationItemCaptureTime": item.capture_time,
        "configurationItemStatus": item.status.value,
        "configurationStateId": str(item.configuration_state_id),
        "arn": item.arn,
        "resourceType": item.resource_type,
        "resourceId": item.resource_id,
        "resourceName": item.resource_name,
        "awsRegion": item.aws_region,
        "availabilityZone": item.availability_zone,
        "resourceCreationTime": item.resource_creation_time,
        # Always present, even for deletions: rdklib json.loads it unconditionally.
        "configuration": _json_text(item.configuration) if item.configuration is not None else "null",
        "supplementaryConfiguration": {k: _json_text(v) for k, v in item.supplementary_configuration.items()},
    }
    if item.recording_frequency is RecordingFrequency.DAILY:
        result["recordingFrequency"] = item.recording_frequency.value
        result["configurationItemDeliveryTime"] = item.delivery_time
    return result


def item_to_wire(item: ConfigurationItem) -> dict[str, Any]:
    """`ConfigurationItem` (GetResourceConfigHistory): the base item plus tags, relationships, MD5."""
    result = base_item_to_wire(item)
    result["configurationItemMD5Hash"] = item.md5_hash
    result["tags"] = dict(item.tags)
    result["relatedEvents"] = list(item.related_events)
    result["relationships"] = [
        {
            "resourceType": r.resource_type,
            "resourceId": r.resource_id,
            "resourceName": r.resource_name,
            "relationshipName": r.name,
        }
        for r in item.relationships
    ]
    return result


def resource_identifier_to_wire(resource: DiscoveredResource) -> dict[str, Any]:
    return {
        "resourceType": resource.resource_type,
        "resourceId": resource.resource_id,
        "resourceName": resource.resource_name,
        "resourceDeletionTime": resource.deletion_time,
    }
