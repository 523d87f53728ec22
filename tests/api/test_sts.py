"""STS on roost's API: AssumeRole forwarded to the sandbox cloud, its credentials accepted by roost's
Config API as the role's account and by the cloud itself; GetCallerIdentity; STS's XML errors, never a 5xx.

Everything over real HTTP with real boto3 clients, as a function roost hosts (rdklib) would call it."""

from __future__ import annotations

import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import boto3
import botocore.parsers
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from roost.api.app import ConfigApi
from roost.api.auth import KeyPair, KeyRing
from roost.api.context import ApiServices
from roost.api.server import HttpServer, build_app
from roost.api.sts import NAMESPACE, StsApi
from roost.clock import SystemClock
from roost.cloud import CloudConnector
from roost.cloud.sandbox import Sandbox
from roost.settings import AccountSettings
from roost.store import Store
from tests.api.conftest import OTHER_KEYS, SANDBOX_KEYS, LiveApi

SANDBOX = SANDBOX_KEYS.account_id
UNKNOWN_ACCOUNT = "999999999999"
ROLE = f"arn:aws:iam::{SANDBOX}:role/config-rule-role"
RECORDER_ROLE = f"arn:aws:iam::{SANDBOX}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def assume(live_api: LiveApi, role_arn: str = ROLE, *, keys: KeyPair = SANDBOX_KEYS) -> dict[str, Any]:
    """What rdklib does: AssumeRole with the function's keys, the STS endpoint pointed at roost."""
    sts = live_api.client(service="sts", keys=keys)
    answer: dict[str, Any] = sts.assume_role(
        RoleArn=role_arn, RoleSessionName="configLambdaExecution", DurationSeconds=900
    )
    return answer


def with_credentials(service: str, credentials: dict[str, Any], endpoint_url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def sts_error(call: Any) -> tuple[int, str]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], str(response["Error"]["Code"])


@dataclass
class Answer:
    status: int
    body: bytes

    def error(self) -> dict[str, str]:
        """The error as botocore's query parser reads it (what boto3 puts in ClientError.response)."""
        parser = botocore.parsers.create_parser("query")
        parsed = parser.parse({"status_code": self.status, "headers": {}, "body": self.body}, None)
        error: dict[str, str] = parsed["Error"]
        return error


def post_form(url: str, params: dict[str, str], *, keys: KeyPair = SANDBOX_KEYS) -> Answer:
    """A form POST signed for STS with botocore's SigV4, sent as-is (no client-side validation)."""
    body = urlencode(params).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = AWSRequest(method="POST", url=url + "/", data=body, headers=headers)
    SigV4Auth(Credentials(keys.key_id, keys.secret), "sts", "us-east-1").add_auth(request)
    sent = urllib.request.Request(url + "/", data=body, headers=dict(request.headers.items()), method="POST")
    try:
        with urllib.request.urlopen(sent, timeout=30) as response:
            return Answer(response.status, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read())


def test_assumed_credentials_call_roost_s_config_api_as_the_role_s_account(
    live_api: LiveApi, config: Any
) -> None:
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": RECORDER_ROLE})
    credentials = assume(live_api)["Credentials"]

    key = live_api.keys.get(credentials["AccessKeyId"])
    assert key is not None
    assert (key.key_id, key.secret, key.account_id) == (
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        SANDBOX,
    )
    as_role = with_credentials("config", credentials, live_api.url)
    recorders = as_role.describe_configuration_recorders()["ConfigurationRecorders"]
    assert [r["name"] for r in recorders] == ["default"]
    # Another account's keys see nothing of the sandbox account's.
    other = live_api.client(keys=OTHER_KEYS).describe_configuration_recorders()
    assert other["ConfigurationRecorders"] == []


def test_assumed_credentials_work_against_the_cloud_itself(live_api: LiveApi, cloud: Sandbox) -> None:
    answer = assume(live_api)
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"] not in {SANDBOX_KEYS.key_id, OTHER_KEYS.key_id}
    assert credentials["SessionToken"]
    assert credentials["Expiration"].tzinfo is not None
    assumed_arn = f"arn:aws:sts::{SANDBOX}:assumed-role/config-rule-role/configLambdaExecution"
    assert answer["AssumedRoleUser"]["Arn"] == assumed_arn
    assert answer["AssumedRoleUser"]["AssumedRoleId"].endswith(":configLambdaExecution")

    in_cloud = with_credentials("sts", credentials, cloud.endpoint_url).get_caller_identity()
    assert (in_cloud["Account"], in_cloud["Arn"]) == (SANDBOX, assumed_arn)
    # roost knows the session too: the same identity through roost's STS.
    in_roost = with_credentials("sts", credentials, live_api.url).get_caller_identity()
    assert (in_roost["Account"], in_roost["Arn"], in_roost["UserId"]) == (
        SANDBOX,
        assumed_arn,
        answer["AssumedRoleUser"]["AssumedRoleId"],
    )


