"""The AWS JSON 1.1 protocol over raw HTTP: every broken request gets an AWS-shaped 400 that botocore
reads, never a 5xx; and the permissive key mode maps a 12-digit key id to its account.

The helpers here (`Connection`, `signed`, `target_of`) are shared with tests/api/test_fuzz.py.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import boto3
import botocore.auth
import botocore.parsers
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from roost.api.app import ConfigApi, answered_code
from roost.api.auth import KeyPair, KeyRing
from roost.api.context import ApiServices
from roost.api.operations import load_operations
from roost.api.server import HttpServer, build_app
from roost.api.service_model import CONTENT_TYPE, TARGET_PREFIX, config_model
from roost.clock import SystemClock
from roost.store import Store
from tests.api.conftest import SANDBOX_KEYS

ROLE = "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def botocore_error(self) -> dict[str, str]:
        """The error as botocore's JSON parser reads it (what boto3 puts in ClientError.response)."""
        parser = botocore.parsers.create_parser("json")
        parsed = parser.parse({"status_code": self.status, "headers": self.headers, "body": self.body}, None)
        error: dict[str, str] = parsed["Error"]
        return error


class Connection:
    """One keep-alive HTTP connection to a live roost."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.url = url
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._conn = http.client.HTTPConnection(self._host, self._port, timeout=30)

    def send(
        self,
        *,
        method: str = "POST",
        path: str = "/",
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> Answer:
        try:
            self._conn.request(method, path, body=body, headers=headers or {})
            response = self._conn.getresponse()
        except (http.client.HTTPException, ConnectionError):
            # The server closed the kept-alive connection: once more on a new one.
            self._conn.close()
            self._conn = http.client.HTTPConnection(self._host, self._port, timeout=30)
            self._conn.request(method, path, body=body, headers=headers or {})
            response = self._conn.getresponse()
        data = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)

    def close(self) -> None:
        self._conn.close()


def signed(
    url: str,
    body: bytes,
    *,
    target: str | None,
    path: str = "/",
    keys: KeyPair = SANDBOX_KEYS,
    region: str = "us-east-1",
    content_type: str = CONTENT_TYPE,
    when: datetime | None = None,
) -> dict[str, str]:
    """Headers for a request signed with botocore's own SigV4 (at `when`, default now)."""
    headers = {"Content-Type": content_type}
    if target is not None:
        headers["X-Amz-Target"] = target
    request = AWSRequest(method="POST", url=url + path, data=body, headers=headers)
    signer = SigV4Auth(Credentials(keys.key_id, keys.secret), "config", region)
    if when is None:
        signer.add_auth(request)
    else:
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when.replace(tzinfo=None)):
            signer.add_auth(request)
    return dict(request.headers.items())


def target_of(operation: str) -> str:
    return f"{TARGET_PREFIX}.{operation}"


def serve(store: Store, keys: KeyRing) -> HttpServer:
    """A live roost on a free port with no cloud behind it (these requests need none)."""
    api = ConfigApi(ApiServices(store=store, clock=SystemClock()), keys, strict_output=True)
    server = HttpServer(build_app(api), port=0)
    server.start()
    return server


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One roost for this module's requests, knowing only the sandbox keys."""
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('protocol') / 'roost.db'}")
    server = serve(store, KeyRing([SANDBOX_KEYS]))
    yield server.url
    server.stop()
    store.close()


@pytest.fixture
def conn(url: str) -> Iterator[Connection]:
    connection = Connection(url)
    yield connection
    connection.close()


def assert_aws_error(answer: Answer, code: str) -> dict[str, Any]:
    assert answer.status == 400, (answer.status, answer.body[:500])
    assert answer.headers.get("content-type", "").startswith(CONTENT_TYPE)
    document = answer.json()
    assert isinstance(document, dict)
    assert document.get("__type") == code, document
    assert isinstance(document.get("message"), str) and document["message"], document
    assert answer.botocore_error()["Code"] == code
    assert answer.botocore_error()["Message"] == document["message"]
    return document


