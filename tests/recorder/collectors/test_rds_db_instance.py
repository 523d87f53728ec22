from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

DB = "AWS::RDS::DBInstance"


def make_instance(
    aws: Callable[..., Any], name: str = "orders-db", **extra: Any
) -> tuple[dict[str, Any], str, str]:
    """A Postgres instance in a new VPC's subnet group; returns (instance, security group, subnet group)."""
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")[
            "Subnet"
        ]["SubnetId"]
        for i, zone in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName=f"{name}-sg", Description="db", VpcId=vpc)["GroupId"]
    rds = aws("rds")
    rds.create_db_subnet_group(
        DBSubnetGroupName=f"{name}-subnets", DBSubnetGroupDescription="db", SubnetIds=subnets
    )
    instance = rds.create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin_user",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
        DBSubnetGroupName=f"{name}-subnets",
        VpcSecurityGroupIds=[group],
        AvailabilityZone="us-east-1b",
        **extra,
    )["DBInstance"]
    return instance, group, f"{name}-subnets"


def test_instance_is_keyed_by_dbi_resource_id_with_aws_config_casing(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    instance, group, subnet_group = make_instance(
        aws, StorageEncrypted=True, PubliclyAccessible=True, Tags=[{"Key": "env", "Value": "prod"}]
    )
    dbi = instance["DbiResourceId"]

    recorder.record_pass(SOURCE, resource_types=[DB])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(DB, dbi))
    assert item is not None and item.status is ItemStatus.RESOURCE_DISCOVERED
    assert dbi.startswith("db-")
    assert item.resource_name == "orders-db"
    assert item.arn == "arn:aws:rds:us-east-1:123456789012:db:orders-db"
    assert item.availability_zone == "us-east-1b"
    assert item.resource_creation_time is not None
    assert item.tags == {"env": "prod"}
    config = item.configuration
    assert config is not None
    assert config["dBInstanceIdentifier"] == "orders-db"
    assert config["dBInstanceClass"] == "db.t3.micro"
    assert config["dbiResourceId"] == dbi
    assert config["dBInstanceArn"] == item.arn
    assert config["cACertificateIdentifier"]
    assert config["monitoringInterval"] == 0
    assert config["storageEncrypted"] is True
    assert config["publiclyAccessible"] is True
    assert config["vpcSecurityGroups"] == [{"vpcSecurityGroupId": group, "status": "active"}]
    assert config["dBSubnetGroup"]["dBSubnetGroupName"] == subnet_group
    assert config["tagList"] == [{"key": "env", "value": "prod"}]
    assert "latestRestorableTime" not in config
    assert item.supplementary_configuration == {"Tags": [{"key": "env", "value": "prod"}]}
    assert [(r.resource_type, r.resource_id, r.name) for r in item.relationships] == [
        ("AWS::EC2::SecurityGroup", group, "Is associated with SecurityGroup"),
        ("AWS::RDS::DBSubnetGroup", subnet_group, "Is associated with DBSubnetGroup"),
    ]


def test_unchanged_pass_writes_nothing_and_deletion_is_recorded(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    instance, _, _ = make_instance(aws)
    key = ResourceKey(DB, instance["DbiResourceId"])
    recorder.record_pass(SOURCE, resource_types=[DB])

    # LatestRestorableTime moves on every describe in moto (as in AWS): it must not cause an item.
    assert recorder.record_pass(SOURCE, resource_types=[DB]).items_written == 0

    aws("rds").delete_db_instance(DBInstanceIdentifier="orders-db", SkipFinalSnapshot=True)
    recorder.record_pass(SOURCE, resource_types=[DB])

    history = recorder.store.items.history(SOURCE, key)
    assert [i.status for i in history] == [ItemStatus.RESOURCE_DELETED, ItemStatus.RESOURCE_DISCOVERED]
    assert history[0].resource_name == "orders-db"


def test_record_resource_reads_one_instance_by_dbi_resource_id(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    instance, _, _ = make_instance(aws)
    key = ResourceKey(DB, instance["DbiResourceId"])

    item = recorder.record_resource(SOURCE, key)
    assert item is not None and item.resource_name == "orders-db"

    aws("rds").modify_db_instance(
        DBInstanceIdentifier="orders-db", DBInstanceClass="db.t3.small", ApplyImmediately=True
    )
    updated = recorder.record_resource(SOURCE, key)
    assert updated is not None and updated.status is ItemStatus.OK
    assert updated.configuration is not None and updated.configuration["dBInstanceClass"] == "db.t3.small"

    aws("rds").delete_db_instance(DBInstanceIdentifier="orders-db", SkipFinalSnapshot=True)
    gone = recorder.record_resource(SOURCE, key)
    assert gone is not None and gone.status is ItemStatus.RESOURCE_DELETED
    assert recorder.record_resource(SOURCE, ResourceKey(DB, "db-DOESNOTEXIST")) is None