def test_the_config_api_is_still_served_next_to_sts(live_api: LiveApi, config: Any) -> None:
    assume(live_api)
    assert config.describe_configuration_recorders()["ConfigurationRecorders"] == []


def test_get_caller_identity_of_a_configured_key(live_api: LiveApi) -> None:
    identity = live_api.client(service="sts", keys=OTHER_KEYS).get_caller_identity()
    assert identity["Account"] == OTHER_KEYS.account_id
    assert identity["UserId"] == OTHER_KEYS.key_id
    assert identity["Arn"].startswith(f"arn:aws:iam::{OTHER_KEYS.account_id}:")
    assert identity["Arn"].endswith(OTHER_KEYS.key_id)


def test_a_role_of_another_account_is_refused_where_the_cloud_checks_no_trust_policy(
    live_api: LiveApi, config: Any
) -> None:
    # The sandbox (moto) lets anyone assume any role: roost must not turn that into another
    # account's keys for its own API.
    role = f"arn:aws:iam::{UNKNOWN_ACCOUNT}:role/audit"
    known = len(live_api.keys)
    status, code = sts_error(lambda: assume(live_api, role))
    assert (status, code) == (403, "AccessDenied")
    assert len(live_api.keys) == known  # no key of that account was handed out


def test_a_caller_never_borrows_the_credentials_roost_holds_for_another_account(live_api: LiveApi) -> None:
    # OTHER_KEYS' account is not one roost reaches; the sandbox account is. Assuming a sandbox role
    # must not go through the sandbox's credentials: STS would judge the caller, not roost.
    status, code = sts_error(lambda: assume(live_api, ROLE, keys=OTHER_KEYS))
    assert (status, code) == (403, "AccessDenied")


@pytest.mark.parametrize(
    "keys,code",
    [
        (KeyPair("AKIAUNKNOWNKEY000001", "secret", ""), "UnrecognizedClientException"),
        (KeyPair(SANDBOX_KEYS.key_id, "not-the-secret", ""), "InvalidSignatureException"),
    ],
    ids=["unknown-key", "wrong-secret"],
)
def test_authentication_failures(live_api: LiveApi, keys: KeyPair, code: str) -> None:
    sts = live_api.client(service="sts", keys=keys)
    assert sts_error(lambda: sts.get_caller_identity()) == (403, code)
    assert sts_error(lambda: sts.assume_role(RoleArn=ROLE, RoleSessionName="s1")) == (403, code)


def test_an_invalid_role_arn_is_a_validation_error(live_api: LiveApi) -> None:
    sts = live_api.client(service="sts")
    for arn in ("arn:aws:s3:::a-bucket-not-a-role", "arn:aws:iam::12345:role/too-short-an-account"):
        assert sts_error(lambda arn=arn: sts.assume_role(RoleArn=arn, RoleSessionName="s1")) == (
            400,
            "ValidationError",
        )
    bad_name = lambda: sts.assume_role(RoleArn=ROLE, RoleSessionName="has spaces!")  # noqa: E731
    assert sts_error(bad_name) == (400, "ValidationError")


