"""Retention configurations and history pruning on both engines, and schema migration 2."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from roost.model import AccountRegion, ItemStatus, ResourceKey
from roost.store import Store
from roost.store.engine import create_engine
from roost.store.migrations import MIGRATIONS, current_version, migrate
from roost.store.retention import DEFAULT_RETENTION_DAYS, RetentionConfiguration
from roost.store.schema import schema_version
from tests.store.test_items import KEY, OTHER_REGION, SOURCE, T0, make_item

OTHER_ACCOUNT = AccountRegion("444455556666", SOURCE.region)
OTHER_KEY = ResourceKey("AWS::EC2::SecurityGroup", "sg-4567")


def _state_ids(store: Store, source: AccountRegion = SOURCE, key: ResourceKey = KEY) -> list[int]:
    return [i.configuration_state_id for i in store.items.history(source, key, chronological=True)]


# --- configurations ------------------------------------------------------------------------------


def test_a_source_has_one_configuration_named_default(any_store: Store) -> None:
    assert any_store.retention.get(SOURCE) is None
    assert any_store.retention.retention_days(SOURCE) == DEFAULT_RETENTION_DAYS == 2557

    created = any_store.retention.put(SOURCE, 90)
    assert created == RetentionConfiguration(SOURCE.account_id, SOURCE.region, 90, "default")
    updated = any_store.retention.put(SOURCE, 30)
    assert updated.retention_period_in_days == 30
    assert any_store.retention.list(SOURCE) == [updated]
    assert any_store.retention.retention_days(SOURCE) == 30


def test_configurations_are_per_account_and_region(any_store: Store) -> None:
    any_store.retention.put(SOURCE, 90)
    any_store.retention.put(OTHER_ACCOUNT, 365)

    assert any_store.retention.get(OTHER_REGION) is None
    assert any_store.retention.retention_days(OTHER_ACCOUNT) == 365
    assert [(c.source, c.retention_period_in_days) for c in any_store.retention.list()] == [
        (SOURCE, 90),
        (OTHER_ACCOUNT, 365),
    ]
    assert any_store.retention.delete(OTHER_REGION) is False
    assert any_store.retention.delete(SOURCE) is True
    assert any_store.retention.delete(SOURCE) is False
    assert any_store.retention.get(SOURCE) is None
    assert any_store.retention.get(OTHER_ACCOUNT) is not None


# --- pruning -------------------------------------------------------------------------------------


def test_pruning_deletes_old_items_but_never_a_resource_s_latest(any_store: Store) -> None:
    # KEY changes every day for ten days; OTHER_KEY was recorded once, long ago.
    any_store.items.append([make_item(n, at=T0 + timedelta(days=n)) for n in range(1, 11)])
    any_store.items.append([make_item(1, key=OTHER_KEY, at=T0)])
    before_current = any_store.items.current_state(SOURCE, KEY)

    deleted = any_store.items.prune_history(SOURCE, T0 + timedelta(days=6))

    assert deleted == 5
    assert _state_ids(any_store) == [6, 7, 8, 9, 10]
    assert _state_ids(any_store, key=OTHER_KEY) == [1]  # old, but its current state
    assert any_store.items.current_state(SOURCE, KEY) == before_current
    latest = any_store.items.latest_item(SOURCE, KEY)
    assert latest is not None and latest.configuration_state_id == 10

    # Everything older than the newest: only each resource's latest item is left.
    assert any_store.items.prune_history(SOURCE, T0 + timedelta(days=365)) == 4
    assert _state_ids(any_store) == [10]
    assert _state_ids(any_store, key=OTHER_KEY) == [1]
    assert any_store.items.latest_items(SOURCE, [KEY, OTHER_KEY]).keys() == {KEY, OTHER_KEY}


def test_a_deleted_resource_keeps_its_deletion_item(any_store: Store) -> None:
    any_store.items.append([make_item(1, at=T0), make_item(2, at=T0 + timedelta(days=1))])
    any_store.items.append([make_item(3, at=T0 + timedelta(days=2), status=ItemStatus.RESOURCE_DELETED)])

    assert any_store.items.prune_history(SOURCE, T0 + timedelta(days=400)) == 2
    (left,) = any_store.items.history(SOURCE, KEY)
    assert left.status is ItemStatus.RESOURCE_DELETED
    listed = any_store.items.discovered(SOURCE, include_deleted=True)
    assert [(r.resource_id, r.is_deleted) for r in listed] == [(KEY.resource_id, True)]


def test_pruning_one_source_leaves_the_others_alone(any_store: Store) -> None:
    for source in (SOURCE, OTHER_REGION, OTHER_ACCOUNT):
        any_store.items.append([make_item(n, source=source, at=T0 + timedelta(days=n)) for n in range(1, 4)])

    assert any_store.items.prune_history(SOURCE, T0 + timedelta(days=10)) == 2
    assert _state_ids(any_store) == [3]
    assert _state_ids(any_store, OTHER_REGION) == [1, 2, 3]
    assert _state_ids(any_store, OTHER_ACCOUNT) == [1, 2, 3]
    assert any_store.items.sources() == sorted(
        [SOURCE, OTHER_REGION, OTHER_ACCOUNT], key=lambda s: (s.account_id, s.region)
    )


def test_pruning_works_in_bounded_batches(any_store: Store) -> None:
    keys = [ResourceKey("AWS::EC2::SecurityGroup", f"sg-{n:02d}") for n in range(5)]
    for state in range(1, 6):
        any_store.items.append([make_item(state, key=k, at=T0 + timedelta(hours=state)) for k in keys])
    cutoff = T0 + timedelta(days=1)

    # 4 old items per resource may go: 20 in all, 3 per transaction, at most 2 transactions a call.
    assert any_store.items.prune_history(SOURCE, cutoff, batch_size=3, max_batches=2) == 6
    assert any_store.items.count_items(SOURCE) == 25 - 6
    assert any_store.items.prune_history(SOURCE, cutoff, batch_size=3) == 14
    assert any_store.items.count_items(SOURCE) == 5
    assert any_store.items.prune_history(SOURCE, cutoff, batch_size=3) == 0
    for key in keys:
        assert _state_ids(any_store, key=key) == [5]


def test_recording_goes_on_after_pruning(any_store: Store) -> None:
    any_store.items.append([make_item(n, at=T0 + timedelta(days=n)) for n in range(1, 4)])
    any_store.items.prune_history(SOURCE, T0 + timedelta(days=100))

    any_store.items.append([make_item(4, at=T0 + timedelta(days=101))])
    assert _state_ids(any_store) == [3, 4]
    current = any_store.items.current_state(SOURCE, KEY)
    assert current is not None and current.configuration_state_id == 4


# --- migration 2 ---------------------------------------------------------------------------------

V1_TABLES = {
    "configuration_items",
    "resources",
    "configuration_recorders",
    "collection_errors",
    "type_collections",
    "recording_passes",
    "delivery_channels",
    "schema_version",
}


def test_migration_1_creates_what_it_always_did_and_2_adds_the_new_tables(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'v1.db'}")
    try:
        with engine.begin() as conn:
            schema_version.create(conn)
            MIGRATIONS[0].apply(conn)
            conn.execute(schema_version.insert().values(version=1, description="v1", applied_time=0))
        assert set(sa.inspect(engine).get_table_names()) == V1_TABLES

        assert migrate(engine) == MIGRATIONS[-1].version
        tables = set(sa.inspect(engine).get_table_names())
        assert V1_TABLES | {"retention_configurations", "resource_tags"} <= tables
        with engine.connect() as conn:
            assert current_version(conn) == MIGRATIONS[-1].version
        assert migrate(engine) == MIGRATIONS[-1].version  # applied once
    finally:
        engine.dispose()
