from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

SG = "AWS::EC2::SecurityGroup"


def test_security_group_records_both_ip_range_forms_and_its_vpc(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="unrestricted-ssh", Description="lab", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )

    recorder.record_pass(SOURCE, resource_types=[SG])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(SG, group))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.resource_name == "unrestricted-ssh"
    assert item.arn == f"arn:aws:ec2:us-east-1:123456789012:security-group/{group}"
    assert item.configuration is not None
    (ssh,) = item.configuration["ipPermissions"]
    assert ssh["ipProtocol"] == "tcp" and ssh["fromPort"] == 22 and ssh["toPort"] == 22
    assert ssh["ipv4Ranges"] == [{"cidrIp": "0.0.0.0/0"}]
    assert ssh["ipRanges"] == ["0.0.0.0/0"]
    assert item.configuration["tags"] == []
    assert item.configuration["vpcId"] == vpc
    assert [(r.resource_type, r.resource_id, r.name) for r in item.relationships] == [
        ("AWS::EC2::VPC", vpc, "Is contained in Vpc")
    ]


def test_revoking_a_rule_writes_an_update_with_its_diff(recorder: Recorder, aws: Callable[..., Any]) -> None:
    ec2 = aws("ec2")
    group = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
    rule = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[rule])
    recorder.record_pass(SOURCE, resource_types=[SG])
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[rule])

    recorder.record_pass(SOURCE, resource_types=[SG])

    history = recorder.store.items.history(SOURCE, ResourceKey(SG, group))
    assert [i.status for i in history] == [ItemStatus.OK, ItemStatus.RESOURCE_DISCOVERED]
    diff = history[0].diff
    assert diff is not None and diff.change_type.value == "UPDATE"
    change = diff.changed_properties["Configuration.IpPermissions.0"]
    assert change.change_type.value == "DELETE"
    assert change.previous_value["fromPort"] == 443 and change.updated_value is None
