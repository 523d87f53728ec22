from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

GROUP = "AWS::IAM::Group"
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}],
}


def make_group(iam: Any) -> dict[str, str]:
    """A group with an inline policy, a customer managed policy and two members; their ids by name."""
    policy = iam.create_policy(PolicyName="describe-ec2", PolicyDocument=json.dumps(DOCUMENT))["Policy"]
    group = iam.create_group(GroupName="operators", Path="/ops/")["Group"]
    iam.put_group_policy(
        GroupName="operators", PolicyName="inline-describe", PolicyDocument=json.dumps(DOCUMENT)
    )
    iam.attach_group_policy(GroupName="operators", PolicyArn=policy["Arn"])
    ids = {"operators": group["GroupId"], "describe-ec2": policy["PolicyId"]}
    for name in ("carol", "dave"):
        ids[name] = iam.create_user(UserName=name)["User"]["UserId"]
        iam.add_user_to_group(UserName=name, GroupName="operators")
    return ids


def test_group_is_recorded_globally_with_policies_and_members(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    ids = make_group(aws("iam"))

    recorder.record_pass(SOURCE, resource_types=[GROUP])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(GROUP, ids["operators"]))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.aws_region == "global"
    assert item.resource_name == "operators"
    assert item.arn == "arn:aws:iam::123456789012:group/ops/operators"
    assert item.tags == {}
    config = item.configuration
    assert config is not None
    assert (
        config["groupName"] == "operators"
        and config["groupId"] == ids["operators"]
        and config["path"] == "/ops/"
    )
    assert config["attachedManagedPolicies"] == [
        {"policyName": "describe-ec2", "policyArn": "arn:aws:iam::123456789012:policy/describe-ec2"}
    ]
    (inline,) = config["groupPolicyList"]
    assert inline["policyName"] == "inline-describe"
    assert json.loads(urllib.parse.unquote(inline["policyDocument"])) == DOCUMENT
    assert {(r.resource_type, r.resource_id, r.resource_name, r.name) for r in item.relationships} == {
        ("AWS::IAM::Policy", ids["describe-ec2"], "describe-ec2", "Is attached to CustomerManagedPolicy"),
        ("AWS::IAM::User", ids["carol"], "carol", "Contains User"),
        ("AWS::IAM::User", ids["dave"], "dave", "Contains User"),
    }
    assert len(item.relationships) == 3


def test_unchanged_group_writes_nothing_and_a_targeted_read_sees_a_member_leave(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    ids = make_group(iam)
    key = ResourceKey(GROUP, ids["operators"])
    recorder.record_pass(SOURCE, resource_types=[GROUP])

    assert recorder.record_pass(SOURCE, resource_types=[GROUP]).items_written == 0
    assert recorder.record_resource(SOURCE, key) is None

    iam.remove_user_from_group(UserName="dave", GroupName="operators")
    item = recorder.record_resource(SOURCE, key)

    assert item is not None and item.status is ItemStatus.OK
    assert ids["dave"] not in {r.resource_id for r in item.relationships}
    assert ids["carol"] in {r.resource_id for r in item.relationships}
    assert recorder.record_pass(SOURCE, resource_types=[GROUP]).items_written == 0


def test_deleted_group_is_recorded_as_deleted(recorder: Recorder, aws: Callable[..., Any]) -> None:
    iam = aws("iam")
    group_id = iam.create_group(GroupName="temporary")["Group"]["GroupId"]
    recorder.record_pass(SOURCE, resource_types=[GROUP])

    iam.delete_group(GroupName="temporary")
    recorder.record_pass(SOURCE, resource_types=[GROUP])

    history = recorder.store.items.history(SOURCE, ResourceKey(GROUP, group_id))
    assert [i.status for i in history] == [ItemStatus.RESOURCE_DELETED, ItemStatus.RESOURCE_DISCOVERED]
    assert recorder.record_resource(SOURCE, ResourceKey(GROUP, group_id)) is None
