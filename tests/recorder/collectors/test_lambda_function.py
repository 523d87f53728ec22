from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from roost.model import ItemStatus, ResourceKey
from roost.recorder.recorder import Recorder
from tests.conftest import SOURCE

FUNCTION = "AWS::Lambda::Function"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def make_function(aws: Callable[..., Any], **extra: Any) -> dict[str, Any]:
    # Lambda checks that the role exists (and may be assumed), in moto as in AWS.
    role = aws("iam").create_role(
        RoleName="resize-role", Path="/service-role/", AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    function: dict[str, Any] = aws("lambda").create_function(
        FunctionName="resize",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": package()},
        **extra,
    )
    return function


def test_function_configuration_policy_and_role(recorder: Recorder, aws: Callable[..., Any]) -> None:
    function = make_function(
        aws,
        Environment={"Variables": {"LOG_LEVEL": "debug"}},
        KMSKeyArn="arn:aws:kms:us-east-1:123456789012:key/fn-key",
        TracingConfig={"Mode": "Active"},
        Tags={"team": "media"},
    )
    lam = aws("lambda")
    lam.add_permission(
        FunctionName="resize", StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com"
    )
    lam.put_function_concurrency(FunctionName="resize", ReservedConcurrentExecutions=5)

    recorder.record_pass(SOURCE, resource_types=[FUNCTION])

    item = recorder.store.items.latest_item(SOURCE, ResourceKey(FUNCTION, "resize"))
    assert item is not None and item.status is ItemStatus.RESOURCE_DISCOVERED
    assert item.resource_name == "resize"
    assert item.arn == function["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:resize"
    assert item.tags == {"team": "media"}
    config = item.configuration
    assert config is not None
    assert config["functionName"] == "resize"
    assert config["functionArn"] == item.arn
    assert config["runtime"] == "python3.12"
    assert config["role"] == "arn:aws:iam::123456789012:role/service-role/resize-role"
    # Java-bean casing: every leading capital lowered; user maps keep their keys.
    assert config["kmskeyArn"] == "arn:aws:kms:us-east-1:123456789012:key/fn-key"
    assert config["tracingConfig"] == {"mode": "Active"}
    assert config["environment"] == {"variables": {"LOG_LEVEL": "debug"}}
    assert config["state"] == {"value": "Active"}
    assert "code" not in config and "tags" not in config
    supplementary = item.supplementary_configuration
    assert supplementary["Tags"] == {"team": "media"}
    assert supplementary["Concurrency"] == {"reservedConcurrentExecutions": 5}
    policy = json.loads(supplementary["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["s3"]
    ((kind, resource_id, name, edge),) = [
        (r.resource_type, r.resource_id, r.resource_name, r.name) for r in item.relationships
    ]
    assert (kind, resource_id, name, edge) == ("AWS::IAM::Role", None, "resize-role", "Is associated with ")


def test_function_without_policy_changes_and_deletion(recorder: Recorder, aws: Callable[..., Any]) -> None:
    make_function(aws)
    key = ResourceKey(FUNCTION, "resize")
    recorder.record_pass(SOURCE, resource_types=[FUNCTION])
    first = recorder.store.items.latest_item(SOURCE, key)
    assert first is not None and first.supplementary_configuration == {"Tags": {}}
    assert recorder.record_pass(SOURCE, resource_types=[FUNCTION]).items_written == 0

    aws("lambda").update_function_configuration(FunctionName="resize", Timeout=30)
    updated = recorder.record_resource(SOURCE, key)
    assert updated is not None and updated.status is ItemStatus.OK
    assert updated.configuration is not None and updated.configuration["timeout"] == 30
    assert recorder.record_resource(SOURCE, ResourceKey(FUNCTION, "no-such-function")) is None

    aws("lambda").delete_function(FunctionName="resize")
    recorder.record_pass(SOURCE, resource_types=[FUNCTION])

    history = recorder.store.items.history(SOURCE, key)
    assert [i.status for i in history] == [
        ItemStatus.RESOURCE_DELETED,
        ItemStatus.OK,
        ItemStatus.RESOURCE_DISCOVERED,
    ]
