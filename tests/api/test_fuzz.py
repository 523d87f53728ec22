"""Random and malformed input, built from botocore's input shapes, for every implemented operation.

The requests are raw JSON signed with botocore's SigV4 (boto3 would refuse to send most of them), so
wrong types, missing required members, over-long strings, out-of-range numbers, unknown enums, unknown
members and nested garbage all reach roost. Whatever comes in: never a 5xx, and every error is one the
operation models or a validation error.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.model
import botocore.parsers
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from roost.api.app import ConfigApi
from roost.api.auth import KeyRing
from roost.api.context import ApiServices
from roost.api.operations import load_operations
from roost.api.server import HttpServer, build_app
from roost.api.service_model import modeled_errors, operation_model
from roost.clock import SystemClock
from roost.cloud import CloudConnector
from roost.cloud.sandbox import Sandbox
from roost.delivery import Deliverer
from roost.recorder.recorder import Recorder
from roost.settings import Settings
from roost.store import Store
from tests.api.conftest import SANDBOX_KEYS
from tests.api.test_protocol import ROLE, Connection, signed, target_of
from tests.conftest import REGION, _postgres_store

#: Examples per operation and engine; ROOST_FUZZ_EXAMPLES=1000 for a long hunt.
MAX_EXAMPLES = int(os.environ.get("ROOST_FUZZ_EXAMPLES", "25"))
MAX_DEPTH = 6
ALWAYS_ALLOWED = frozenset({"ValidationException", "SerializationException", "NotImplementedException"})
BUCKET = "roost-fuzz-bucket"
RECORDER_ARN = "arn:aws:config:us-east-1:123456789012:configuration-recorder/default"

IMPLEMENTED = sorted(load_operations())

pytestmark = pytest.mark.slow  # about a second per operation

#: Values that mean something to roost, so that valid-looking input reaches past the first lookup.
INTERESTING = (
    "default",
    "other",
    RECORDER_ARN,
    ROLE,
    BUCKET,
    "AWS::EC2::Instance",
    "AWS::S3::Bucket",
    "AWS::IAM::Role",
    "MyCompany::Fuzz::Thing",
    "i-0123456789abcdef0",
    "sg-0123456789abcdef0",
    '{"configuration": {"size": 1}}',
    "1.0",
    "Name",
    "aws:reserved",
    "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc123",
    "arn:aws:sns:us-east-1:123456789012:topic",
    "arn:aws:kms:us-east-1:123456789012:key/abc",
    "AWSLogs/",
    "*",
    " ",
    "",
    "é漢字🙂",
)

SCALAR_GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=16),
)
GARBAGE = st.recursive(
    SCALAR_GARBAGE,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@functools.cache
def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:
        return None


def _fits(shape: botocore.model.Shape, value: str) -> bool:
    meta = shape.metadata
    if len(value) < meta.get("min", 0) or len(value) > meta.get("max", len(value)):
        return False
    regex = _regex(meta["pattern"]) if "pattern" in meta else None
    return regex is None or not value or regex.fullmatch(value) is not None


def _valid_string(shape: botocore.model.Shape) -> st.SearchStrategy[str]:
    enum = getattr(shape, "enum", None)
    if enum:
        return st.sampled_from(enum)
    meta = shape.metadata
    low, high = meta.get("min", 0), min(meta.get("max", 40), 40)
    choices: list[st.SearchStrategy[str]] = []
    known = [value for value in INTERESTING if _fits(shape, value)]
    if known:
        choices.append(st.sampled_from(known))
    regex = _regex(meta["pattern"]) if "pattern" in meta else None
    if regex is not None:
        choices.append(
            st.from_regex(regex, fullmatch=True).filter(lambda s: low <= len(s) <= meta.get("max", len(s)))
        )
    elif low <= high:
        choices.append(st.text(min_size=low, max_size=high))
    return st.one_of(choices) if choices else st.just("x" * low)


def _malformed(shape: botocore.model.Shape, draw: st.DrawFn) -> Any:
    """A value that breaks the shape: the wrong JSON type, or a broken constraint."""
    kind = shape.type_name
    meta = shape.metadata
    options: list[st.SearchStrategy[Any]] = [GARBAGE]
    if kind == "string":
        if "max" in meta and meta["max"] <= 100_000:
            options.append(st.just("y" * (meta["max"] + 1)))
        if meta.get("min", 0) > 0:
            options.append(st.just(""))
        options.append(st.sampled_from(["NOT_AN_ENUM", "bad value\u0000!", "lone \ud800", "\n", "%s%n"]))
    elif kind in ("integer", "long"):
        options.append(
            st.sampled_from([-1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30, 1.5, "12", True])
        )
        if "max" in meta:
            options.append(st.integers(min_value=meta["max"] + 1, max_value=meta["max"] + 10**6))
        if "min" in meta:
            options.append(st.integers(min_value=meta["min"] - 10**6, max_value=meta["min"] - 1))
    elif kind in ("double", "float"):
        options.append(st.sampled_from([float("nan"), float("inf"), -1e308, "1.0", True]))
    elif kind == "timestamp":
        options.append(
            st.sampled_from([-1e20, 1e20, 2**63, float("inf"), float("nan"), "2024-01-01T00:00:00Z", True])
        )
    elif kind == "boolean":
        options.append(st.sampled_from(["true", 0, 1, "false"]))
    elif kind == "blob":
        options.append(st.sampled_from(["not base64!", "====", 42]))
    elif kind == "list":
        assert isinstance(shape, botocore.model.ListShape)
        if meta.get("min", 0) > 0:
            options.append(st.just([]))
        if "max" in meta and meta["max"] <= 200:
            options.append(_valid(shape.member, MAX_DEPTH).map(lambda v: [v] * (meta["max"] + 1)))
        options.append(st.lists(GARBAGE, min_size=1, max_size=3))
        options.append(st.just([None]))
    elif kind == "map":
        assert isinstance(shape, botocore.model.MapShape)
        if "max" in meta and meta["max"] <= 200:
            options.append(st.just({f"k{i}": "v" for i in range(meta["max"] + 1)}))
        options.append(st.dictionaries(st.text(max_size=8), GARBAGE, min_size=1, max_size=3))
    elif kind == "structure":
        options.append(st.just({}))
        options.append(st.lists(GARBAGE, max_size=2))
    return draw(st.one_of(options))


@st.composite
def _value(draw: st.DrawFn, shape: botocore.model.Shape, depth: int, fuzz: bool) -> Any:
    """A value of `shape`; with `fuzz`, any part of it may be malformed (about one node in eight)."""
    if fuzz and draw(st.integers(0, 7)) == 0:
        return _malformed(shape, draw)
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        assert isinstance(shape, botocore.model.StructureShape)
        result: dict[str, Any] = {}
        for name, member in shape.members.items():
            if name in shape.required_members:
                if fuzz and draw(st.integers(0, 9)) == 0:
                    continue  # a required member left out
            elif depth >= MAX_DEPTH or not draw(st.booleans()):
                continue
            result[name] = draw(_value(member, depth + 1, fuzz))
        if fuzz and draw(st.integers(0, 9)) == 0:
            result[draw(st.text(min_size=1, max_size=12))] = draw(GARBAGE)  # a member the model lacks
        return result
    if kind == "list":
        assert isinstance(shape, botocore.model.ListShape)
        low = meta.get("min", 0)
        high = max(low, min(meta.get("max", 3), 3))
        return draw(st.lists(_value(shape.member, depth + 1, fuzz), min_size=low, max_size=high))
    if kind == "map":
        assert isinstance(shape, botocore.model.MapShape)
        keys = _valid_string(shape.key)
        return draw(st.dictionaries(keys, _value(shape.value, depth + 1, fuzz), max_size=3))
    return draw(_valid(shape, depth))


def _valid(shape: botocore.model.Shape, depth: int) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "string":
        return _valid_string(shape)
    if kind in ("integer", "long"):
        bits = 31 if kind == "integer" else 63
        return st.integers(min_value=meta.get("min", -(2**bits)), max_value=meta.get("max", 2**bits - 1))
    if kind in ("double", "float"):
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.one_of(st.integers(0, 2**32), st.floats(min_value=0, max_value=4e9))
    if kind == "blob":
        return st.binary(max_size=24).map(lambda b: base64.b64encode(b).decode())
    return _value(shape, depth, False)


@st.composite
def request_bodies(draw: st.DrawFn, operation: str) -> Any:
    shape = operation_model(operation).input_shape  # type: ignore[union-attr]
    if shape is None:
        return draw(st.one_of(st.just({}), st.dictionaries(st.text(max_size=8), GARBAGE, max_size=3)))
    mode = draw(st.sampled_from(["valid", "fuzzed", "fuzzed", "garbage"]))
    if mode == "garbage":
        return draw(st.dictionaries(st.sampled_from([*shape.members, "x"]), GARBAGE, max_size=4))
    return draw(_value(shape, 0, mode == "fuzzed"))


def _seed(conn: Connection, url: str) -> None:
    """Give the account a recorder, a channel, a running recorder and a custom resource (best effort),
    so that valid-looking requests reach past "no such recorder"."""
    calls: list[tuple[str, dict[str, Any]]] = [
        (
            "PutConfigurationRecorder",
            {
                "ConfigurationRecorder": {
                    "name": "default",
                    "roleARN": ROLE,
                    "recordingGroup": {
                        "allSupported": False,
                        "resourceTypes": ["AWS::EC2::Instance"],
                        "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"},
                    },
                }
            },
        ),
        ("PutDeliveryChannel", {"DeliveryChannel": {"name": "default", "s3BucketName": BUCKET}}),
        ("StartConfigurationRecorder", {"ConfigurationRecorderName": "default"}),
        (
            "PutResourceConfig",
            {
                "ResourceType": "MyCompany::Fuzz::Thing",
                "SchemaVersionId": "1",
                "ResourceId": "thing-1",
                "Configuration": '{"size": 1}',
            },
        ),
        ("PutRetentionConfiguration", {"RetentionPeriodInDays": 30}),
    ]
    for operation, params in calls:
        body = json.dumps(params).encode()
        conn.send(body=body, headers=signed(url, body, target=target_of(operation)))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fuzz_url(
    request: pytest.FixtureRequest, sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One live roost (over the sandbox) per store engine for the whole module: a server per
    operation costs more than the fuzzing itself. Each test seeds the account again (`fuzz_conn`)."""
    sandbox.reset()
    s3 = boto3.client(
        "s3",
        endpoint_url=sandbox.endpoint_url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    s3.create_bucket(Bucket=BUCKET)
    settings = Settings().with_sandbox_account(sandbox.endpoint_url, (REGION,))
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'roost.db'}")
            stack.callback(store.close)
        else:
            store = stack.enter_context(contextlib.contextmanager(_postgres_store)())
        clock = SystemClock()
        connector = CloudConnector(settings.accounts)
        services = ApiServices(
            store=store,
            clock=clock,
            recorder=Recorder(store, connector, clock=clock),
            deliverer=Deliverer(store, connector, clock, history_interval_seconds=3600),
        )
        api = ConfigApi(services, KeyRing([SANDBOX_KEYS]), strict_output=True)
        server = HttpServer(build_app(api), port=0)
        server.start()
        stack.callback(server.stop)
        yield server.url