@pytest.mark.parametrize(
    "params,code",
    [
        ({"Action": "AssumeRole", "Version": "2011-06-15", "RoleSessionName": "s1"}, "MissingParameter"),
        ({"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE}, "MissingParameter"),
        (
            {"Action": "AssumeRole", "RoleArn": ROLE, "RoleSessionName": "s1", "DurationSeconds": "99999"},
            "ValidationError",
        ),
        (
            {"Action": "AssumeRole", "RoleArn": ROLE, "RoleSessionName": "s1", "DurationSeconds": "soon"},
            "ValidationError",
        ),
        ({"Action": "AssumeRole", "RoleArn": ROLE, "RoleSessionName": "s1", "Policy": ""}, "ValidationError"),
        ({"Version": "2011-06-15"}, "InvalidAction"),
        ({"Action": "GetSessionToken", "Version": "2011-06-15"}, "InvalidAction"),
        ({"Action": "GetCallerIdentity", "Version": "2010-01-01"}, "InvalidAction"),
    ],
    ids=[
        "no-role-arn",
        "no-session-name",
        "duration-too-long",
        "duration-not-a-number",
        "empty-policy",
        "no-action",
        "unserved-action",
        "other-version",
    ],
)
def test_malformed_requests_are_answered_as_sts_errors(
    live_api: LiveApi, params: dict[str, str], code: str
) -> None:
    answer = post_form(live_api.url, params)
    assert answer.status == 400
    root = ET.fromstring(answer.body)
    assert root.tag == f"{{{NAMESPACE}}}ErrorResponse"
    assert root.findtext(f"{{{NAMESPACE}}}Error/{{{NAMESPACE}}}Type") == "Sender"
    assert root.findtext(f"{{{NAMESPACE}}}RequestId")
    error = answer.error()
    assert error["Code"] == code
    assert error["Message"]


def test_a_raw_assume_role_answers_sts_xml(live_api: LiveApi) -> None:
    answer = post_form(
        live_api.url,
        {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE, "RoleSessionName": "raw"},
    )
    assert answer.status == 200
    root = ET.fromstring(answer.body)
    ns = {"sts": NAMESPACE}
    assert root.tag == f"{{{NAMESPACE}}}AssumeRoleResponse"
    key_id = root.findtext("sts:AssumeRoleResult/sts:Credentials/sts:AccessKeyId", namespaces=ns)
    expiration = root.findtext("sts:AssumeRoleResult/sts:Credentials/sts:Expiration", namespaces=ns)
    assert key_id and live_api.keys.get(key_id) is not None
    assert expiration and expiration.endswith("Z") and "T" in expiration
    assert root.findtext("sts:ResponseMetadata/sts:RequestId", namespaces=ns)


@pytest.fixture
def unreachable_sts(store: Store) -> Iterator[dict[str, HttpServer]]:
    """Two roosts whose STS cannot forward: one with no connector, one whose account has no credentials."""
    clock = SystemClock()
    keys = KeyRing([SANDBOX_KEYS])
    broken = CloudConnector([AccountSettings(SANDBOX, profile="roost-test-no-such-profile")])
    servers = {}
    for name, connector in (("no-connector", None), ("no-credentials", broken)):
        services = ApiServices(store=store, clock=clock, connector=connector)
        app = build_app(ConfigApi(services, keys), sts_api=StsApi(services, keys))
        servers[name] = HttpServer(app, port=0)
        servers[name].start()
    yield servers
    for server in servers.values():
        server.stop()


@pytest.mark.parametrize(
    "name,code", [("no-connector", "ServiceUnavailable"), ("no-credentials", "ProfileNotFound")]
)
def test_a_roost_that_cannot_forward_answers_a_clear_4xx(
    unreachable_sts: dict[str, HttpServer], name: str, code: str
) -> None:
    sts = boto3.client(
        "sts",
        endpoint_url=unreachable_sts[name].url,
        region_name="us-east-1",
        aws_access_key_id=SANDBOX_KEYS.key_id,
        aws_secret_access_key=SANDBOX_KEYS.secret,
    )
    with pytest.raises(ClientError) as raised:
        sts.assume_role(RoleArn=ROLE, RoleSessionName="s1")
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == code
    assert response["Error"]["Message"]
    # GetCallerIdentity needs no cloud.
    assert sts.get_caller_identity()["Account"] == SANDBOX


def test_assumed_credentials_expire_with_the_session_they_came_from(live_api: LiveApi) -> None:
    credentials = assume(live_api, ROLE)["Credentials"]
    key = live_api.keys.get(credentials["AccessKeyId"])
    assert key is not None and key.expires is not None
    assert abs(key.expires - credentials["Expiration"]) < timedelta(seconds=1)
    # Past its expiry a key is refused, and the ring forgets it rather than grow without bound.
    ring = KeyRing([])
    past = datetime.now(UTC) - timedelta(seconds=1)
    ring.add(KeyPair("ASIAEXPIRED", "secret", SANDBOX, expires=past))
    assert ring.get("ASIAEXPIRED") is None
    for number in range(99):
        ring.add(KeyPair(f"ASIAFRESH{number:04d}", "secret", SANDBOX, expires=past + timedelta(hours=1)))
    assert len(ring) == 99
