"""The Lambda-compatible API over real HTTP, with real boto3 clients and the AWS CLI: functions
created, read, listed, updated, invoked (RequestResponse, Event, DryRun), their resource policy and
tags; Lambda's errors with their HTTP statuses; never a 5xx."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from roost.api.auth import KeyPair
from roost.functions.host import FunctionHost
from roost.model import AccountRegion

# As in tests/api/conftest.py (not imported: `tests` is not importable under a bare `pytest`).
SANDBOX_KEYS = KeyPair("test", "test", "123456789012")
OTHER_KEYS = KeyPair("AKIAOTHERACCOUNT0001", "other-secret", "210987654321")
LiveApi = Any
ACCOUNT = SANDBOX_KEYS.account_id
ROLE = f"arn:aws:iam::{ACCOUNT}:role/rule-function"
SOURCE = AccountRegion(ACCOUNT, "us-east-1")

ECHO = """
import os

def handler(event, context):
    print("hello from", context.function_name)
    return {
        "echo": event.get("x"),
        "name": context.function_name,
        "request": context.aws_request_id,
        "greeting": os.environ.get("GREETING"),
        "version": VERSION,
    }
"""

FAILING = """
def handler(event, context):
    raise KeyError("no such thing")
"""


def package(source: str = ECHO.replace("VERSION", "1"), name: str = "app.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, source)
    return buffer.getvalue()


@pytest.fixture
def lam(live_api: LiveApi, function_host: FunctionHost) -> Any:
    return live_api.client(service="lambda")


@pytest.fixture
def create(lam: Any) -> Callable[..., dict[str, Any]]:
    def make(name: str = "echo", code: bytes | None = None, **extra: Any) -> dict[str, Any]:
        settings: dict[str, Any] = {"Runtime": "python3.11", "Handler": "app.handler", "Role": ROLE}
        settings.update(extra)
        answer: dict[str, Any] = lam.create_function(
            FunctionName=name, Code={"ZipFile": code or package()}, **settings
        )
        return answer

    return make


def error_of(call: Callable[[], Any]) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return str(response["Error"]["Code"]), int(response["ResponseMetadata"]["HTTPStatusCode"])


def invoke(lam: Any, name: str, event: Any = None, **extra: Any) -> tuple[dict[str, Any], Any]:
    answer = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **extra)
    return answer, json.loads(answer["Payload"].read() or b"null")


def test_create_get_list_update_delete(lam: Any, create: Callable[..., dict[str, Any]]) -> None:
    created = create(Description="says hello", Tags={"team": "sec"})
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionName"] == "echo"
    assert created["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:echo"
    assert created["Version"] == "$LATEST" and created["State"] == "Active"
    assert created["PackageType"] == "Zip" and created["Architectures"] == ["x86_64"]
    assert created["Timeout"] == 3 and created["MemorySize"] == 128
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/echo"}
    assert created["CodeSize"] == len(package()) and "Environment" not in created
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", created["LastModified"])
    assert created["LastModified"].endswith("+0000")

    got = lam.get_function(FunctionName="echo")
    assert got["Configuration"]["RevisionId"] == created["RevisionId"]
    assert got["Code"]["RepositoryType"] == "S3" and got["Tags"] == {"team": "sec"}
    assert lam.get_function_configuration(FunctionName=created["FunctionArn"])["Description"] == "says hello"
    assert (
        lam.get_function(FunctionName="echo", Qualifier="$LATEST")["Configuration"]["FunctionName"] == "echo"
    )
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["echo"]

    assert invoke(lam, "echo", {"x": 5})[1]["version"] == 1
    updated = lam.update_function_code(FunctionName="echo", ZipFile=package(ECHO.replace("VERSION", "2")))
    assert updated["CodeSha256"] != created["CodeSha256"]
    assert updated["RevisionId"] != created["RevisionId"]
    assert invoke(lam, "echo", {"x": 5})[1]["version"] == 2
    dry = lam.update_function_code(
        FunctionName="echo", ZipFile=package(ECHO.replace("VERSION", "3")), DryRun=True
    )
    assert dry["CodeSha256"] != updated["CodeSha256"]
    assert invoke(lam, "echo")[1]["version"] == 2

    deleted = lam.delete_function(FunctionName="echo")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.list_functions()["Functions"] == []
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="echo")


def test_update_configuration_reaches_the_code(lam: Any, create: Callable[..., dict[str, Any]]) -> None:
    created = create()
    changed = lam.update_function_configuration(
        FunctionName="echo",
        Timeout=30,
        MemorySize=256,
        Description="configured",
        Environment={"Variables": {"GREETING": "hi"}},
        RevisionId=created["RevisionId"],
    )
    assert changed["Timeout"] == 30 and changed["MemorySize"] == 256
    assert changed["Environment"] == {"Variables": {"GREETING": "hi"}}
    assert invoke(lam, "echo")[1]["greeting"] == "hi"
    code, status = error_of(
        lambda: lam.update_function_configuration(
            FunctionName="echo", Timeout=5, RevisionId=created["RevisionId"]
        )
    )
    assert (code, status) == ("PreconditionFailedException", 412)
    cleared = lam.update_function_configuration(FunctionName="echo", Environment={"Variables": {}})
    assert "Environment" not in cleared
    assert invoke(lam, "echo")[1]["greeting"] is None


def test_code_location_downloads_the_package(lam: Any, create: Callable[..., dict[str, Any]]) -> None:
    create()
    location = lam.get_function(FunctionName="echo")["Code"]["Location"]
    with urllib.request.urlopen(location) as answer:
        assert answer.read() == package()
    forged = location.replace("signature=", "signature=0")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(forged)
    assert raised.value.code == 403
    lam.update_function_code(FunctionName="echo", ZipFile=package(ECHO.replace("VERSION", "2")))
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(location)
    assert raised.value.code == 404


def test_list_functions_pages(lam: Any, create: Callable[..., dict[str, Any]]) -> None:
    names = [f"fn-{i}" for i in range(5)]
    for name in reversed(names):
        create(name)
    first = lam.list_functions(MaxItems=2)
    assert [f["FunctionName"] for f in first["Functions"]] == names[:2]
    second = lam.list_functions(MaxItems=2, Marker=first["NextMarker"])
    assert [f["FunctionName"] for f in second["Functions"]] == names[2:4]
    pages = lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2})
    assert [f["FunctionName"] for page in pages for f in page["Functions"]] == names
    assert error_of(lambda: lam.list_functions(Marker="%%%"))[1] == 400
    assert other_account(lam, OTHER_KEYS).list_functions()["Functions"] == []


def other_account(lam: Any, keys: Any) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=lam.meta.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=keys.key_id,
        aws_secret_access_key=keys.secret,
    )


def test_invoke_request_response_with_tail(
    live_api: LiveApi, lam: Any, create: Callable[..., dict[str, Any]]
) -> None:
    create()
    answer, payload = invoke(lam, "echo", {"x": [1, 2]}, LogType="Tail")
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert answer["ExecutedVersion"] == "$LATEST"
    assert payload["echo"] == [1, 2] and payload["name"] == "echo"
    assert payload["request"] == answer["ResponseMetadata"]["RequestId"]
    tail = base64.b64decode(answer["LogResult"]).decode()
    assert "START RequestId" in tail and "END RequestId" in tail and "REPORT RequestId" in tail
    assert "hello from echo" in tail
    empty = lam.invoke(FunctionName="echo")
    assert json.loads(empty["Payload"].read())["echo"] is None
    qualified = lam.invoke(FunctionName="echo", Qualifier="$LATEST", Payload=b"{}")
    assert qualified["StatusCode"] == 200
    code, status = error_of(lambda: lam.invoke(FunctionName="echo", Qualifier="7", Payload=b"{}"))
    assert (code, status) == ("ResourceNotFoundException", 404)


def test_invoke_event_and_dry_run(
    function_host: FunctionHost, lam: Any, create: Callable[..., dict[str, Any]]
) -> None:
    create()
    queued = lam.invoke(FunctionName="echo", InvocationType="Event", Payload=b'{"x": 1}')
    assert queued["StatusCode"] == 202
    host = function_host
    deadline = time.monotonic() + 20
    while not host.logs(SOURCE, "echo") and time.monotonic() < deadline:
        time.sleep(0.05)
    [logged] = host.logs(SOURCE, "echo")
    assert logged.request_id == queued["ResponseMetadata"]["RequestId"]
    assert "hello from echo" in logged.log
    dry = lam.invoke(FunctionName="echo", InvocationType="DryRun")
    assert dry["StatusCode"] == 204
    assert len(host.logs(SOURCE, "echo")) == 1


def test_a_failing_function_is_unhandled(lam: Any, create: Callable[..., dict[str, Any]]) -> None:
    create("boom", package(FAILING))
    answer, payload = invoke(lam, "boom")
    assert answer["StatusCode"] == 200 and answer["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "KeyError" and "no such thing" in payload["errorMessage"]


def test_function_errors(lam: Any, create: Callable[..., dict[str, Any]]) -> None:
    create()
    assert error_of(lambda: lam.get_function(FunctionName="missing")) == ("ResourceNotFoundException", 404)
    assert error_of(lambda: lam.invoke(FunctionName="missing")) == ("ResourceNotFoundException", 404)
    assert error_of(lambda: lam.delete_function(FunctionName="missing")) == ("ResourceNotFoundException", 404)
    with pytest.raises(lam.exceptions.ResourceConflictException):
        create()
    assert error_of(create) == ("ResourceConflictException", 409)
    invalid = ("InvalidParameterValueException", 400)
    assert error_of(lambda: create("env", Environment={"Variables": {"AWS_REGION": "x"}})) == invalid
    assert error_of(lambda: create("badzip", b"not a zip")) == invalid
    assert error_of(lambda: create("node", Runtime="nodejs20.x", Handler="index.handler")) == invalid
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.create_function(
            FunctionName="image", Role=ROLE, Code={"ImageUri": "repo/image:1"}, PackageType="Image"
        )
    assert (
        error_of(lambda: create("layered", Layers=["arn:aws:lambda:us-east-1:123456789012:layer:x:1"]))
        == invalid
    )
    assert error_of(lambda: create("bad name!"))[1] == 400
    assert error_of(lambda: create("slow", Timeout=901)) == ("ValidationException", 400)
    assert error_of(lambda: lam.update_function_code(FunctionName="echo", ZipFile=b"junk")) == invalid
    code, status = error_of(lambda: lam.invoke(FunctionName="echo", Payload=b"not json"))
    assert (code, status) == ("InvalidRequestContentException", 400)
    assert error_of(lambda: lam.invoke(FunctionName="echo", InvocationType="Later"))[1] == 400
    assert (
        error_of(lambda: lam.get_function(FunctionName="arn:aws:lambda:eu-west-1:123456789012:function:echo"))
        == invalid
    )
    assert lam.list_functions()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_wire_errors_are_lambdas(live_api: LiveApi) -> None:
    def raw(method: str, path: str, body: bytes = b"") -> tuple[int, Any, dict[str, Any]]:
        request = urllib.request.Request(live_api.url + path, data=body or None, method=method)
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status, answer.headers, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, error.headers, json.loads(error.read())

    status, headers, body = raw("GET", "/2015-03-31/functions")
    assert (status, headers["x-amzn-ErrorType"]) == (403, "MissingAuthenticationTokenException")
    assert body["Type"] == "User" and body["message"]
    status, headers, body = raw("GET", "/2015-03-31/nothing-here")
    assert (status, headers["x-amzn-ErrorType"]) == (404, "UnknownOperationException")
    status, headers, _ = raw("PATCH", "/2015-03-31/functions/echo")
    assert (status, headers["x-amzn-ErrorType"]) == (404, "UnknownOperationException")


def test_bad_json_and_bad_signature(live_api: LiveApi, lam: Any) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=live_api.url + "/2015-03-31/functions", data=b"{not json")
    SigV4Auth(Credentials("test", "test"), "lambda", "us-east-1").add_auth(request)
    prepared = urllib.request.Request(
        request.url, data=request.body, headers=dict(request.headers), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(prepared)
    assert (
        raised.value.code == 400
        and raised.value.headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
    )
    wrong = boto3.client(
        "lambda",
        endpoint_url=live_api.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="wrong",
    )
    assert error_of(wrong.list_functions) == ("InvalidSignatureException", 403)


def test_permissions_round_trip(lam: Any, create: Callable[..., dict[str, Any]]) -> None:
    create()
    assert error_of(lambda: lam.get_policy(FunctionName="echo")) == ("ResourceNotFoundException", 404)
    added = lam.add_permission(
        FunctionName="echo",
        StatementId="config",
        Action="lambda:InvokeFunction",
        Principal="config.amazonaws.com",
        SourceAccount=ACCOUNT,
    )
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
    statement = json.loads(added["Statement"])
    assert statement["Sid"] == "config" and statement["Principal"] == {"Service": "config.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceAccount": ACCOUNT}}
    policy = lam.get_policy(FunctionName="echo")
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == ["config"]
    assert policy["RevisionId"]
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.add_permission(
            FunctionName="echo", StatementId="config", Action="lambda:InvokeFunction", Principal="*"
        )
    removed = lam.remove_permission(FunctionName="echo", StatementId="config")
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: lam.remove_permission(FunctionName="echo", StatementId="config"))[1] == 404
    assert error_of(lambda: lam.get_policy(FunctionName="echo"))[1] == 404


def test_another_account_invokes_only_when_the_policy_allows(
    lam: Any, create: Callable[..., dict[str, Any]]
) -> None:
    arn = create()["FunctionArn"]
    other = other_account(lam, OTHER_KEYS)
    assert error_of(lambda: other.invoke(FunctionName=arn)) == ("AccessDeniedException", 403)
    assert error_of(lambda: other.get_function(FunctionName=arn)) == ("AccessDeniedException", 403)
    lam.add_permission(
        FunctionName="echo",
        StatementId="other",
        Action="lambda:InvokeFunction",
        Principal=OTHER_KEYS.account_id,
    )
    assert json.loads(other.invoke(FunctionName=arn)["Payload"].read())["name"] == "echo"
    assert error_of(lambda: other.delete_function(FunctionName=arn)) == ("AccessDeniedException", 403)
    assert error_of(lambda: other.get_function(FunctionName="echo")) == ("ResourceNotFoundException", 404)


def test_tags(lam: Any, create: Callable[..., dict[str, Any]]) -> None:
    arn = create(Tags={"a": "1"})["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"b": "2"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"a": "1", "b": "2"}
    lam.untag_resource(Resource=arn, TagKeys=["a"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}
    assert lam.get_function(FunctionName="echo")["Tags"] == {"b": "2"}
    missing = arn.replace(":echo", ":missing")
    assert error_of(lambda: lam.list_tags(Resource=missing)) == ("ResourceNotFoundException", 404)


def test_code_from_the_accounts_s3(live_api: LiveApi, lam: Any) -> None:
    assert live_api.services.connector is not None
    s3 = live_api.services.connector.client(ACCOUNT, "us-east-1", "s3")
    s3.create_bucket(Bucket="function-code")
    s3.put_object(Bucket="function-code", Key="echo.zip", Body=package())
    created = lam.create_function(
        FunctionName="from-s3",
        Runtime="python3.12",
        Handler="app.handler",
        Role=ROLE,
        Code={"S3Bucket": "function-code", "S3Key": "echo.zip"},
    )
    assert created["CodeSize"] == len(package())
    assert invoke(lam, "from-s3", {"x": "s3"})[1]["echo"] == "s3"
    code, _ = error_of(
        lambda: lam.update_function_code(
            FunctionName="from-s3", S3Bucket="function-code", S3Key="missing.zip"
        )
    )
    assert code == "InvalidParameterValueException"


def test_a_function_reaches_roosts_lambda_api(lam: Any, create: Callable[..., dict[str, Any]]) -> None:
    source = (
        "import boto3, os\n"
        "def handler(event, context):\n"
        "    me = boto3.client('lambda').get_function_configuration(FunctionName=context.function_name)\n"
        "    return me['FunctionArn']\n"
    )
    arn = create("self", package(source), Timeout=30)["FunctionArn"]
    answer, payload = invoke(lam, "self")
    assert "FunctionError" not in answer, payload
    assert payload == arn


def test_without_a_function_host(live_api: LiveApi) -> None:
    client = live_api.client(service="lambda")
    code, status = error_of(client.list_functions)
    assert code == "ServiceException" and status == 501


@pytest.fixture
def cli(live_api: LiveApi, tmp_path: Path) -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    aws = Path(sys.executable).parent / "aws"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [str(aws), "lambda", *args, "--endpoint-url", live_api.url, "--region", "us-east-1"]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)

    yield run


def test_the_aws_cli(
    cli: Callable[..., subprocess.CompletedProcess[str]],
    create: Callable[..., dict[str, Any]],
    tmp_path: Path,
) -> None:
    create()
    listed = cli("list-functions")
    assert listed.returncode == 0, listed.stderr
    assert [f["FunctionName"] for f in json.loads(listed.stdout)["Functions"]] == ["echo"]
    out = tmp_path / "out.json"
    invoked = cli(
        "invoke", "--function-name", "echo",
        "--payload", '{"x": "cli"}', str(out),
    )  # fmt: skip
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(invoked.stdout)["StatusCode"] == 200
    assert json.loads(out.read_text())["echo"] == "cli"
    missing = cli("get-function", "--function-name", "missing")
    assert missing.returncode != 0 and "ResourceNotFoundException" in missing.stderr
