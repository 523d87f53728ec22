"""The index of current configuration properties (resource_properties), on both engines: what a
document becomes, how ItemStore.append keeps it in step with `resources`, and migration 9's backfill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from roost.model import AccountRegion, ConfigurationItem, ItemStatus
from roost.store import NewItem, Store, schema
from roost.store.migrations import MIGRATIONS, migrate
from roost.store.properties import MAX_LEAVES, MAX_TEXT, ip_range, leaves

SOURCE = AccountRegion("111122223333", "eu-west-1")
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SG = "AWS::EC2::SecurityGroup"


def item(
    resource_id: str,
    state_id: int,
    configuration: dict[str, Any] | None,
    *,
    status: ItemStatus = ItemStatus.OK,
    tags: dict[str, str] | None = None,
) -> NewItem:
    ci = ConfigurationItem(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        resource_type=SG,
        resource_id=resource_id,
        capture_time=T0 + timedelta(minutes=state_id),
        status=status,
        configuration_state_id=state_id,
        aws_region=SOURCE.region,
        resource_name=resource_id,
        tags=tags or {},
        configuration=configuration,
        supplementary_configuration={"Extra": {"on": True}},
    )
    return NewItem(ci, f"hash-{resource_id}-{state_id}")


def indexed(store: Store, resource_id: str | None = None) -> set[tuple[Any, ...]]:
    t = schema.resource_properties
    query = sa.select(t.c.resource_id, t.c.path, t.c.value_type, t.c.text_value, t.c.number_value)
    if resource_id is not None:
        query = query.where(t.c.resource_id == resource_id)
    with store.engine.connect() as conn:
        return {(r[0], r[1], r[2], r[3], None if r[4] is None else float(r[4])) for r in conn.execute(query)}


# --- documents to leaves ------------------------------------------------------------------------


def test_leaves_follow_paths_through_arrays_without_indices() -> None:
    found = leaves(
        {
            "ipPermissions": [
                {"fromPort": 22, "ipRanges": ["10.0.0.0/8", "0.0.0.0/0"]},
                {"fromPort": 443, "ipRanges": []},
            ],
            "state": {"name": "running"},
            "on": False,
            "missing": None,
            "nested": [[1, 2], {"x": "y"}],
            "bad.key": "unreachable",
        },
        {"BucketVersioningConfiguration": {"status": "Enabled"}},
        {"team": "blue"},
    )
    assert {(p, k, t, n) for p, k, t, n, _ in found} == {
        ("configuration.ipPermissions.fromPort", "n", None, 22),
        ("configuration.ipPermissions.fromPort", "n", None, 443),
        ("configuration.ipPermissions.ipRanges", "s", "10.0.0.0/8", None),
        ("configuration.ipPermissions.ipRanges", "s", "0.0.0.0/0", None),
        ("configuration.state.name", "s", "running", None),
        ("configuration.on", "f", None, None),
        ("configuration.nested.x", "s", "y", None),  # an array inside an array is no value
        ("supplementaryConfiguration.BucketVersioningConfiguration.status", "s", "Enabled", None),
        ("tags.key", "s", "team", None),
        ("tags.value", "s", "blue", None),
        ("tags.tag", "s", "team=blue", None),
    }


def test_long_strings_and_too_many_leaves_leave_a_marker() -> None:
    found = leaves({"policy": "x" * (MAX_TEXT + 1), "short": "ok"}, None, None)
    assert {(p, k) for p, k, *_ in found} == {("configuration.short", "s"), ("configuration.policy", "p")}
    many = leaves(
        {"items": [{"v": i} for i in range(MAX_LEAVES + 10)], "cidr": ["10.0.0.0/8"] * 3}, None, None
    )
    assert sum(1 for _, k, *_ in many if k == "n") == MAX_LEAVES
    assert ("configuration.items.v", "p", None, None, None) in many
    # IP leaves are always kept, whatever the count.
    assert sum(1 for p, *_ in many if p == "configuration.cidr") == 3


def test_ip_ranges_compare_as_text() -> None:
    assert ip_range("10.0.0.0/24") == ("4" + f"{0x0A000000:032x}", "4" + f"{0x0A0000FF:032x}")
    assert ip_range("192.168.0.7") == ("4" + f"{0xC0A80007:032x}",) * 2
    low, high = ip_range("::/0") or ("", "")
    assert low == "6" + "0" * 32 and high == "6" + "f" * 32
    assert ip_range("0.0.0.0/0") == ("4" + "0" * 32, "4" + f"{0xFFFFFFFF:032x}")
    for text in ("sg-123", "10.0.0.300", "1.0", "abc", "2026-11-01T00:00:00Z", "arn:aws:ec2::1"):
        assert ip_range(text) is None


# --- kept by append -----------------------------------------------------------------------------


def test_append_replaces_a_resource_rows_and_deletion_removes_them(any_store: Store) -> None:
    any_store.items.append([item("sg-1", 1, {"a": 1, "b": "x"}), item("sg-2", 1, {"a": 2})])
    assert ("sg-1", "configuration.a", "n", None, 1.0) in indexed(any_store, "sg-1")
    any_store.items.append([item("sg-1", 2, {"a": 5}, tags={"team": "red"})])
    assert indexed(any_store, "sg-1") == {
        ("sg-1", "configuration.a", "n", None, 5.0),
        ("sg-1", "supplementaryConfiguration.Extra.on", "t", None, None),
        ("sg-1", "tags.key", "s", "team", None),
        ("sg-1", "tags.value", "s", "red", None),
        ("sg-1", "tags.tag", "s", "team=red", None),
    }
    any_store.items.append([item("sg-1", 3, None, status=ItemStatus.RESOURCE_DELETED)])
    assert indexed(any_store, "sg-1") == set()
    any_store.items.append([item("sg-2", 2, {"a": 3}, status=ItemStatus.RESOURCE_NOT_RECORDED)])
    assert indexed(any_store, "sg-2") == set()
    # Recorded again: indexed again.
    any_store.items.append([item("sg-2", 3, {"a": 4})])
    assert ("sg-2", "configuration.a", "n", None, 4.0) in indexed(any_store, "sg-2")


def test_an_older_item_and_a_batch_with_two_items_of_a_resource(any_store: Store) -> None:
    any_store.items.append([item("sg-1", 5, {"a": 5})])
    any_store.items.append([item("sg-1", 4, {"a": 4}), item("sg-9", 1, {"a": 9})])
    assert ("sg-1", "configuration.a", "n", None, 5.0) in indexed(any_store, "sg-1")
    assert ("sg-1", "configuration.a", "n", None, 4.0) not in indexed(any_store, "sg-1")
    any_store.items.append([item("sg-1", 7, {"a": 7}), item("sg-1", 6, {"a": 6})])
    assert {r[4] for r in indexed(any_store, "sg-1") if r[1] == "configuration.a"} == {7.0}


def test_a_failed_batch_leaves_the_index_as_it_was(any_store: Store) -> None:
    any_store.items.append([item("sg-1", 1, {"a": 1})])
    before = indexed(any_store)
    # The second item repeats (resource, state id) of a stored one: the whole batch is refused.
    with pytest.raises(sa.exc.IntegrityError):
        any_store.items.append([item("sg-2", 1, {"a": 2}), item("sg-1", 1, {"a": 3})])
    assert indexed(any_store) == before


def test_migration_9_backfills_the_current_items(any_store: Store) -> None:
    any_store.items.append(
        [item(f"sg-{i}", 1, {"n": i, "ranges": ["10.0.0.0/8"]}, tags={"k": str(i)}) for i in range(30)]
    )
    any_store.items.append([item("sg-3", 2, {"n": 300})])
    any_store.items.append([item("sg-4", 2, None, status=ItemStatus.RESOURCE_DELETED)])
    written = indexed(any_store)
    assert written and not any(r[0] == "sg-4" for r in written)
    # As a database of schema version 8 would be: no index yet (and nothing newer).
    with any_store.engine.begin() as conn:
        schema.resource_properties.drop(conn)
        conn.execute(schema.schema_version.delete().where(schema.schema_version.c.version >= 9))
    assert migrate(any_store.engine) == MIGRATIONS[-1].version
    assert indexed(any_store) == written
    t = schema.resource_properties
    with any_store.engine.connect() as conn:
        ranges = conn.execute(
            sa.select(t.c.ip_lo, t.c.ip_hi).where(t.c.path == "configuration.ranges").distinct()
        ).all()
    assert ranges == [ip_range("10.0.0.0/8")]


def test_values_a_column_cannot_hold_are_answered_from_the_json(any_store: Store) -> None:
    """An integer beyond 64 bits (SQLite) or a string with a NUL (PostgreSQL) must not cost the
    recording: the path gets a marker, and queries on it read the item's JSON."""
    from roost.query.run import run_query

    any_store.items.append([item("sg-big", 1, {"n": 2**64 + 1}), item("sg-small", 1, {"n": 1, "s": "x"})])
    assert ("sg-big", "configuration.n", "p", None, None) in indexed(any_store, "sg-big")

    def ids(expression: str) -> list[str]:
        found = run_query(any_store, [SOURCE], expression, limit=100, next_token=None)
        return [row["resourceId"] for row in found.rows]

    # sg-big's n is not in the index: its JSON answers for it (> holds, = 1 does not).
    assert ids("SELECT resourceId WHERE configuration.n > 100") == ["sg-big"]
    assert ids("SELECT resourceId WHERE configuration.n = 1") == ["sg-small"]

    # A NUL is recorded too (PostgreSQL's JSON reading of such an item fails: the note says so).
    any_store.items.append([item("sg-nul", 1, {"s": "a\x00b", "ok": "plain"})])
    nul = indexed(any_store, "sg-nul")
    assert ("sg-nul", "configuration.s", "p", None, None) in nul
    assert ("sg-nul", "configuration.ok", "s", "plain", None) in nul
