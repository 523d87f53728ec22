"""The advanced query language, table-driven, on SQLite and PostgreSQL, over a fleet recorded from the
sandbox cloud: EC2 instances of two types, security groups (one open to the world on 22), S3 buckets
with and without versioning, IAM users with tags."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from roost.cloud import CloudConnector
from roost.cloud.sandbox import Sandbox
from roost.errors import ApiError
from roost.model import ConfigurationRecorder, RecordingGroup
from roost.query import indexed
from roost.query.run import changed_between, run_query
from roost.recorder.recorder import Recorder
from roost.settings import SANDBOX_ACCOUNT_ID, Settings
from roost.store import Store
from tests.conftest import REGION, SOURCE, _postgres_store

TYPES = ["AWS::EC2::Instance", "AWS::EC2::SecurityGroup", "AWS::S3::Bucket", "AWS::IAM::User"]
AMI = "ami-12c6146b"
INSTANCE = "AWS::EC2::Instance"
SG = "AWS::EC2::SecurityGroup"


@dataclass
class Fleet:
    store: Store
    ids: dict[str, str]
    recorder: Recorder
    client: Callable[[str], Any]


def _record_fleet(sandbox: Sandbox, store: Store) -> Fleet:
    sandbox.reset()

    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=sandbox.endpoint_url,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    ec2, s3, iam = client("ec2"), client("s3"), client("iam")
    ids: dict[str, str] = {}
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    web = ec2.create_security_group(GroupName="qweb", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        ],
    )
    ssh = ec2.create_security_group(GroupName="qssh-open", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=ssh,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    ids.update(web=web, ssh=ssh)
    for name, kind, groups in (
        ("micro1", "t2.micro", [web]),
        ("micro2", "t2.micro", [ssh]),
        ("large", "t3.large", [web]),
    ):
        instance = ec2.run_instances(
            ImageId=AMI,
            MinCount=1,
            MaxCount=1,
            InstanceType=kind,
            SecurityGroupIds=groups,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": f"q-{name}"}]}],
        )["Instances"][0]
        ids[name] = instance["InstanceId"]
    s3.create_bucket(Bucket="qalpha-logs")
    s3.put_bucket_versioning(Bucket="qalpha-logs", VersioningConfiguration={"Status": "Enabled"})
    s3.create_bucket(Bucket="qbeta-data")
    iam.create_user(
        UserName="qalice", Tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "prod"}]
    )
    iam.create_user(UserName="qbob", Tags=[{"Key": "team", "Value": "red"}])
    iam.create_user(UserName="qcarol")
    return Fleet(store, ids, record_sandbox(sandbox, store, TYPES), client)


def record_sandbox(sandbox: Sandbox, store: Store, types: list[str]) -> Recorder:
    """Record `types` of the sandbox account into `store` once (a recorder of everything put first)."""
    settings = Settings().with_sandbox_account(sandbox.endpoint_url, (REGION,))
    store.recorders.put(
        ConfigurationRecorder(
            SANDBOX_ACCOUNT_ID,
            REGION,
            role_arn=f"arn:aws:iam::{SANDBOX_ACCOUNT_ID}:role/config",
            recording_group=RecordingGroup(all_supported=True, include_global_resource_types=True),
        )
    )
    recorder = Recorder(store, CloudConnector(settings.accounts))
    recorder.record_pass(SOURCE, resource_types=types)
    return recorder


@pytest.fixture(
    scope="module",
    params=["sqlite", "sqlite-dense", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def fleet(
    request: pytest.FixtureRequest, sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fleet]:
    """One recorded fleet per engine, shared by the module's read-only tests. "sqlite-dense" asks
    every indexed predicate the way SQLite asks those that match many resources (resource by
    resource, roost.query.indexed.PropertyIndex): both ways must give the same answers."""
    if request.param.startswith("sqlite"):
        path: Path = tmp_path_factory.mktemp("query") / "roost.db"
        store = Store.open(f"sqlite:///{path}")
        yield _record_fleet(sandbox, store)
        store.close()
    else:
        stores = _postgres_store()
        store = next(stores)
        yield _record_fleet(sandbox, store)
        stores.close()


@pytest.fixture(autouse=True)
def _every_predicate_dense(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("fleet") == "sqlite-dense":
        monkeypatch.setattr(indexed, "DENSE_ROWS", 1)


def rows(fleet: Fleet, expression: str, **options: Any) -> list[dict[str, Any]]:
    return run_query(fleet.store, [SOURCE], expression, limit=100, next_token=None, **options).rows


def _id(f: Fleet, *names: str) -> list[dict[str, Any]]:
    return [{"resourceId": f.ids[n]} for n in names]


Expected = Callable[[Fleet], list[dict[str, Any]]]

# (name, expression, expected rows, ordered): unordered expectations compare as sorted JSON.
CASES: list[tuple[str, str, Expected, bool]] = [
    (
        "resource-type-filter",
        "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance' ORDER BY resourceId",
        lambda f: sorted(_id(f, "micro1", "micro2", "large"), key=lambda r: r["resourceId"]),
        True,
    ),
    (
        "group-by-instance-type-count",
        "SELECT configuration.instanceType, COUNT(*) WHERE resourceType = 'AWS::EC2::Instance' "
        "GROUP BY configuration.instanceType",
        lambda f: [
            {"configuration": {"instanceType": "t2.micro"}, "COUNT(*)": 2},
            {"configuration": {"instanceType": "t3.large"}, "COUNT(*)": 1},
        ],
        True,
    ),
    (
        "order-by-count-desc",
        "SELECT configuration.instanceType, COUNT(*) WHERE resourceType = 'AWS::EC2::Instance' "
        "GROUP BY configuration.instanceType ORDER BY COUNT(*) ASC",
        lambda f: [
            {"configuration": {"instanceType": "t3.large"}, "COUNT(*)": 1},
            {"configuration": {"instanceType": "t2.micro"}, "COUNT(*)": 2},
        ],
        True,
    ),
    (
        "count-by-type",
        "SELECT resourceType, COUNT(*) WHERE resourceType IN ('AWS::S3::Bucket', 'AWS::IAM::User') "
        "GROUP BY resourceType ORDER BY resourceType DESC",
        lambda f: [
            {"resourceType": "AWS::S3::Bucket", "COUNT(*)": 2},
            {"resourceType": "AWS::IAM::User", "COUNT(*)": 3},
        ],
        True,
    ),
    (
        "tags-key",
        "SELECT resourceName WHERE tags.key = 'team'",
        lambda f: [{"resourceName": "qalice"}, {"resourceName": "qbob"}],
        False,
    ),
    (
        "tags-tag",
        "SELECT resourceName, tags WHERE tags.tag = 'team=blue'",
        lambda f: [
            {
                "resourceName": "qalice",
                "tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": "blue"}],
            }
        ],
        False,
    ),
    (
        "tags-value-not",
        "SELECT resourceName WHERE resourceType = 'AWS::IAM::User' AND NOT tags.value = 'red'",
        lambda f: [{"resourceName": "qalice"}, {"resourceName": "qcarol"}],
        False,
    ),
    (
        "relationships-resource-id",
        "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance' AND relationships.resourceId = '{web}'",
        lambda f: _id(f, "micro1", "large"),
        False,
    ),
    (
        "bucket-versioning",
        "SELECT resourceName, supplementaryConfiguration.BucketVersioningConfiguration.status "
        "WHERE resourceType = 'AWS::S3::Bucket' "
        "AND supplementaryConfiguration.BucketVersioningConfiguration.status = 'Enabled'",
        lambda f: [
            {
                "resourceName": "qalpha-logs",
                "supplementaryConfiguration": {"BucketVersioningConfiguration": {"status": "Enabled"}},
            }
        ],
        False,
    ),
    (
        "bucket-versioning-off",
        "SELECT resourceName WHERE resourceType = 'AWS::S3::Bucket' "
        "AND NOT supplementaryConfiguration.BucketVersioningConfiguration.status = 'Enabled'",
        lambda f: [{"resourceName": "qbeta-data"}],
        False,
    ),
    (
        "array-path-open-ssh",
        "SELECT resourceId WHERE resourceType = 'AWS::EC2::SecurityGroup' "
        "AND configuration.ipPermissions.fromPort = 22 "
        "AND configuration.ipPermissions.ipRanges = '0.0.0.0/0'",
        # Uncorrelated, as AWS: qweb has 22 from 10/8 and 80 from the world, so it matches too.
        lambda f: _id(f, "web", "ssh"),
        False,
    ),
    (
        "array-path-nested-objects",
        "SELECT resourceId WHERE resourceType = 'AWS::EC2::SecurityGroup' "
        "AND configuration.ipPermissions.ipv4Ranges.cidrIp = '10.0.0.0/8'",
        lambda f: _id(f, "web"),
        False,
    ),
    (
        "array-path-number-is-not-string",
        "SELECT resourceId WHERE resourceType = 'AWS::EC2::SecurityGroup' "
        "AND configuration.ipPermissions.fromPort = '22'",
        lambda f: [],
        False,
    ),
    (
        "array-path-between",
        "SELECT resourceId WHERE resourceType = 'AWS::EC2::SecurityGroup' "
        "AND configuration.ipPermissions.fromPort BETWEEN 79 AND 81",
        lambda f: _id(f, "web"),
        False,
    ),
    (
        "array-path-projection",
        "SELECT configuration.ipPermissions.fromPort WHERE resourceId = '{ssh}'",
        lambda f: [{"configuration": {"ipPermissions": [{"fromPort": 22}]}}],
        False,
    ),
    (
        "like-prefix",
        "SELECT resourceName WHERE resourceName LIKE 'qal%'",
        lambda f: [{"resourceName": "qalice"}, {"resourceName": "qalpha-logs"}],
        False,
    ),
    (
        "like-single-chars",
        "SELECT resourceName WHERE resourceName LIKE 'qbo_'",
        lambda f: [{"resourceName": "qbob"}],
        False,
    ),
    (
        "like-is-case-sensitive",
        "SELECT resourceName WHERE resourceName LIKE 'QAL%'",
        lambda f: [],
        False,
    ),
    (
        "in-and-or",
        "SELECT resourceName WHERE resourceName IN ('qbob', 'qcarol') OR (resourceType = 'AWS::S3::Bucket' "
        "AND resourceName = 'qbeta-data')",
        lambda f: [{"resourceName": "qbob"}, {"resourceName": "qcarol"}, {"resourceName": "qbeta-data"}],
        False,
    ),
    (
        "number-comparisons",
        "SELECT resourceId WHERE resourceType = 'AWS::EC2::SecurityGroup' "
        "AND configuration.ipPermissions.toPort > 79 "
        "AND configuration.ipPermissions.toPort < 81",
        lambda f: _id(f, "web"),
        False,
    ),
    (
        "order-by-json-property-desc",
        "SELECT resourceId, configuration.instanceType WHERE resourceType = 'AWS::EC2::Instance' "
        "ORDER BY configuration.instanceType DESC, resourceId",
        lambda f: [
            {"resourceId": f.ids["large"], "configuration": {"instanceType": "t3.large"}},
            *sorted(
                (
                    {"resourceId": f.ids[n], "configuration": {"instanceType": "t2.micro"}}
                    for n in ("micro1", "micro2")
                ),
                key=lambda r: r["resourceId"],
            ),
        ],
        True,
    ),
    (
        "min-max-sum-avg",
        "SELECT MIN(configuration.ipPermissions.fromPort), COUNT(*) WHERE resourceId = '{ssh}'",
        lambda f: [{"COUNT(*)": 1}],
        False,
    ),
    (
        "aggregates-over-scalars",
        "SELECT resourceType, MIN(configurationStateId), MAX(resourceName), COUNT(resourceName) "
        "WHERE resourceType = 'AWS::IAM::User' GROUP BY resourceType",
        lambda f: [
            {
                "resourceType": "AWS::IAM::User",
                "MAX(resourceName)": "qcarol",
                "COUNT(resourceName)": 3,
                "MIN(configurationStateId)": _min_state(f),
            }
        ],
        False,
    ),
    (
        "sum-avg-of-a-number",
        "SELECT SUM(configuration.maxSessionDuration), AVG(configuration.maxSessionDuration), COUNT(*) "
        "WHERE resourceType = 'AWS::IAM::User'",
        # IAM users have no such number: SUM/AVG are NULL and left out, as missing properties are.
        lambda f: [{"COUNT(*)": 3}],
        False,
    ),
    (
        "status-and-boolean",
        "SELECT resourceName WHERE configurationItemStatus = 'ResourceDiscovered' "
        "AND resourceType = 'AWS::S3::Bucket' "
        "AND supplementaryConfiguration.IsRequesterPaysEnabled = false",
        lambda f: [{"resourceName": "qalpha-logs"}, {"resourceName": "qbeta-data"}],
        False,
    ),
    (
        "not-equal",
        "SELECT resourceName WHERE resourceType = 'AWS::IAM::User' AND resourceName != 'qbob'",
        lambda f: [{"resourceName": "qalice"}, {"resourceName": "qcarol"}],
        False,
    ),
    (
        "capture-time-compare",
        "SELECT COUNT(*) WHERE resourceType = 'AWS::IAM::User' "
        "AND configurationItemCaptureTime > '2000-01-01T00:00:00Z'",
        lambda f: [{"COUNT(*)": 3}],
        False,
    ),
]


def _min_state(f: Fleet) -> int:
    states = [r.configuration_state_id for r in f.store.items.discovered(SOURCE, "AWS::IAM::User")]
    return min(states)


def _key(row: dict[str, Any]) -> str:
    import json

    return json.dumps(row, sort_keys=True)


@pytest.mark.parametrize("name,expression,expected,ordered", CASES, ids=[c[0] for c in CASES])
def test_query(fleet: Fleet, name: str, expression: str, expected: Expected, ordered: bool) -> None:
    found = rows(fleet, expression.format(**fleet.ids))
    wanted = expected(fleet)
    if ordered:
        assert found == wanted
    else:
        assert sorted(found, key=_key) == sorted(wanted, key=_key)


def test_select_star_returns_the_top_level_scalars(fleet: Fleet) -> None:
    [row] = rows(fleet, "SELECT * WHERE resourceType = 'AWS::IAM::User' AND resourceName = 'qalice'")
    assert set(row) == {
        "accountId",
        "awsRegion",
        "arn",
        "configurationItemCaptureTime",
        "resourceCreationTime",
        "resourceId",
        "resourceName",
        "resourceType",
        "version",
        "availabilityZone",
    } - ({"availabilityZone"} if "availabilityZone" not in row else set())
    assert row["accountId"] == SANDBOX_ACCOUNT_ID
    assert row["resourceName"] == "qalice"
    assert row["arn"].endswith(":user/qalice")
    assert row["configurationItemCaptureTime"].endswith("Z")
    assert "configuration" not in row and "tags" not in row


def test_select_fields_name_the_selection(fleet: Fleet) -> None:
    result = run_query(
        fleet.store,
        [SOURCE],
        "SELECT resourceId, configuration.instanceType, COUNT(*) GROUP BY resourceId, "
        "configuration.instanceType",
        limit=None,
        next_token=None,
    )
    assert result.select_fields == ["resourceId", "configuration.instanceType", "COUNT(*)"]


def test_paging_walks_every_row_once(fleet: Fleet) -> None:
    expression = "SELECT resourceName WHERE resourceType IN ('AWS::IAM::User', 'AWS::S3::Bucket')"
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        result = run_query(fleet.store, [SOURCE], expression, limit=2, next_token=token)
        seen += [r["resourceName"] for r in result.rows]
        pages += 1
        token = result.next_token
        if token is None:
            break
    assert sorted(seen) == ["qalice", "qalpha-logs", "qbeta-data", "qbob", "qcarol"]
    assert pages == 3
    with pytest.raises(ApiError) as raised:
        run_query(
            fleet.store, [SOURCE], "SELECT resourceId", limit=2, next_token=result.next_token or "bm9wZQ"
        )
    assert raised.value.code == "InvalidNextTokenException"


def test_a_token_belongs_to_its_query(fleet: Fleet) -> None:
    first = run_query(fleet.store, [SOURCE], "SELECT resourceName", limit=1, next_token=None)
    assert first.next_token is not None
    with pytest.raises(ApiError) as raised:
        run_query(fleet.store, [SOURCE], "SELECT resourceId", limit=1, next_token=first.next_token)
    assert raised.value.code == "InvalidNextTokenException"


@pytest.mark.parametrize("limit", [-1, 101])
def test_limits(fleet: Fleet, limit: int) -> None:
    with pytest.raises(ApiError) as raised:
        run_query(fleet.store, [SOURCE], "SELECT resourceId", limit=limit, next_token=None)
    assert raised.value.code == "InvalidLimitException"


def test_default_page_sizes(fleet: Fleet) -> None:
    result = run_query(
        fleet.store, [SOURCE], "SELECT resourceId, COUNT(*) GROUP BY resourceId", limit=0, next_token=None
    )
    assert result.next_token is None and len(result.rows) > 0


def test_ordered_by_an_aggregate_is_one_page(fleet: Fleet) -> None:
    result = run_query(
        fleet.store,
        [SOURCE],
        "SELECT resourceType, COUNT(*) GROUP BY resourceType ORDER BY COUNT(*) DESC",
        limit=1,
        next_token=None,
    )
    assert len(result.rows) == 1 and result.next_token is None


def test_other_sources_are_not_seen(fleet: Fleet) -> None:
    from roost.model import AccountRegion

    assert (
        run_query(
            fleet.store,
            [AccountRegion("999999999999", REGION)],
            "SELECT resourceId",
            limit=None,
            next_token=None,
        ).rows
        == []
    )
    assert run_query(fleet.store, [], "SELECT resourceId", limit=None, next_token=None).rows == []


def test_resource_types_narrow_the_query(fleet: Fleet) -> None:
    found = run_query(
        fleet.store,
        [SOURCE],
        "SELECT resourceType, COUNT(*) GROUP BY resourceType",
        limit=None,
        next_token=None,
        resource_types=["AWS::S3::Bucket"],
    ).rows
    assert found == [{"resourceType": "AWS::S3::Bucket", "COUNT(*)": 2}]


ERRORS = [
    ("from", "SELECT resourceId FROM resources", "FROM"),
    ("too large a number", "SELECT resourceId WHERE configuration.n = 18446744073709551617", "too large"),
    ("nothing selected", "SELECT", "at least one"),
    ("join", "SELECT resourceId JOIN other", "JOIN"),
    ("as", "SELECT resourceId AS id", "AS"),
    ("implicit-alias", "SELECT resourceId id", "AS"),
    ("distinct", "SELECT DISTINCT resourceType", "DISTINCT"),
    ("count-distinct", "SELECT COUNT(DISTINCT resourceType)", "DISTINCT"),
    ("having", "SELECT resourceType, COUNT(*) GROUP BY resourceType HAVING COUNT(*) > 1", "HAVING"),
    ("union", "SELECT resourceId UNION SELECT resourceName", "UNION"),
    ("subquery", "SELECT resourceId WHERE resourceId IN (SELECT resourceName)", "Subqueries"),
    ("like-too-short", "SELECT resourceId WHERE resourceName LIKE 'ab%'", "at least 3 characters"),
    ("like-leading-wildcard", "SELECT resourceId WHERE resourceName LIKE '%abc'", "only at the end"),
    ("like-inner-wildcard", "SELECT resourceId WHERE resourceName LIKE 'ab%cd%'", "only at the end"),
    ("nested-function", "SELECT COUNT(MAX(resourceId))", "cannot be nested"),
    ("other-function", "SELECT UPPER(resourceId)", "Only COUNT, SUM, AVG, MIN and MAX"),
    ("sum-star", "SELECT SUM(*)", "only COUNT takes *"),
    ("too-long", "SELECT " + ", ".join(["resourceId"] * 400), "at most 4096"),
    ("empty", "   ", "empty"),
    ("null-is", "SELECT resourceId WHERE resourceName IS NULL", "NULL"),
    ("null-equals", "SELECT resourceId WHERE resourceName = NULL", "NULL"),
    ("unknown-syntax", "SELEC resourceId", "SELECT"),
    ("garbage", "SELECT resourceId WHERE ((", "not valid"),
    ("property-vs-property", "SELECT resourceId WHERE resourceId = resourceName", "Expected a value"),
    ("unknown-property", "SELECT instanceType", "Unknown property 'instanceType'"),
    ("bad-tags-field", "SELECT resourceId WHERE tags.name = 'x'", "tags.key"),
    (
        "too-many-groups",
        "SELECT COUNT(*) GROUP BY resourceType, resourceId, resourceName, awsRegion",
        "at most 3",
    ),
    ("ungrouped-selection", "SELECT resourceId, COUNT(*)", "add it to GROUP BY"),
    (
        "order-aggregate-two-groups",
        "SELECT resourceType, awsRegion, COUNT(*) GROUP BY resourceType, awsRegion ORDER BY COUNT(*)",
        "only one property",
    ),
    ("limit-clause", "SELECT resourceId LIMIT 5", "LIMIT"),
    ("bad-time", "SELECT resourceId WHERE configurationItemCaptureTime > 'yesterday'", "not a time"),
]


@pytest.mark.parametrize("name,expression,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_invalid_expressions(fleet: Fleet, name: str, expression: str, message: str) -> None:
    with pytest.raises(ApiError) as raised:
        run_query(fleet.store, [SOURCE], expression, limit=None, next_token=None)
    assert raised.value.code == "InvalidExpressionException"
    assert message in raised.value.message, raised.value.message


def test_as_of_returns_the_earlier_fleet_and_changed_between(fleet: Fleet) -> None:
    """Runs last on the module's fleet: it changes it (a new user, a bucket deleted)."""
    query = "SELECT resourceName WHERE resourceType IN ('AWS::IAM::User', 'AWS::S3::Bucket')"
    before = {r["resourceName"] for r in rows(fleet, query)}
    time.sleep(0.05)
    moment = datetime.now(UTC)
    time.sleep(0.05)
    fleet.client("iam").create_user(UserName="qdave")
    fleet.client("s3").delete_bucket(Bucket="qbeta-data")
    fleet.recorder.record_pass(SOURCE, resource_types=TYPES)
    after = {r["resourceName"] for r in rows(fleet, query)}
    assert after == (before | {"qdave"}) - {"qbeta-data"}
    assert {r["resourceName"] for r in rows(fleet, query, as_of=moment)} == before
    assert rows(fleet, query, as_of=datetime(2000, 1, 1, tzinfo=UTC)) == []
    changed = {
        key.resource_id for _, key in changed_between(fleet.store, [SOURCE], moment, datetime.now(UTC))
    }
    assert changed == {"qbeta-data", _user_id(fleet, "qdave")}


def _user_id(f: Fleet, name: str) -> str:
    [found] = [r for r in f.store.items.discovered(SOURCE, "AWS::IAM::User") if r.resource_name == name]
    return found.resource_id