def _not_implemented_operation() -> str | None:
    """An operation roost does not implement yet whose input may be empty (so it passes the checks)."""
    implemented = set(load_operations())
    model = config_model()
    for name in sorted(model.operation_names):
        shape = model.operation_model(name).input_shape
        if name not in implemented and (shape is None or not shape.required_members):
            return name
    return None


DESCRIBE = target_of("DescribeConfigurationRecorders")

# (id, how to build the request from the server's url) -> the error code roost answers with.
Build = Callable[[str], dict[str, Any]]


def _signed_body(body: bytes, target: str | None = DESCRIBE, **kwargs: Any) -> Build:
    return lambda url: {
        "body": body,
        "headers": signed(url, body, target=target, **kwargs),
        **({"path": kwargs["path"]} if "path" in kwargs else {}),
    }


def _tampered(url: str) -> dict[str, Any]:
    headers = signed(url, b"{}", target=DESCRIBE)
    return {"body": b'{"ConfigurationRecorderNames":["x"]}', "headers": headers}


def _resigned_target(url: str) -> dict[str, Any]:
    headers = signed(url, b"{}", target=DESCRIBE)
    headers["X-Amz-Target"] = target_of("DescribeConfigurationRecorderStatus")
    return {"body": b"{}", "headers": headers}


def _unsigned(authorization: str | None) -> Build:
    def build(url: str) -> dict[str, Any]:
        headers = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": DESCRIBE}
        if authorization is not None:
            headers["Authorization"] = authorization
        return {"body": b"{}", "headers": headers}

    return build


def _with_credential(credential: str) -> Build:
    def build(url: str) -> dict[str, Any]:
        headers = signed(url, b"{}", target=DESCRIBE)
        old = headers["Authorization"].split("Credential=", 1)[1].split(",", 1)[0]
        headers["Authorization"] = headers["Authorization"].replace(old, credential)
        return {"body": b"{}", "headers": headers}

    return build


