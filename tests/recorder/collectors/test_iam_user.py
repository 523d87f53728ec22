from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

USER = "AWS::IAM::User"
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def make_user(iam: Any) -> tuple[str, str, str]:
    """A user with an inline policy, a customer managed policy and a group: (user, policy, group) ids."""
    policy = iam.create_policy(PolicyName="read-objects", PolicyDocument=json.dumps(DOCUMENT))["Policy"]
    user = iam.create_user(UserName="alice", Path="/staff/", Tags=[{"Key": "team", "Value": "blue"}])["User"]
    iam.put_user_policy(UserName="alice", PolicyName="inline-read", PolicyDocument=json.dumps(DOCUMENT))
    iam.attach_user_policy(UserName="alice", PolicyArn=policy["Arn"])
    group = iam.create_group(GroupName="developers")["Group"]
    iam.add_user_to_group(UserName="alice", GroupName="developers")
    return user["UserId"], policy["PolicyId"], group["GroupId"]


def test_user_is_recorded_globally_with_its_policies_groups_and_relationships(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    user_id, policy_id, group_id = make_user(iam)

    recorder.record_pass(SOURCE, resource_types=[USER])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(USER, user_id))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.aws_region == "global"
    assert item.resource_name == "alice"
    assert item.arn == "arn:aws:iam::123456789012:user/staff/alice"
    assert item.resource_creation_time is not None
    assert item.tags == {"team": "blue"}
    config = item.configuration
    assert config is not None
    assert config["userName"] == "alice" and config["userId"] == user_id and config["path"] == "/staff/"
    assert config["arn"] == item.arn
    assert config["groupList"] == ["developers"]
    assert config["attachedManagedPolicies"] == [
        {"policyName": "read-objects", "policyArn": "arn:aws:iam::123456789012:policy/read-objects"}
    ]
    (inline,) = config["userPolicyList"]
    # AWS Config keeps IAM's URL-encoded JSON text; rules unquote and parse it.
    assert inline["policyName"] == "inline-read"
    assert isinstance(inline["policyDocument"], str)
    assert json.loads(urllib.parse.unquote(inline["policyDocument"])) == DOCUMENT
    assert config["permissionsBoundary"] is None
    assert config["tags"] == [{"key": "team", "value": "blue"}]
    assert [(r.resource_type, r.resource_id, r.resource_name, r.name) for r in item.relationships] == [
        ("AWS::IAM::Group", group_id, "developers", "Is attached to Group"),
        ("AWS::IAM::Policy", policy_id, "read-objects", "Is attached to CustomerManagedPolicy"),
    ]


def test_user_without_policies_or_groups_records_empty_lists(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    user_id = iam.create_user(UserName="bob")["User"]["UserId"]
    recorder.record_pass(SOURCE, resource_types=[USER])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(USER, user_id))
    assert item is not None and item.configuration is not None
    assert item.configuration["userPolicyList"] == []
    assert item.configuration["attachedManagedPolicies"] == []
    assert item.configuration["groupList"] == []
    assert item.relationships == ()


def test_unchanged_user_writes_nothing_and_a_targeted_read_sees_changes(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    user_id, _, _ = make_user(iam)
    key = ResourceKey(USER, user_id)
    recorder.record_pass(SOURCE, resource_types=[USER])

    assert recorder.record_pass(SOURCE, resource_types=[USER]).items_written == 0
    # The targeted read gives exactly the item the full pass wrote.
    assert recorder.record_resource(SOURCE, key) is None

    iam.detach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::123456789012:policy/read-objects")
    iam.remove_user_from_group(UserName="alice", GroupName="developers")
    item = recorder.record_resource(SOURCE, key)

    assert item is not None and item.status is ItemStatus.OK
    assert item.configuration is not None
    assert item.configuration["attachedManagedPolicies"] == [] and item.configuration["groupList"] == []
    assert item.relationships == ()
    assert item.diff is not None and item.diff.change_type.value == "UPDATE"
    assert recorder.record_pass(SOURCE, resource_types=[USER]).items_written == 0


def test_deleted_user_is_recorded_as_deleted(recorder: Recorder, aws: Callable[..., Any]) -> None:
    iam = aws("iam")
    gone = iam.create_user(UserName="leaver")["User"]["UserId"]
    kept = iam.create_user(UserName="stayer")["User"]["UserId"]
    recorder.record_pass(SOURCE, resource_types=[USER])

    iam.delete_user(UserName="leaver")
    recorder.record_pass(SOURCE, resource_types=[USER])

    history = recorder.store.items.history(SOURCE, ResourceKey(USER, gone))
    assert [i.status for i in history] == [ItemStatus.RESOURCE_DELETED, ItemStatus.RESOURCE_DISCOVERED]
    assert history[0].resource_name == "leaver" and history[0].aws_region == "global"
    assert recorder.store.items.latest_item(SOURCE, ResourceKey(USER, kept)) is not None
    assert len(recorder.store.items.history(SOURCE, ResourceKey(USER, kept))) == 1


def test_targeted_read_of_a_deleted_user_records_the_deletion(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    user_id = iam.create_user(UserName="temp")["User"]["UserId"]
    recorder.record_pass(SOURCE, resource_types=[USER])
    iam.delete_user(UserName="temp")

    item = recorder.record_resource(SOURCE, ResourceKey(USER, user_id))

    assert item is not None and item.status is ItemStatus.RESOURCE_DELETED