@pytest.fixture
def fuzz_conn(fuzz_url: str) -> Iterator[Connection]:
    conn = Connection(fuzz_url)
    _seed(conn, fuzz_url)
    yield conn
    conn.close()


@pytest.mark.parametrize("operation", IMPLEMENTED)
def test_random_input_never_fails_the_server(operation: str, fuzz_url: str, fuzz_conn: Connection) -> None:
    """A failure shows the request and the answer (the `note`), and a blob to replay it with
    `@reproduce_failure`; the example database in .hypothesis/ replays it on the next run too."""
    conn = fuzz_conn
    model = operation_model(operation)
    assert model is not None
    allowed = modeled_errors(operation) | ALWAYS_ALLOWED
    parser = botocore.parsers.create_parser("json")

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(params=request_bodies(operation))
    def check(params: Any) -> None:
        body = json.dumps(params).encode()
        answer = conn.send(body=body, headers=signed(fuzz_url, body, target=target_of(operation)))
        note(f"{operation} {body[:2000]!r} -> HTTP {answer.status} {answer.body[:2000]!r}")
        assert answer.status < 500, f"{operation} answered {answer.status}: {answer.body[:1000]!r}"
        document = answer.json()
        assert isinstance(document, dict)
        if answer.status == 200:
            parsed = parser.parse(
                {"status_code": 200, "headers": answer.headers, "body": answer.body}, model.output_shape
            )
            assert "Error" not in parsed or not parsed["Error"].get("Code")
            return
        assert answer.status == 400
        code = document.get("__type")
        assert isinstance(document.get("message"), str)
        assert code in allowed, (
            f"{operation} answered {code} ({document.get('message')}), which it does not model; "
            f"modeled: {sorted(modeled_errors(operation))}"
        )

    check()