NOW = datetime.now(UTC)
CASES: list[tuple[str, Build, str]] = [
    ("malformed-json", _signed_body(b'{"ConfigurationRecorderNames": ['), "SerializationException"),
    ("json-array", _signed_body(b"[]"), "SerializationException"),
    ("json-array-of-objects", _signed_body(b'[{"a": 1}]'), "SerializationException"),
    ("json-string", _signed_body(b'"hello"'), "SerializationException"),
    ("json-null", _signed_body(b"null"), "SerializationException"),
    ("json-number", _signed_body(b"42"), "SerializationException"),
    ("binary-body", _signed_body(b"\xff\xfe\x00garbage\x80"), "SerializationException"),
    ("utf16-body", _signed_body("{}".encode("utf-16")), "SerializationException"),
    ("nan-constant", _signed_body(b'{"ConfigurationRecorderNames": NaN}'), "SerializationException"),
    ("infinity-constant", _signed_body(b'{"x": -Infinity}'), "SerializationException"),
    ("number-overflowing-a-double", _signed_body(b'{"x": 1e400}'), "SerializationException"),
    ("5000-digit-number", _signed_body(b'{"x": ' + b"9" * 5000 + b"}"), "SerializationException"),
    ("deeply-nested-body", _signed_body(b"[" * 100_000 + b"]" * 100_000), "SerializationException"),
    (
        "deeply-nested-member",
        _signed_body(b'{"x": ' + b'{"a": [' * 20_000 + b"]}" * 20_000 + b"}"),
        "SerializationException",
    ),
    ("wrong-member-type", _signed_body(b'{"ConfigurationRecorderNames": "x"}'), "SerializationException"),
    (
        "lone-surrogate",
        _signed_body(b'{"ConfigurationRecorderNames": ["a\\ud800b"]}'),
        "SerializationException",
    ),
    ("nul-character", _signed_body(b'{"ConfigurationRecorderNames": ["a\\u0000b"]}'), "ValidationException"),
    (
        "escaped-surrogate-pair",
        _signed_body(b'{"ConfigurationRecorderNames": ["\\ud83d\\ude00"]}'),
        "NoSuchConfigurationRecorderException",
    ),
    (
        "integer-beyond-32-bits",
        _signed_body(b'{"MaxResults": 4294967296}', target_of("ListConfigurationRecorders")),
        "SerializationException",
    ),
    (
        "fractional-integer",
        _signed_body(b'{"MaxResults": 1.5}', target_of("ListConfigurationRecorders")),
        "SerializationException",
    ),
    ("unknown-target", _signed_body(b"{}", target_of("NoSuchOperation")), "UnknownOperationException"),
    ("lowercase-target", _signed_body(b"{}", DESCRIBE.lower()), "UnknownOperationException"),
    ("missing-target", _signed_body(b"{}", None), "UnknownOperationException"),
    ("empty-target", _signed_body(b"{}", ""), "UnknownOperationException"),
    (
        "wrong-prefix",
        _signed_body(b"{}", "ConfigService.DescribeConfigurationRecorders"),
        "UnknownOperationException",
    ),
    ("prefix-only", _signed_body(b"{}", f"{TARGET_PREFIX}."), "UnknownOperationException"),
    ("no-prefix", _signed_body(b"{}", "DescribeConfigurationRecorders"), "UnknownOperationException"),
    ("text-content-type", _signed_body(b"{}", content_type="text/plain"), "SerializationException"),
    (
        "form-content-type",
        _signed_body(b"{}", content_type="application/x-www-form-urlencoded"),
        ("SerializationException"),
    ),
    ("missing-authorization", _unsigned(None), "MissingAuthenticationTokenException"),
    ("empty-authorization", _unsigned(""), "MissingAuthenticationTokenException"),
    ("malformed-authorization", _unsigned("AWS4-HMAC-SHA256 garbage"), "IncompleteSignatureException"),
    ("bearer-authorization", _unsigned("Bearer abc.def"), "IncompleteSignatureException"),
    ("sigv2-authorization", _unsigned("AWS test:c2lnbmF0dXJl"), "IncompleteSignatureException"),
    ("short-credential", _with_credential("test/20250101/us-east-1"), "IncompleteSignatureException"),
    (
        "unknown-access-key",
        _signed_body(b"{}", keys=KeyPair("AKIAUNKNOWNKEY000001", "secret", "")),
        "UnrecognizedClientException",
    ),
    (
        "wrong-secret",
        _signed_body(b"{}", keys=KeyPair(SANDBOX_KEYS.key_id, "not-the-secret", "")),
        "InvalidSignatureException",
    ),
    (
        "signed-20-minutes-ago",
        _signed_body(b"{}", when=NOW - timedelta(minutes=20)),
        "InvalidSignatureException",
    ),
    (
        "signed-20-minutes-ahead",
        _signed_body(b"{}", when=NOW + timedelta(minutes=20)),
        ("InvalidSignatureException"),
    ),
    ("body-changed-after-signing", _tampered, "InvalidSignatureException"),
    ("target-changed-after-signing", _resigned_target, "InvalidSignatureException"),
    (
        "other-service-scope",
        _with_credential(f"test/{NOW:%Y%m%d}/us-east-1/s3/aws4_request"),
        ("InvalidSignatureException"),
    ),
    ("unknown-path", _signed_body(b"{}", path="/nope"), "UnknownOperationException"),
    ("nested-unknown-path", _signed_body(b"{}", path="/2014-11-12/config/x"), "UnknownOperationException"),
]


@pytest.mark.parametrize("build,code", [(b, c) for _, b, c in CASES], ids=[i for i, _, _ in CASES])
def test_a_broken_request_gets_an_aws_shaped_400(conn: Connection, url: str, build: Build, code: str) -> None:
    request = build(url)
    assert_aws_error(conn.send(**request), code)


@pytest.mark.parametrize("method,path", [("GET", "/"), ("GET", "/health"), ("PUT", "/"), ("DELETE", "/x")])
def test_other_methods_and_paths_get_an_aws_shaped_400(conn: Connection, method: str, path: str) -> None:
    document = assert_aws_error(conn.send(method=method, path=path), "UnknownOperationException")
    assert path in document["message"]


