from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

ROLE = "AWS::IAM::Role"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}


def make_role(iam: Any) -> dict[str, Any]:
    """A role with trust policy, boundary, tags, inline and managed policies and an instance profile."""
    policy = iam.create_policy(PolicyName="write-logs", PolicyDocument=json.dumps(DOCUMENT))["Policy"]
    role = iam.create_role(
        RoleName="web-server",
        AssumeRolePolicyDocument=json.dumps(TRUST),
        PermissionsBoundary=policy["Arn"],
        Tags=[{"Key": "app", "Value": "web"}],
    )["Role"]
    iam.put_role_policy(RoleName="web-server", PolicyName="inline-logs", PolicyDocument=json.dumps(DOCUMENT))
    iam.attach_role_policy(RoleName="web-server", PolicyArn=policy["Arn"])
    profile = iam.create_instance_profile(InstanceProfileName="web-profile")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="web-profile", RoleName="web-server")
    return {"role": role, "policy": policy, "profile": profile}


def test_role_records_its_url_encoded_trust_policy_profiles_and_policies(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    made = make_role(aws("iam"))
    role_id, policy = made["role"]["RoleId"], made["policy"]

    recorder.record_pass(SOURCE, resource_types=[ROLE])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(ROLE, role_id))
    assert item is not None
    assert item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.aws_region == "global"
    assert item.resource_name == "web-server"
    assert item.arn == "arn:aws:iam::123456789012:role/web-server"
    assert item.tags == {"app": "web"}
    config = item.configuration
    assert config is not None
    assert config["roleName"] == "web-server" and config["roleId"] == role_id
    # AWS Config records the trust policy as IAM's URL-encoded JSON text.
    trust = config["assumeRolePolicyDocument"]
    assert isinstance(trust, str) and trust.startswith("%7B")
    assert json.loads(urllib.parse.unquote(trust)) == TRUST
    (inline,) = config["rolePolicyList"]
    assert inline["policyName"] == "inline-logs"
    assert json.loads(urllib.parse.unquote(inline["policyDocument"])) == DOCUMENT
    assert config["attachedManagedPolicies"] == [{"policyName": "write-logs", "policyArn": policy["Arn"]}]
    assert config["permissionsBoundary"] == {
        "permissionsBoundaryType": "PermissionsBoundaryPolicy",
        "permissionsBoundaryArn": policy["Arn"],
    }
    (profile,) = config["instanceProfileList"]
    assert profile["instanceProfileName"] == "web-profile"
    assert profile["instanceProfileId"] == made["profile"]["InstanceProfileId"]
    assert [r["roleId"] for r in profile["roles"]] == [role_id]
    assert "roleLastUsed" not in config
    assert config["tags"] == [{"key": "app", "value": "web"}]
    assert [(r.resource_type, r.resource_id, r.resource_name, r.name) for r in item.relationships] == [
        ("AWS::IAM::Policy", policy["PolicyId"], "write-logs", "Is attached to CustomerManagedPolicy")
    ]


def test_unchanged_role_writes_nothing_and_a_targeted_read_sees_a_new_trust_policy(
    recorder: Recorder, aws: Callable[..., Any]
) -> None:
    iam = aws("iam")
    key = ResourceKey(ROLE, make_role(iam)["role"]["RoleId"])
    recorder.record_pass(SOURCE, resource_types=[ROLE])

    assert recorder.record_pass(SOURCE, resource_types=[ROLE]).items_written == 0
    assert recorder.record_resource(SOURCE, key) is None

    trust = json.loads(json.dumps(TRUST).replace("ec2.amazonaws.com", "lambda.amazonaws.com"))
    iam.update_assume_role_policy(RoleName="web-server", PolicyDocument=json.dumps(trust))
    item = recorder.record_resource(SOURCE, key)

    assert item is not None and item.status is ItemStatus.OK and item.configuration is not None
    assert json.loads(urllib.parse.unquote(item.configuration["assumeRolePolicyDocument"])) == trust
    assert item.diff is not None and "Configuration.AssumeRolePolicyDocument" in item.diff.changed_properties
    assert recorder.record_pass(SOURCE, resource_types=[ROLE]).items_written == 0


def test_deleted_role_is_recorded_as_deleted(recorder: Recorder, aws: Callable[..., Any]) -> None:
    iam = aws("iam")
    role_id = iam.create_role(RoleName="short-lived", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
        "RoleId"
    ]
    recorder.record_pass(SOURCE, resource_types=[ROLE])

    iam.delete_role(RoleName="short-lived")
    recorder.record_pass(SOURCE, resource_types=[ROLE])

    history = recorder.store.items.history(SOURCE, ResourceKey(ROLE, role_id))
    assert [i.status for i in history] == [ItemStatus.RESOURCE_DELETED, ItemStatus.RESOURCE_DISCOVERED]
    assert history[0].aws_region == "global"
