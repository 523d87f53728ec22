"""Stored queries through boto3 against a live roost: upsert by name, the ARN and id, tags on create,
Get/List/Delete and their errors, paging, the per-region limit, and other accounts and regions."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from roost.model import AccountRegion
from roost.store.stored_queries import StoredQuery
from tests.api.conftest import OTHER_KEYS, LiveApi

OWN = "123456789012"
ARN = re.compile(r"arn:aws:config:us-east-1:123456789012:stored-query/(?P<name>[\w-]+)/query-(?P<id>[\w-]+)")
EXPRESSION = "SELECT resourceId, configuration.instanceType WHERE resourceType = 'AWS::EC2::Instance'"


def _put(config: Any, name: str, expression: str = EXPRESSION, *, tags: Any = None, **kwargs: Any) -> str:
    stored: dict[str, Any] = {"QueryName": name, "Expression": expression, **kwargs}
    extra = {} if tags is None else {"Tags": tags}
    return str(config.put_stored_query(StoredQuery=stored, **extra)["QueryArn"])


def _all_names(config: Any, page_size: int) -> list[list[str]]:
    """ListStoredQueries page by page (botocore has no paginator for it)."""
    pages: list[list[str]] = []
    token: dict[str, str] = {}
    while True:
        page = config.list_stored_queries(MaxResults=page_size, **token)
        pages.append([q["QueryName"] for q in page["StoredQueryMetadata"]])
        if "NextToken" not in page:
            return pages
        token = {"NextToken": page["NextToken"]}


def test_put_then_get_a_stored_query(config: Any) -> None:
    arn = _put(config, "ec2-types", Description="instance types")
    match = ARN.fullmatch(arn)
    assert match is not None and match["name"] == "ec2-types"

    found = config.get_stored_query(QueryName="ec2-types")["StoredQuery"]
    assert found == {
        "QueryId": match["id"],
        "QueryArn": arn,
        "QueryName": "ec2-types",
        "Description": "instance types",
        "Expression": EXPRESSION,
    }


def test_put_again_replaces_the_expression_and_keeps_the_arn(config: Any) -> None:
    arn = _put(config, "q", Description="first")
    assert _put(config, "q", "SELECT COUNT(*) WHERE resourceType = 'AWS::S3::Bucket'") == arn
    found = config.get_stored_query(QueryName="q")["StoredQuery"]
    assert found["QueryArn"] == arn
    assert found["Expression"] == "SELECT COUNT(*) WHERE resourceType = 'AWS::S3::Bucket'"
    assert "Description" not in found  # the new put gave none
    assert [q["QueryName"] for q in config.list_stored_queries()["StoredQueryMetadata"]] == ["q"]


def test_tags_apply_on_create_only_and_go_with_the_query(
    config: Any, client_error: Callable[..., str]
) -> None:
    arn = _put(config, "tagged", tags=[{"Key": "team", "Value": "blue"}])
    assert config.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "blue"}]
    _put(config, "tagged", tags=[{"Key": "team", "Value": "red"}])  # ignored on an update, as in AWS
    assert config.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "blue"}]
    config.tag_resource(ResourceArn=arn, Tags=[{"Key": "cost", "Value": "1"}])
    assert len(config.list_tags_for_resource(ResourceArn=arn)["Tags"]) == 2

    config.delete_stored_query(QueryName="tagged")
    assert client_error(lambda: config.list_tags_for_resource(ResourceArn=arn)) == "ResourceNotFoundException"
    again = _put(config, "tagged")
    assert again != arn
    assert config.list_tags_for_resource(ResourceArn=again)["Tags"] == []


def test_bad_tags_fail_the_put_and_create_nothing(config: Any, client_error: Callable[..., str]) -> None:
    bad = [{"Key": "aws:reserved", "Value": "x"}]
    assert client_error(lambda: _put(config, "bad", tags=bad)) == "ValidationException"
    assert client_error(lambda: config.get_stored_query(QueryName="bad")) == "ResourceNotFoundException"


def test_put_checks_its_input(config: Any, client_error: Callable[..., str]) -> None:
    def put(stored: dict[str, Any]) -> Callable[[], Any]:
        return lambda: config.put_stored_query(StoredQuery=stored)

    assert client_error(put({"QueryName": "no-expression"})) == "ValidationException"
    assert client_error(put({"QueryName": "bad name!", "Expression": EXPRESSION})) == "ValidationException"
    assert client_error(put({"QueryName": "x" * 65, "Expression": EXPRESSION})) == "ValidationException"
    assert client_error(put({"QueryName": "long", "Expression": "S" * 4097})) == "ValidationException"
    assert (
        client_error(put({"QueryName": "desc", "Expression": EXPRESSION, "Description": "d" * 257}))
        == "ValidationException"
    )


def test_get_and_delete_an_unknown_query(config: Any, client_error: Callable[..., str]) -> None:
    assert client_error(lambda: config.get_stored_query(QueryName="nope")) == "ResourceNotFoundException"
    assert client_error(lambda: config.delete_stored_query(QueryName="nope")) == "ResourceNotFoundException"


def test_delete(config: Any, client_error: Callable[..., str]) -> None:
    _put(config, "gone")
    _put(config, "kept")
    config.delete_stored_query(QueryName="gone")
    assert client_error(lambda: config.get_stored_query(QueryName="gone")) == "ResourceNotFoundException"
    assert [q["QueryName"] for q in config.list_stored_queries()["StoredQueryMetadata"]] == ["kept"]


def test_list_returns_metadata_without_the_expression_in_pages(
    config: Any, client_error: Callable[..., str]
) -> None:
    names = [f"query-{n:02d}" for n in range(7)]
    for name in reversed(names):
        _put(config, name, Description=f"about {name}")
    first = config.list_stored_queries(MaxResults=3)
    assert [q["QueryName"] for q in first["StoredQueryMetadata"]] == names[:3]
    assert set(first["StoredQueryMetadata"][0]) == {"QueryId", "QueryArn", "QueryName", "Description"}
    second = config.list_stored_queries(MaxResults=3, NextToken=first["NextToken"])
    assert [q["QueryName"] for q in second["StoredQueryMetadata"]] == names[3:6]

    assert _all_names(config, 2) == [names[0:2], names[2:4], names[4:6], names[6:]]
    everything = config.list_stored_queries(MaxResults=0)  # 0 is the default page size (100)
    assert len(everything["StoredQueryMetadata"]) == 7 and "NextToken" not in everything

    assert (
        client_error(lambda: config.list_stored_queries(NextToken="garbage")) == "InvalidNextTokenException"
    )
    assert client_error(lambda: config.list_stored_queries(MaxResults=101)) == "ValidationException"


def test_an_empty_list(config: Any) -> None:
    found = config.list_stored_queries()
    assert found["StoredQueryMetadata"] == [] and "NextToken" not in found


def test_at_most_300_queries_per_region(
    live_api: LiveApi, config: Any, client_error: Callable[..., str]
) -> None:
    source = AccountRegion(OWN, "us-east-1")
    for n in range(300):
        name = f"q{n:03d}"
        live_api.services.store.stored_queries.put(
            StoredQuery(
                OWN,
                "us-east-1",
                name,
                f"id-{n}",
                f"arn:aws:config:us-east-1:{OWN}:stored-query/{name}/query-id-{n}",
                "",
                EXPRESSION,
                datetime.now(UTC),
            )
        )
    assert live_api.services.store.stored_queries.count(source) == 300
    assert client_error(lambda: _put(config, "one-too-many")) == "ValidationException"
    _put(config, "q000", "SELECT arn")  # replacing one is fine
    assert config.get_stored_query(QueryName="q000")["StoredQuery"]["Expression"] == "SELECT arn"
    _put(live_api.client(region="eu-west-1"), "one-too-many")  # another region has its own 300

    assert [len(page) for page in _all_names(config, 0)] == [100, 100, 100]


def test_other_accounts_and_regions_see_nothing(
    live_api: LiveApi, config: Any, client_error: Callable[..., str]
) -> None:
    arn = _put(config, "mine")
    for other in (live_api.client(keys=OTHER_KEYS), live_api.client(region="eu-west-1")):
        assert other.list_stored_queries()["StoredQueryMetadata"] == []
        assert (
            client_error(lambda o=other: o.get_stored_query(QueryName="mine")) == "ResourceNotFoundException"
        )
        assert (
            client_error(lambda o=other: o.delete_stored_query(QueryName="mine"))
            == "ResourceNotFoundException"
        )
        _put(other, "mine", "SELECT arn")
        assert other.get_stored_query(QueryName="mine")["StoredQuery"]["QueryArn"] != arn
    assert config.get_stored_query(QueryName="mine")["StoredQuery"]["Expression"] == EXPRESSION
