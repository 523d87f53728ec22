"""The record format: how AWS writes a configuration item outside its API.

Lambda invoking events, SNS notifications and the S3 history and snapshot files all carry items in
this dialect (see ../shared/spec/aws-config-api.md §4.1): `awsAccountId`, `ARN`,
`configurationItemVersion`, `configurationStateMd5Hash`, relationship `name`, `configuration` as a
JSON object, ISO-8601 times with milliseconds, a numeric `configurationStateId`. The API dialect
(epoch seconds, `configuration` as a JSON string) belongs to roost/api/.
"""

from __future__ import annotations

from typing import Any

from roost.clock import iso_millis
from roost.model import ConfigurationItem, ItemDiff, RecordingFrequency, Relationship


def relationship_record(relationship: Relationship) -> dict[str, Any]:
    return {
        "resourceId": relationship.resource_id,
        "resourceName": relationship.resource_name,
        "resourceType": relationship.resource_type,
        "name": relationship.name,
    }


def item_record(item: ConfigurationItem) -> dict[str, Any]:
    """One configuration item in the record format."""
    record: dict[str, Any] = {
        "relatedEvents": list(item.related_events),
        "relationships": [relationship_record(r) for r in item.relationships],
        "configuration": item.configuration,
        "supplementaryConfiguration": dict(item.supplementary_configuration),
        "tags": dict(item.tags),
        "configurationItemVersion": item.version,
        "configurationItemCaptureTime": iso_millis(item.capture_time),
        "configurationStateId": item.configuration_state_id,
        "awsAccountId": item.account_id,
        "configurationItemStatus": item.status.value,
        "resourceType": item.resource_type,
        "resourceId": item.resource_id,
        "resourceName": item.resource_name,
        "ARN": item.arn,
        "awsRegion": item.aws_region,
        "availabilityZone": item.availability_zone,
        "configurationStateMd5Hash": item.md5_hash,
        "resourceCreationTime": iso_millis(item.resource_creation_time)
        if item.resource_creation_time
        else None,
    }
    if item.recording_frequency is RecordingFrequency.DAILY:
        record["recordingFrequency"] = item.recording_frequency.value
        record["configurationItemDeliveryTime"] = (
            iso_millis(item.delivery_time) if item.delivery_time else None
        )
    return record


def diff_record(diff: ItemDiff | None) -> dict[str, Any] | None:
    """`configurationItemDiff` in the record format (None when no diff was kept)."""
    if diff is None:
        return None
    return {
        "changedProperties": {
            path: {
                "previousValue": change.previous_value,
                "updatedValue": change.updated_value,
                "changeType": change.change_type.value,
            }
            for path, change in diff.changed_properties.items()
        },
        "changeType": diff.change_type.value,
    }


def item_summary(item: ConfigurationItem, change_type: str) -> dict[str, Any]:
    """`configurationItemSummary`: what an oversized change notification carries instead of the item."""
    return {
        "changeType": change_type,
        "configurationItemVersion": item.version,
        "configurationItemCaptureTime": iso_millis(item.capture_time),
        "configurationStateId": item.configuration_state_id,
        "awsAccountId": item.account_id,
        "configurationItemStatus": item.status.value,
        "resourceType": item.resource_type,
        "resourceId": item.resource_id,
        "resourceName": item.resource_name,
        "ARN": item.arn,
        "awsRegion": item.aws_region,
        "availabilityZone": item.availability_zone,
        "configurationStateMd5Hash": item.md5_hash,
        "resourceCreationTime": iso_millis(item.resource_creation_time)
        if item.resource_creation_time
        else None,
    }
