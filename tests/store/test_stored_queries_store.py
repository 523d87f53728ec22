"""Stored queries on both engines: upsert by name keeping id/ARN/creation time, the per-region limit,
listing in name order with a start and a size, per-source isolation, delete; and migration 7."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from roost.model import AccountRegion
from roost.store import Store
from roost.store.migrations import MIGRATIONS, current_version
from roost.store.stored_queries import StoredQuery

SOURCE = AccountRegion("111122223333", "eu-west-1")
OTHER_REGION = AccountRegion("111122223333", "us-east-1")
OTHER_ACCOUNT = AccountRegion("444455556666", "eu-west-1")
T0 = datetime(2026, 11, 1, 12, 0, 0, 123000, tzinfo=UTC)  # the store keeps milliseconds


def query(name: str = "ec2-types", source: AccountRegion = SOURCE, **changes: object) -> StoredQuery:
    made = StoredQuery(
        account_id=source.account_id,
        region=source.region,
        name=name,
        query_id=f"id-{name}",
        arn=f"arn:aws:config:{source.region}:{source.account_id}:stored-query/{name}/query-id-{name}",
        description="instance types",
        expression="SELECT resourceId, configuration.instanceType WHERE resourceType = 'AWS::EC2::Instance'",
        created=T0,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def test_the_store_is_at_schema_version_7_with_the_stored_queries_table(any_store: Store) -> None:
    assert any(m.version == 7 and "stored queries" in m.description for m in MIGRATIONS)
    with any_store.engine.connect() as conn:
        assert current_version(conn) >= 7
        assert "stored_queries" in set(sa.inspect(conn).get_table_names())


def test_put_creates_then_replaces_only_description_and_expression(any_store: Store) -> None:
    stored = any_store.stored_queries
    created = stored.put(query())
    assert created == (query(), True)
    assert stored.get(SOURCE, "ec2-types") == query()

    again = query(
        query_id="id-new",
        arn="arn:aws:config:eu-west-1:111122223333:stored-query/ec2-types/query-id-new",
        description="",
        expression="SELECT COUNT(*)",
        created=T0 + timedelta(days=1),
    )
    updated = stored.put(again)
    expected = query(description="", expression="SELECT COUNT(*)")  # the same id, ARN and creation time
    assert updated == (expected, False)
    assert stored.get(SOURCE, "ec2-types") == expected
    assert stored.by_arn(SOURCE, expected.arn) == expected
    assert stored.by_arn(SOURCE, again.arn) is None
    assert stored.count(SOURCE) == 1


def test_the_limit_stops_creating_but_not_replacing(any_store: Store) -> None:
    stored = any_store.stored_queries
    for n in range(3):
        assert stored.put(query(f"q{n}"), limit=3) is not None
    assert stored.put(query("q3"), limit=3) is None
    assert stored.get(SOURCE, "q3") is None
    assert stored.put(query("q1", expression="SELECT arn"), limit=3) is not None  # an update is no new query
    assert stored.put(query("q3", source=OTHER_REGION), limit=3) is not None  # the limit is per region


def test_list_pages_in_name_order_and_sources_are_apart(any_store: Store) -> None:
    stored = any_store.stored_queries
    for name in ["b", "a", "c-1", "c_2", "D"]:
        stored.put(query(name))
    stored.put(query("zz", source=OTHER_REGION))
    stored.put(query("zz", source=OTHER_ACCOUNT))
    names = [q.name for q in stored.list(SOURCE)]
    assert names == sorted(names) and set(names) == {"b", "a", "c-1", "c_2", "D"}
    assert [q.name for q in stored.list(SOURCE, limit=2)] == names[:2]
    assert [q.name for q in stored.list(SOURCE, after_name=names[1], limit=2)] == names[2:4]
    assert [q.name for q in stored.list(SOURCE, after_name=names[-1])] == []
    assert [q.name for q in stored.list(OTHER_REGION)] == ["zz"]
    assert stored.get(SOURCE, "zz") is None
    assert stored.count(SOURCE) == 5 and stored.count(OTHER_ACCOUNT) == 1


def test_delete_returns_the_deleted_query_once(any_store: Store) -> None:
    stored = any_store.stored_queries
    stored.put(query())
    stored.put(query(source=OTHER_REGION))
    assert stored.delete(SOURCE, "ec2-types") == query()
    assert stored.delete(SOURCE, "ec2-types") is None
    assert stored.get(SOURCE, "ec2-types") is None
    assert stored.get(OTHER_REGION, "ec2-types") == query(source=OTHER_REGION)


def test_expressions_keep_unicode_and_length(any_store: Store) -> None:
    stored = any_store.stored_queries
    long = "SELECT resourceId WHERE resourceName = 'héllo ✓' AND " + " OR ".join(
        f"resourceId = 'i-{n:06d}'" for n in range(140)
    )
    assert len(long) <= 4096
    stored.put(query(expression=long, description="d" * 256))
    found = stored.get(SOURCE, "ec2-types")
    assert found is not None and found.expression == long and found.description == "d" * 256
