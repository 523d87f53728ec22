"""Rows to domain objects and back. JSON is serialised here, once, compactly."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from roost.clock import from_millis, to_millis
from roost.model import (
    ChangeType,
    ConfigurationItem,
    DiscoveredResource,
    ItemDiff,
    ItemStatus,
    PropertyChange,
    RecordingFrequency,
    Relationship,
)

# One encoder for every call: json.dumps with options builds a new encoder each time.
_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True, default=str)


def dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def relationships_to_json(relationships: tuple[Relationship, ...]) -> list[dict[str, str | None]]:
    return [
        {
            "resourceType": r.resource_type,
            "resourceId": r.resource_id,
            "resourceName": r.resource_name,
            "name": r.name,
        }
        for r in relationships
    ]


def relationships_from_json(raw: list[dict[str, Any]]) -> tuple[Relationship, ...]:
    return tuple(
        Relationship(
            resource_type=r["resourceType"],
            name=r["name"],
            resource_id=r.get("resourceId"),
            resource_name=r.get("resourceName"),
        )
        for r in raw
    )


def diff_to_json(diff: ItemDiff) -> dict[str, Any]:
    return {
        "changeType": diff.change_type.value,
        "changedProperties": {
            path: {
                "previousValue": change.previous_value,
                "updatedValue": change.updated_value,
                "changeType": change.change_type.value,
            }
            for path, change in diff.changed_properties.items()
        },
    }


def diff_from_json(raw: dict[str, Any]) -> ItemDiff:
    return ItemDiff(
        change_type=ChangeType(raw["changeType"]),
        changed_properties={
            path: PropertyChange(c["previousValue"], c["updatedValue"], ChangeType(c["changeType"]))
            for path, c in raw["changedProperties"].items()
        },
    )


def item_to_row(item: ConfigurationItem, content_hash: str) -> dict[str, Any]:
    return {
        "account_id": item.account_id,
        "region": item.region,
        "resource_type": item.resource_type,
        "resource_id": item.resource_id,
        "configuration_state_id": item.configuration_state_id,
        "capture_time": to_millis(item.capture_time),
        "status": item.status.value,
        "aws_region": item.aws_region,
        "resource_name": item.resource_name,
        "arn": item.arn,
        "availability_zone": item.availability_zone,
        "resource_creation_time": to_millis(item.resource_creation_time)
        if item.resource_creation_time
        else None,
        "tags": dumps(item.tags),
        "related_events": dumps(list(item.related_events)),
        "relationships": dumps(relationships_to_json(item.relationships)),
        "configuration": None if item.configuration is None else dumps(item.configuration),
        "supplementary_configuration": dumps(item.supplementary_configuration),
        "version": item.version,
        "md5_hash": item.md5_hash,
        "recording_frequency": item.recording_frequency.value,
        "delivery_time": to_millis(item.delivery_time) if item.delivery_time else None,
        "content_hash": content_hash,
        "diff": None if item.diff is None else dumps(diff_to_json(item.diff)),
    }


def item_from_row(row: Mapping[Any, Any]) -> ConfigurationItem:
    creation = row["resource_creation_time"]
    delivery = row["delivery_time"]
    diff = loads(row["diff"])
    return ConfigurationItem(
        account_id=row["account_id"],
        region=row["region"],
        resource_type=row["resource_type"],
        resource_id=row["resource_id"],
        capture_time=from_millis(row["capture_time"]),
        status=ItemStatus(row["status"]),
        configuration_state_id=int(row["configuration_state_id"]),
        aws_region=row["aws_region"],
        resource_name=row["resource_name"],
        arn=row["arn"],
        availability_zone=row["availability_zone"],
        resource_creation_time=from_millis(creation) if creation is not None else None,
        tags=loads(row["tags"]),
        related_events=tuple(loads(row["related_events"])),
        relationships=relationships_from_json(loads(row["relationships"])),
        configuration=loads(row["configuration"]),
        supplementary_configuration=loads(row["supplementary_configuration"]),
        version=row["version"],
        md5_hash=row["md5_hash"],
        recording_frequency=RecordingFrequency(row["recording_frequency"]),
        delivery_time=from_millis(delivery) if delivery is not None else None,
        diff=diff_from_json(diff) if diff is not None else None,
    )


def discovered_from_row(row: Mapping[Any, Any]) -> DiscoveredResource:
    deletion = row["deletion_time"]
    return DiscoveredResource(
        account_id=row["account_id"],
        region=row["region"],
        resource_type=row["resource_type"],
        resource_id=row["resource_id"],
        resource_name=row["resource_name"],
        status=ItemStatus(row["status"]),
        configuration_state_id=int(row["configuration_state_id"]),
        content_hash=row["content_hash"],
        last_capture_time=from_millis(row["last_capture_time"]),
        deletion_time=from_millis(deletion) if deletion is not None else None,
    )