def test_a_good_raw_request_succeeds_and_carries_a_request_id(conn: Connection, url: str) -> None:
    answer = conn.send(body=b"{}", headers=signed(url, b"{}", target=DESCRIBE))
    assert answer.status == 200
    assert answer.json() == {"ConfigurationRecorders": []}
    assert answer.headers.get("x-amzn-requestid")
    # An empty body stands for {} (some SDKs send nothing for operations without input).
    answer = conn.send(body=b"", headers=signed(url, b"", target=DESCRIBE))
    assert answer.status == 200, answer.body


def test_errors_carry_the_error_type_header(conn: Connection, url: str) -> None:
    answer = conn.send(body=b"[]", headers=signed(url, b"[]", target=DESCRIBE))
    assert answer.headers.get("x-amzn-errortype") == "SerializationException"


def test_a_validation_error_names_the_member_and_constraint(conn: Connection, url: str) -> None:
    body = json.dumps({"ConfigurationRecorderName": "x" * 300}).encode()
    headers = signed(url, body, target=target_of("StartConfigurationRecorder"))
    document = assert_aws_error(conn.send(body=body, headers=headers), "ValidationException")
    assert "'configurationrecordername'" in document["message"].lower()
    assert "length less than or equal to 256" in document["message"]


def test_an_operation_not_implemented_yet_says_so(
    conn: Connection, url: str, client_error: Callable[..., str]
) -> None:
    name = _not_implemented_operation()
    if name is None:
        pytest.skip("every operation without required input is implemented")
    headers = signed(url, b"{}", target=target_of(name))
    document = assert_aws_error(conn.send(body=b"{}", headers=headers), "NotImplementedException")
    assert name in document["message"] and "docs/api-coverage.md" in document["message"]
    # ... and boto3 reads it as such.
    client = _client(url, SANDBOX_KEYS.key_id, secret=SANDBOX_KEYS.secret)
    method = getattr(client, botocore.xform_name(name))
    assert client_error(method) == "NotImplementedException"


def test_an_unimplemented_operation_still_checks_its_input(conn: Connection, url: str) -> None:
    """Bad input is a ValidationException before "not implemented", as the front end checks first."""
    implemented = set(load_operations())
    model = config_model()
    name = next(
        n
        for n in sorted(model.operation_names)
        if n not in implemented
        and model.operation_model(n).input_shape is not None
        and model.operation_model(n).input_shape.required_members
    )
    required = model.operation_model(name).input_shape.required_members[0]
    headers = signed(url, b"{}", target=target_of(name))
    document = assert_aws_error(conn.send(body=b"{}", headers=headers), "ValidationException")
    assert required in document["message"]


@pytest.mark.parametrize(
    "name,code",
    [("a\u0000b", "ValidationException"), ("a\ud800b", "SerializationException"), ("ok", None)],
)
def test_strings_no_store_can_hold_are_refused_before_the_store(
    any_store: Store, name: str, code: str | None
) -> None:
    """PostgreSQL text cannot hold NUL, and no UTF-8 encoder takes a lone surrogate: a 400, never a 500."""
    server = serve(any_store, KeyRing([SANDBOX_KEYS]))
    conn = Connection(server.url)
    try:
        for target, params in [
            ("PutConfigurationRecorder", {"ConfigurationRecorder": {"name": name, "roleARN": ROLE}}),
            ("PutConfigurationRecorder", {"ConfigurationRecorder": {"name": "x", "roleARN": ROLE + name}}),
            ("GetResourceConfigHistory", {"resourceType": "AWS::EC2::Instance", "resourceId": name}),
        ]:
            body = json.dumps(params).encode()
            answer = conn.send(body=body, headers=signed(server.url, body, target=target_of(target)))
            if code is None:
                assert answer.status < 500, answer.body
            else:
                assert_aws_error(answer, code)
    finally:
        conn.close()
        server.stop()


