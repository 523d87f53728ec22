from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from roost.recorder.shape import bean_camelize, bean_name
from tests.conftest import SOURCE

TABLE = "AWS::DynamoDB::Table"
ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


def make_table(aws: Callable[..., Any], **extra: Any) -> None:
    aws("dynamodb").create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )


def test_bean_casing_lowers_every_leading_capital() -> None:
    assert bean_name("SSEDescription") == "ssedescription"
    assert bean_name("KMSMasterKeyArn") == "kmsmasterKeyArn"
    assert bean_name("TableArn") == "tableArn"
    assert bean_camelize({"A": {"Variables": {"KEY": 1}}}, verbatim=("Variables",)) == {
        "a": {"variables": {"KEY": 1}}
    }


def test_table_configuration_with_encryption_backups_and_tags(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    make_table(
        aws, SSESpecification={"Enabled": True, "SSEType": "KMS"}, Tags=[{"Key": "team", "Value": "shop"}]
    )
    aws("dynamodb").update_continuous_backups(
        TableName="orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )

    recorder.record_pass(SOURCE, resource_types=[TABLE])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(TABLE, "orders"))
    assert item is not None and item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.resource_name == "orders"
    assert item.arn == ARN
    assert item.resource_creation_time is not None
    assert item.tags == {"team": "shop"}
    config = item.configuration
    assert config is not None
    assert config["tableName"] == "orders"
    assert config["tableArn"] == ARN
    assert config["tableStatus"] == "ACTIVE"
    assert config["keySchema"] == [{"attributeName": "pk", "keyType": "HASH"}]
    assert config["billingModeSummary"]["billingMode"] == "PAY_PER_REQUEST"
    assert config["ssedescription"]["status"] == "ENABLED"
    assert config["ssedescription"]["ssetype"] == "KMS"
    assert config["ssedescription"]["kmsmasterKeyArn"].startswith("arn:aws:kms:")
    assert "itemCount" not in config and "tableSizeBytes" not in config
    backups = item.supplementary_configuration["ContinuousBackupsDescription"]
    assert backups["continuousBackupsStatus"] == "ENABLED"
    assert backups["pointInTimeRecoveryDescription"]["pointInTimeRecoveryStatus"] == "ENABLED"
    assert "latestRestorableDateTime" not in backups["pointInTimeRecoveryDescription"]


def test_items_change_nothing_settings_do(recorder: Recorder, aws: Callable[..., Any]) -> None:
    make_table(aws)
    ddb = aws("dynamodb")
    key = ResourceKey(TABLE, "orders")
    recorder.record_pass(SOURCE, resource_types=[TABLE])

    ddb.put_item(TableName="orders", Item={"pk": {"S": "order-1"}})
    assert recorder.record_pass(SOURCE, resource_types=[TABLE]).items_written == 0

    ddb.update_table(TableName="orders", DeletionProtectionEnabled=True)
    updated = recorder.record_resource(SOURCE, key)
    assert updated is not None and updated.status is ItemStatus.OK
    assert updated.configuration is not None and updated.configuration["deletionProtectionEnabled"] is True
    assert recorder.record_resource(SOURCE, ResourceKey(TABLE, "no-such-table")) is None

    ddb.update_table(TableName="orders", DeletionProtectionEnabled=False)
    ddb.delete_table(TableName="orders")
    recorder.record_pass(SOURCE, resource_types=[TABLE])

    history = recorder.store.items.history(SOURCE, key)
    assert [i.status for i in history] == [
        ItemStatus.RESOURCE_DELETED,
        ItemStatus.OK,
        ItemStatus.RESOURCE_DISCOVERED,
    ]
