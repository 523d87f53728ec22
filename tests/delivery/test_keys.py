from __future__ import annotations

from datetime import UTC, datetime

from roost.delivery.keys import (
    compact_time,
    config_prefix,
    date_folder,
    history_key,
    oversized_key,
    snapshot_key,
    writability_check_key,
)
from roost.model import ConfigurationItem, DeliveryChannel, ItemStatus

CHANNEL = DeliveryChannel("123456789012", "us-east-1", "my-bucket")
PREFIXED = DeliveryChannel("123456789012", "us-east-1", "my-bucket", s3_key_prefix="org/config")
AT = datetime(2026, 3, 7, 9, 5, 4, 123000, tzinfo=UTC)


def test_times_and_dates_are_in_aws_form() -> None:
    assert compact_time(AT) == "20260307T090504Z"
    assert date_folder(AT) == "2026/3/7"
    assert date_folder(datetime(2026, 12, 25, tzinfo=UTC)) == "2026/12/25"


def test_prefix_goes_before_awslogs() -> None:
    assert config_prefix(CHANNEL) == "AWSLogs/123456789012/Config/"
    assert config_prefix(PREFIXED) == "org/config/AWSLogs/123456789012/Config/"
    assert (
        writability_check_key(PREFIXED) == "org/config/AWSLogs/123456789012/Config/ConfigWritabilityCheckFile"
    )


def test_history_key_keeps_the_type_colons() -> None:
    key = history_key(
        CHANNEL, "AWS::CloudTrail::Trail", start=AT, end=datetime(2026, 3, 8, 1, 0, tzinfo=UTC), sequence=1
    )
    assert key == (
        "AWSLogs/123456789012/Config/us-east-1/2026/3/8/ConfigHistory/"
        "123456789012_Config_us-east-1_ConfigHistory_AWS::CloudTrail::Trail_20260307T090504Z_20260308T010000Z_1.json.gz"
    )


def test_snapshot_key() -> None:
    key = snapshot_key(PREFIXED, at=AT, snapshot_id="0c7e2b4f-0000-4000-8000-000000000001")
    assert key == (
        "org/config/AWSLogs/123456789012/Config/us-east-1/2026/3/7/ConfigSnapshot/"
        "123456789012_Config_us-east-1_ConfigSnapshot_20260307T090504Z_0c7e2b4f-0000-4000-8000-000000000001.json.gz"
    )


def test_oversized_key_uses_the_items_region_and_capture_time() -> None:
    item = ConfigurationItem(
        account_id="123456789012",
        region="us-east-1",
        resource_type="AWS::IAM::User",
        resource_id="AIDAEXAMPLE",
        capture_time=AT,
        status=ItemStatus.OK,
        configuration_state_id=1772874304123,
        aws_region="global",
    )
    assert oversized_key(CHANNEL, item) == (
        "AWSLogs/123456789012/Config/global/2026/3/7/OversizedChangeNotification/AWS::IAM::User/AIDAEXAMPLE/"
        "123456789012_Config_global_ChangeNotification_AWS::IAM::User_AIDAEXAMPLE_20260307T090504Z_1772874304123.json.gz"
    )