def test_a_bad_token_is_a_validation_error_where_only_that_is_modeled(conn: Connection, url: str) -> None:
    """ListConfigurationRecorders models ValidationException only: no InvalidNextTokenException."""
    body = json.dumps({"NextToken": "not-a-token"}).encode()
    headers = signed(url, body, target=target_of("ListConfigurationRecorders"))
    document = assert_aws_error(conn.send(body=body, headers=headers), "ValidationException")
    assert "nextToken" in document["message"]


def test_parameter_errors_are_answered_in_the_operation_s_own_terms() -> None:
    assert answered_code("ListConfigurationRecorders", "InvalidNextTokenException") == "ValidationException"
    assert answered_code("ListConfigurationRecorders", "InvalidLimitException") == "ValidationException"
    assert (
        answered_code("GetResourceConfigHistory", "InvalidNextTokenException") == "InvalidNextTokenException"
    )
    assert answered_code("DescribeRetentionConfigurations", "InvalidLimitException") == (
        "InvalidParameterValueException"
    )
    assert answered_code("GetComplianceSummaryByConfigRule", "InvalidLimitException") == "ValidationException"
    # Other errors are answered as raised (a non-modeled one is a bug the meta-tests report).
    assert answered_code("ListConfigurationRecorders", "NoSuchBucketException") == "NoSuchBucketException"


# --- permissive mode --------------------------------------------------------------------------------


@pytest.fixture
def permissive_url(store: Store) -> Iterator[str]:
    """A live roost accepting any key."""
    server = serve(store, KeyRing([], permissive=True))
    yield server.url
    server.stop()


def _client(url: str, key_id: str, region: str = "us-east-1", *, secret: str = "anything") -> Any:
    return boto3.client(
        "config",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def test_permissive_mode_takes_a_12_digit_key_as_the_account(permissive_url: str) -> None:
    mine = _client(permissive_url, "111122223333")
    mine.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": ROLE})
    (recorder,) = mine.describe_configuration_recorders()["ConfigurationRecorders"]
    assert recorder["arn"].split(":")[4] == "111122223333"
    assert recorder["arn"].startswith("arn:aws:config:us-east-1:111122223333:")
    # The same account with another secret: same data (the secret is not checked in permissive mode).
    again = _client(permissive_url, "111122223333", secret="another-secret")
    assert [r["name"] for r in again.describe_configuration_recorders()["ConfigurationRecorders"]] == [
        "default"
    ]
    # Another 12-digit key is another account; a key of another form is the default sandbox account.
    assert (
        _client(permissive_url, "444455556666").describe_configuration_recorders()["ConfigurationRecorders"]
        == []
    )
    anyone = _client(permissive_url, "AKIAANYTHING")
    assert anyone.describe_configuration_recorders()["ConfigurationRecorders"] == []
    anyone.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": ROLE})
    (other,) = anyone.describe_configuration_recorders()["ConfigurationRecorders"]
    assert other["arn"].split(":")[4] == "123456789012"
    # The region still comes from the credential scope.
    assert (
        _client(permissive_url, "111122223333", "eu-west-1").describe_configuration_recorders()[
            "ConfigurationRecorders"
        ]
        == []
    )


def test_without_permissive_mode_a_12_digit_key_is_unknown(
    url: str, client_error: Callable[..., str]
) -> None:
    stranger = _client(url, "111122223333")
    assert client_error(stranger.describe_configuration_recorders) == "UnrecognizedClientException"


def test_a_body_swapped_under_a_claimed_payload_hash_is_refused(conn: Connection, url: str) -> None:
    """A captured signed request cannot carry another body by sending the old body's hash as a header."""
    import hashlib

    headers = signed(url, b"{}", target=DESCRIBE)
    headers["x-amz-content-sha256"] = hashlib.sha256(b"{}").hexdigest()
    answer = conn.send(body=b'{"ConfigurationRecorderNames": ["other"]}', headers=headers)
    assert_aws_error(answer, "InvalidSignatureException")


def test_a_region_that_is_no_region_is_refused(conn: Connection, url: str) -> None:
    headers = signed(url, b"{}", target=DESCRIBE, region="x" * 40)
    assert_aws_error(conn.send(body=b"{}", headers=headers), "InvalidSignatureException")
