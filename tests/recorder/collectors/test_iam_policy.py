from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

POLICY = "AWS::IAM::Policy"
V1 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
V2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def make_policy(iam: Any) -> dict[str, str]:
    """A two-version policy attached to a user, a group and a role; the ids by name."""
    policy = iam.create_policy(
        PolicyName="storage-admin",
        Path="/admin/",
        Description="full S3",
        PolicyDocument=json.dumps(V1),
        Tags=[{"Key": "owner", "Value": "platform"}],
    )["Policy"]
    iam.create_policy_version(PolicyArn=policy["Arn"], PolicyDocument=json.dumps(V2), SetAsDefault=True)
    ids = {
        "storage-admin": policy["PolicyId"],
        "erin": iam.create_user(UserName="erin")["User"]["UserId"],
        "admins": iam.create_group(GroupName="admins")["Group"]["GroupId"],
        "batch": iam.create_role(RoleName="batch", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
            "RoleId"
        ],
    }
    iam.attach_user_policy(UserName="erin", PolicyArn=policy["Arn"])
    iam.attach_group_policy(GroupName="admins", PolicyArn=policy["Arn"])
    iam.attach_role_policy(RoleName="batch", PolicyArn=policy["Arn"])
    return ids


def test_policy_records_every_version_document_and_who_it_is_attached_to(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    ids = make_policy(aws("iam"))

    recorder.record_pass(SOURCE, resource_types=[POLICY])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(POLICY, ids["storage-admin"]))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.aws_region == "global"
    assert item.resource_name == "storage-admin"
    assert item.arn == "arn:aws:iam::123456789012:policy/admin/storage-admin"
    assert item.tags == {"owner": "platform"}
    config = item.configuration
    assert config is not None
    assert config["policyName"] == "storage-admin" and config["policyId"] == ids["storage-admin"]
    assert config["path"] == "/admin/" and config["description"] == "full S3"
    assert (
        config["defaultVersionId"] == "v2"
        and config["attachmentCount"] == 3
        and config["isAttachable"] is True
    )
    versions = config["policyVersionList"]
    assert [(v["versionId"], v["isDefaultVersion"]) for v in versions] == [("v1", False), ("v2", True)]
    # Documents are IAM's URL-encoded JSON text, as AWS Config records them.
    assert [json.loads(urllib.parse.unquote(v["document"])) for v in versions] == [V1, V2]
    assert {(r.resource_type, r.resource_id, r.resource_name, r.name) for r in item.relationships} == {
        ("AWS::IAM::User", ids["erin"], "erin", "Is attached to User"),
        ("AWS::IAM::Group", ids["admins"], "admins", "Is attached to Group"),
        ("AWS::IAM::Role", ids["batch"], "batch", "Is attached to Role"),
    }


def test_unchanged_policy_writes_nothing_and_a_targeted_read_sees_a_detach(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    ids = make_policy(iam)
    key = ResourceKey(POLICY, ids["storage-admin"])
    recorder.record_pass(SOURCE, resource_types=[POLICY])

    assert recorder.record_pass(SOURCE, resource_types=[POLICY]).items_written == 0
    assert recorder.record_resource(SOURCE, key) is None

    iam.detach_role_policy(RoleName="batch", PolicyArn="arn:aws:iam::123456789012:policy/admin/storage-admin")
    item = recorder.record_resource(SOURCE, key)

    assert item is not None and item.status is ItemStatus.OK and item.configuration is not None
    assert item.configuration["attachmentCount"] == 2
    assert {r.resource_id for r in item.relationships} == {ids["erin"], ids["admins"]}
    assert recorder.record_pass(SOURCE, resource_types=[POLICY]).items_written == 0


def test_deleted_policy_is_recorded_as_deleted(recorder: Recorder, aws: Callable[..., Any]) -> None:
    iam = aws("iam")
    policy = iam.create_policy(PolicyName="unused", PolicyDocument=json.dumps(V1))["Policy"]
    recorder.record_pass(SOURCE, resource_types=[POLICY])

    iam.delete_policy(PolicyArn=policy["Arn"])
    recorder.record_pass(SOURCE, resource_types=[POLICY])

    history = recorder.store.items.history(SOURCE, ResourceKey(POLICY, policy["PolicyId"]))
    assert [i.status for i in history] == [ItemStatus.RESOURCE_DELETED, ItemStatus.RESOURCE_DISCOVERED]
    assert recorder.record_resource(SOURCE, ResourceKey(POLICY, policy["PolicyId"])) is None
