"""Where a delivery channel's files go in S3: AWS Config's key layout, exactly.

Every key lives under `[<s3KeyPrefix>/]AWSLogs/<accountId>/Config/`. Dated folders are
`<region>/<yyyy>/<m>/<d>/` with month and day **not** zero-padded (`2026/3/7`), and timestamps in
file names are `YYYYMMDDTHHMMSSZ`. Resource types keep their colons in file names, as AWS's do
(`…_ConfigHistory_AWS::EC2::SecurityGroup_20260307T101500Z_20260307T160000Z_4.json.gz`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from roost.model import ConfigurationItem, DeliveryChannel

WRITABILITY_CHECK_FILE = "ConfigWritabilityCheckFile"


def compact_time(moment: datetime) -> str:
    """`20260307T101500Z`: the timestamp form used in AWS Config's file names."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def date_folder(moment: datetime) -> str:
    """`2026/3/7`: year, month and day without zero padding."""
    utc = moment.astimezone(UTC)
    return f"{utc.year}/{utc.month}/{utc.day}"


def config_prefix(channel: DeliveryChannel) -> str:
    """`[prefix/]AWSLogs/<acct>/Config/`: the folder every file of the channel is under."""
    prefix = (channel.s3_key_prefix or "").strip("/")
    base = f"AWSLogs/{channel.account_id}/Config/"
    return f"{prefix}/{base}" if prefix else base


def writability_check_key(channel: DeliveryChannel) -> str:
    return config_prefix(channel) + WRITABILITY_CHECK_FILE


def history_key(
    channel: DeliveryChannel, resource_type: str, *, start: datetime, end: datetime, sequence: int
) -> str:
    """A configuration history file: the items of one type captured between `start` and `end`.

    The dated folder is the day of `end` (the newest item in the file).
    """
    region = channel.region
    name = (
        f"{channel.account_id}_Config_{region}_ConfigHistory_{resource_type}_"
        f"{compact_time(start)}_{compact_time(end)}_{sequence}.json.gz"
    )
    return f"{config_prefix(channel)}{region}/{date_folder(end)}/ConfigHistory/{name}"


def snapshot_key(channel: DeliveryChannel, *, at: datetime, snapshot_id: str) -> str:
    region = channel.region
    name = f"{channel.account_id}_Config_{region}_ConfigSnapshot_{compact_time(at)}_{snapshot_id}.json.gz"
    return f"{config_prefix(channel)}{region}/{date_folder(at)}/ConfigSnapshot/{name}"


def oversized_key(channel: DeliveryChannel, item: ConfigurationItem) -> str:
    """Where the full change notification of an item too large for SNS is written.

    The region is the item's `awsRegion` (`global` for IAM), dated by the item's capture time; the
    key depends only on the item, so a re-delivery overwrites rather than duplicates.
    """
    region = item.aws_region
    at = item.capture_time
    name = (
        f"{item.account_id}_Config_{region}_ChangeNotification_{item.resource_type}_{item.resource_id}_"
        f"{compact_time(at)}_{item.configuration_state_id}.json.gz"
    )
    return (
        f"{config_prefix(channel)}{region}/{date_folder(at)}/OversizedChangeNotification/"
        f"{item.resource_type}/{item.resource_id}/{name}"
    )
