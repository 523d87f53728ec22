"""The SNS messages of a delivery channel (the configuration stream) and their subjects.

Each message is a JSON document with `messageType`, `notificationCreationTime` and `recordVersion`
(see ../../shared/spec/aws-config-api.md §6.2). Items inside use the record format from
roost.formats. Subjects follow AWS's style and are cut to SNS's 100-character limit, as AWS's are:

    [AWS Config:us-east-1] AWS::EC2::SecurityGroup sg-0123 Updated in Account 123456789012
    [AWS Config:us-east-1] Configuration History Delivery Completed for Account 123456789012
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from roost.clock import iso_millis
from roost.formats import diff_record, item_record, item_summary
from roost.model import ChangeType, ConfigurationItem, DeliveryChannel, ItemStatus

#: SNS refuses messages larger than 256 KiB; AWS Config sends an oversized notification instead.
SNS_MAX_MESSAGE_BYTES = 256 * 1024

#: SNS subjects are at most 100 printable ASCII characters.
SNS_MAX_SUBJECT_CHARS = 100

CHANGE_RECORD_VERSION = "1.3"
#: AWS's examples of the other message types carry these record versions.
OVERSIZED_RECORD_VERSION = "1.0"
DELIVERY_RECORD_VERSION = "1.1"

Announce = Callable[[str, dict[str, Any]], None]
"""Sends a delivery message (subject, message) to a channel's topic, if it has one."""

_VERBS = {ChangeType.CREATE: "Created", ChangeType.UPDATE: "Updated", ChangeType.DELETE: "Deleted"}


def change_type(item: ConfigurationItem) -> ChangeType:
    """The item's change: from its diff, or (for items kept without one) from its status."""
    if item.diff is not None:
        return item.diff.change_type
    if item.status.is_deletion:
        return ChangeType.DELETE
    if item.status in (ItemStatus.RESOURCE_DISCOVERED, ItemStatus.RESOURCE_NOT_RECORDED):
        return ChangeType.CREATE
    return ChangeType.UPDATE


def subject(text: str) -> str:
    """A valid SNS subject: printable ASCII only, cut to 100 characters."""
    printable = "".join(c if " " <= c <= "~" else "?" for c in text)
    return printable[:SNS_MAX_SUBJECT_CHARS]


def change_subject(item: ConfigurationItem) -> str:
    verb = _VERBS[change_type(item)]
    resource = f"{item.resource_type} {item.resource_id}"
    return subject(f"[AWS Config:{item.region}] {resource} {verb} in Account {item.account_id}")


def delivery_subject(channel: DeliveryChannel, event: str) -> str:
    """`event` is e.g. "Configuration History Delivery Completed"."""
    return subject(f"[AWS Config:{channel.region}] {event} for Account {channel.account_id}")


def change_notification(item: ConfigurationItem, *, now: datetime) -> dict[str, Any]:
    diff = diff_record(item.diff)
    if diff is None:
        diff = {"changedProperties": {}, "changeType": change_type(item).value}
    return {
        "configurationItemDiff": diff,
        "configurationItem": item_record(item),
        "notificationCreationTime": iso_millis(now),
        "messageType": "ConfigurationItemChangeNotification",
        "recordVersion": CHANGE_RECORD_VERSION,
    }


def oversized_notification(
    item: ConfigurationItem,
    *,
    s3_location: str,
    error_code: str | None,
    error_message: str | None,
    now: datetime,
) -> dict[str, Any]:
    """What is sent instead of a change notification larger than SNS allows.

    `s3_location` is `<bucket>/<key>` of the full notification; the error fields say why it could
    not be written there (both None when it was).
    """
    return {
        "configurationItemSummary": item_summary(item, change_type(item).value),
        "s3DeliverySummary": {
            "s3BucketLocation": s3_location,
            "errorCode": error_code,
            "errorMessage": error_message,
        },
        "notificationCreationTime": iso_millis(now),
        "messageType": "OversizedConfigurationItemChangeNotification",
        "recordVersion": OVERSIZED_RECORD_VERSION,
    }


def history_delivery_completed(bucket: str, key: str, *, now: datetime) -> dict[str, Any]:
    return {
        "s3ObjectKey": key,
        "s3Bucket": bucket,
        "notificationCreationTime": iso_millis(now),
        "messageType": "ConfigurationHistoryDeliveryCompleted",
        "recordVersion": DELIVERY_RECORD_VERSION,
    }


def snapshot_delivery_started(snapshot_id: str, *, now: datetime) -> dict[str, Any]:
    return {
        "configSnapshotId": snapshot_id,
        "notificationCreationTime": iso_millis(now),
        "messageType": "ConfigurationSnapshotDeliveryStarted",
        "recordVersion": DELIVERY_RECORD_VERSION,
    }


def snapshot_delivery_completed(snapshot_id: str, bucket: str, key: str, *, now: datetime) -> dict[str, Any]:
    return {
        "configSnapshotId": snapshot_id,
        "s3ObjectKey": key,
        "s3Bucket": bucket,
        "notificationCreationTime": iso_millis(now),
        "messageType": "ConfigurationSnapshotDeliveryCompleted",
        "recordVersion": DELIVERY_RECORD_VERSION,
    }
