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
from roost.model import (
    ConfigurationItem,
    ItemDiff,
    RecordingFrequency,
    RecordingGroup,
    RecordingMode,
    RecordingModeOverride,
    RecordingStrategy,
    Relationship,
)


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


SUMMARY_FIELDS = (
    "configurationItemVersion",
    "configurationItemCaptureTime",
    "configurationStateId",
    "awsAccountId",
    "configurationItemStatus",
    "resourceType",
    "resourceId",
    "resourceName",
    "ARN",
    "awsRegion",
    "availabilityZone",
    "configurationStateMd5Hash",
    "resourceCreationTime",
)


def item_summary(item: ConfigurationItem, change_type: str) -> dict[str, Any]:
    """`configurationItemSummary`: what an oversized change notification carries instead of the item."""
    record = item_record(item)
    return {"changeType": change_type, **{name: record[name] for name in SUMMARY_FIELDS}}


# --- recording groups and modes: AWS's JSON, as the API carries it and the store keeps it -----------


def recording_group_to_wire(group: RecordingGroup) -> dict[str, Any]:
    return {
        "allSupported": group.all_supported,
        "includeGlobalResourceTypes": group.include_global_resource_types,
        "resourceTypes": list(group.resource_types),
        "exclusionByResourceTypes": {"resourceTypes": list(group.exclusion_resource_types)},
        "recordingStrategy": {"useOnly": group.strategy.value},
    }


def recording_group_from_wire(raw: dict[str, Any] | None) -> RecordingGroup:
    """A recordingGroup as sent; omitted means AWS's default (all supported, no global types)."""
    if raw is None:
        return RecordingGroup()
    resource_types = tuple(raw.get("resourceTypes") or ())
    excluded = tuple((raw.get("exclusionByResourceTypes") or {}).get("resourceTypes") or ())
    use_only = (raw.get("recordingStrategy") or {}).get("useOnly")
    all_supported = raw.get("allSupported")
    if use_only is not None:
        strategy = RecordingStrategy(use_only)
    elif excluded:
        strategy = RecordingStrategy.EXCLUSION_BY_RESOURCE_TYPES
    elif resource_types or all_supported is False:
        strategy = RecordingStrategy.INCLUSION_BY_RESOURCE_TYPES
    else:
        strategy = RecordingStrategy.ALL_SUPPORTED_RESOURCE_TYPES
    if all_supported is None:
        all_supported = strategy is RecordingStrategy.ALL_SUPPORTED_RESOURCE_TYPES
    return RecordingGroup(
        all_supported=bool(all_supported),
        include_global_resource_types=bool(raw.get("includeGlobalResourceTypes", False)),
        resource_types=resource_types,
        exclusion_resource_types=excluded,
        strategy=strategy,
    )


def recording_mode_to_wire(mode: RecordingMode) -> dict[str, Any]:
    return {
        "recordingFrequency": mode.recording_frequency.value,
        "recordingModeOverrides": [
            {
                "description": o.description,
                "resourceTypes": list(o.resource_types),
                "recordingFrequency": o.recording_frequency.value,
            }
            for o in mode.overrides
        ],
    }


def recording_mode_from_wire(raw: dict[str, Any] | None) -> RecordingMode:
    if raw is None:
        return RecordingMode()
    return RecordingMode(
        recording_frequency=RecordingFrequency(raw["recordingFrequency"]),
        overrides=tuple(
            RecordingModeOverride(
                resource_types=tuple(o["resourceTypes"]),
                recording_frequency=RecordingFrequency(o["recordingFrequency"]),
                description=o.get("description"),
            )
            for o in raw.get("recordingModeOverrides") or ()
        ),
    )
