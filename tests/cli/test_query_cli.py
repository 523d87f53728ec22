"""`roost query` as a user runs it: a recorded sandbox queried in each output format, --as-of a time
before a change, --changed-between, stored queries, an aggregator's scope, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from roost.cli.query import field_value
from roost.cloud.sandbox import Sandbox

SG_QUERY = (
    "SELECT resourceType, resourceId, configuration.ipPermissions.fromPort "
    "WHERE resourceType = 'AWS::EC2::SecurityGroup' AND resourceName = 'unrestricted-ssh'"
)


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def _now() -> str:
    return datetime.now(UTC).isoformat()


@pytest.fixture
def recorded(roost: Callable[..., Result], cloud: Sandbox, aws: Callable[..., Any]) -> dict[str, Any]:
    """The sandbox with a security group open to SSH and two buckets, recorded once."""
    ec2 = aws("ec2")
    group = ec2.create_security_group(GroupName="unrestricted-ssh", Description="lab")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    for bucket in ("logs-bucket", "data-bucket"):
        aws("s3").create_bucket(Bucket=bucket)
    Path("roost.toml").write_text(
        f'[[accounts]]\naccount_id = "123456789012"\nregions = ["us-east-1"]\n'
        f'access_key_id = "test"\nsecret_access_key = "test"\nendpoint_url = "{cloud.endpoint_url}"\n'
    )
    _ok(roost("recorder", "put"))
    _ok(roost("delivery-channel", "put", "--bucket", "data-bucket"))
    _ok(roost("recorder", "start"))
    _ok(roost("record", "--once", "--type", "AWS::EC2::SecurityGroup", "--type", "AWS::S3::Bucket"))
    return {"group": group, "ec2": ec2}


def test_a_query_in_each_output_format(roost: Callable[..., Result], recorded: dict[str, Any]) -> None:
    group = recorded["group"]
    rows = json.loads(_ok(roost("query", SG_QUERY, "-o", "json")))
    assert rows == [
        {
            "resourceType": "AWS::EC2::SecurityGroup",
            "resourceId": group,
            "configuration": {"ipPermissions": [{"fromPort": 22}]},
        }
    ]
    assert json.loads(_ok(roost("-o", "json", "query", SG_QUERY))) == rows  # roost's own -o too

    table = _ok(roost("query", SG_QUERY))
    assert "configuration.ipPermissions.fromPort" in table and group in table and "[22]" in table

    text = _ok(roost("query", SG_QUERY, "-o", "csv"))
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed == [
        ["resourceType", "resourceId", "configuration.ipPermissions.fromPort"],
        ["AWS::EC2::SecurityGroup", group, "[22]"],
    ]

    counted = _ok(
        roost(
            "query",
            "SELECT resourceType, COUNT(*) WHERE resourceType LIKE 'AWS::S3:%' GROUP BY resourceType",
            "-o",
            "csv",
        )
    )
    assert list(csv.reader(io.StringIO(counted))) == [["resourceType", "COUNT(*)"], ["AWS::S3::Bucket", "2"]]


def test_paging_with_limit_and_all(roost: Callable[..., Result], recorded: dict[str, Any]) -> None:
    expression = "SELECT resourceId WHERE resourceType = 'AWS::S3::Bucket' ORDER BY resourceId"
    first = roost("query", expression, "--limit", "1", "-o", "json")
    assert first.exit_code == 0
    assert json.loads(first.stdout) == [{"resourceId": "data-bucket"}]
    assert "--all" in first.stderr
    every = json.loads(_ok(roost("query", expression, "--limit", "1", "--all", "-o", "json")))
    assert every == [{"resourceId": "data-bucket"}, {"resourceId": "logs-bucket"}]


def test_as_of_a_time_before_a_change_shows_the_earlier_state(
    roost: Callable[..., Result], recorded: dict[str, Any]
) -> None:
    group, ec2 = recorded["group"], recorded["ec2"]
    time.sleep(0.05)
    before = _now()
    time.sleep(0.05)
    ec2.revoke_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        ],
    )
    _ok(roost("record", "--once", "--type", "AWS::EC2::SecurityGroup"))
    after = _now()

    now = json.loads(_ok(roost("query", SG_QUERY, "-o", "json")))
    assert now[0]["configuration"] == {"ipPermissions": [{"fromPort": 443}]}
    then = json.loads(_ok(roost("query", SG_QUERY, "--as-of", before, "-o", "json")))
    assert then[0]["configuration"] == {"ipPermissions": [{"fromPort": 22}]}
    # Nothing was recorded before the first pass.
    earliest = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert json.loads(_ok(roost("query", SG_QUERY, "--as-of", earliest, "-o", "json"))) == []

    # --changed-between: only the security group changed after `before`.
    listed = json.loads(_ok(roost("query", "--changed-between", before, after, "-o", "json")))
    assert listed == [
        {
            "accountId": "123456789012",
            "awsRegion": "us-east-1",
            "resourceType": "AWS::EC2::SecurityGroup",
            "resourceId": group,
        }
    ]
    table = _ok(roost("query", "--changed-between", before, after))
    assert group in table and "bucket" not in table
    assert json.loads(_ok(roost("query", "--changed-between", after, _now(), "-o", "json"))) == []
    # Everything changed since a day ago (the first pass recorded it all).
    since = json.loads(_ok(roost("query", "--changed-between", earliest, after, "-o", "json")))
    assert {r["resourceId"] for r in since} >= {group, "logs-bucket", "data-bucket"}

    # With a query: its rows as of T2, for the changed resources only.
    rows = json.loads(
        _ok(
            roost(
                "query",
                "SELECT resourceType, resourceId, configuration.ipPermissions.fromPort",
                "--changed-between",
                before,
                after,
                "-o",
                "json",
            )
        )
    )
    assert rows == [
        {
            "resourceType": "AWS::EC2::SecurityGroup",
            "resourceId": group,
            "configuration": {"ipPermissions": [{"fromPort": 443}]},
        }
    ]
    needs_keys = roost("query", "SELECT COUNT(*)", "--changed-between", before, after)
    assert needs_keys.exit_code != 0 and "resourceType and resourceId" in needs_keys.output


def test_a_stored_query_runs_by_name(roost: Callable[..., Result], recorded: dict[str, Any]) -> None:
    from roost.model import AccountRegion
    from roost.store import Store
    from roost.store.stored_queries import StoredQuery

    store = Store.open(f"sqlite:///{Path.cwd() / 'roost.db'}")
    try:
        store.stored_queries.put(
            StoredQuery(
                "123456789012",
                "us-east-1",
                "buckets",
                "id-1",
                "arn:aws:config:us-east-1:123456789012:stored-query/buckets/query-id-1",
                "",
                "SELECT resourceId WHERE resourceType = 'AWS::S3::Bucket' ORDER BY resourceId DESC",
                datetime.now(UTC),
            )
        )
        assert store.stored_queries.get(AccountRegion("123456789012", "us-east-1"), "buckets") is not None
    finally:
        store.close()
    rows = json.loads(_ok(roost("query", "--stored", "buckets", "-o", "json")))
    assert rows == [{"resourceId": "logs-bucket"}, {"resourceId": "data-bucket"}]
    missing = roost("query", "--stored", "nope")
    assert missing.exit_code == 1
    assert missing.output.startswith("roost: ResourceNotFoundException: ") and missing.output.count("\n") == 1


def test_an_aggregators_sources(roost: Callable[..., Result], recorded: dict[str, Any]) -> None:
    _ok(roost("aggregators", "put", "mine", "--account", "123456789012", "--all-regions"))
    rows = json.loads(
        _ok(
            roost(
                "query",
                "SELECT accountId, awsRegion, COUNT(*) WHERE resourceType = 'AWS::S3::Bucket' "
                "GROUP BY accountId, awsRegion",
                "--aggregator",
                "mine",
                "-o",
                "json",
            )
        )
    )
    assert rows == [{"accountId": "123456789012", "awsRegion": "us-east-1", "COUNT(*)": 2}]
    missing = roost("query", "SELECT resourceId", "--aggregator", "nope")
    assert missing.exit_code == 1
    assert missing.output.startswith("roost: NoSuchConfigurationAggregatorException: ")


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (["SELECT resourceId FROM resources"], "roost: InvalidExpressionException: "),
        (["SELECT resourceId WHERE resourceName LIKE 'ab%'"], "roost: InvalidExpressionException: "),
        (["DELETE"], "roost: InvalidExpressionException: "),
        (["SELECT resourceId", "--limit", "101"], "roost: InvalidLimitException: "),
    ],
)
def test_errors_are_one_line(roost: Callable[..., Result], args: list[str], starts: str) -> None:
    result = roost("query", *args)
    assert result.exit_code == 1
    assert result.output.startswith(starts), result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_usage_errors(roost: Callable[..., Result]) -> None:
    assert roost("query").exit_code == 2
    assert roost("query", "SELECT arn", "--as-of", "yesterday").exit_code == 2
    both = roost("query", "SELECT arn", "--as-of", _now(), "--changed-between", _now(), _now())
    assert both.exit_code == 2


def test_field_values_through_arrays_and_aggregates() -> None:
    row = {
        "COUNT(*)": 3,
        "SUM(configuration.size)": 10,
        "configuration": {
            "ipPermissions": [{"fromPort": 22}, {"fromPort": 443}],
            "state": {"name": "running"},
        },
        "tags": [{"key": "a", "value": "1"}],
    }
    assert field_value(row, "COUNT(*)") == 3
    assert field_value(row, "SUM(configuration.size)") == 10
    assert field_value(row, "configuration.ipPermissions.fromPort") == [22, 443]
    assert field_value(row, "configuration.state.name") == "running"
    assert field_value(row, "tags") == [{"key": "a", "value": "1"}]
    assert field_value(row, "tags.key") == ["a"]
    assert field_value(row, "configuration.missing") is None
