"""The item store on both engines: a real SQLite file and the local PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roost.model import (
    AccountRegion,
    ChangeType,
    ConfigurationItem,
    ItemDiff,
    ItemStatus,
    PropertyChange,
    Relationship,
    ResourceKey,
    ResourceState,
)
from roost.store import NewItem, Store

SOURCE = AccountRegion("111122223333", "eu-west-1")
OTHER_REGION = AccountRegion("111122223333", "us-east-1")
KEY = ResourceKey("AWS::EC2::SecurityGroup", "sg-0123")
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def make_item(
    state_id: int,
    *,
    source: AccountRegion = SOURCE,
    key: ResourceKey = KEY,
    status: ItemStatus = ItemStatus.OK,
    config: dict[str, object] | None = None,
    at: datetime | None = None,
) -> NewItem:
    state = ResourceState(
        resource_type=key.resource_type,
        resource_id=key.resource_id,
        resource_name="web",
        tags={"team": "blue"},
        relationships=(Relationship("AWS::EC2::VPC", "Is contained in Vpc", "vpc-1"),),
        configuration=config if config is not None else {"groupId": key.resource_id, "n": state_id},
        supplementary_configuration={"Extra": {"a": [1, 2]}},
    )
    item = ConfigurationItem(
        account_id=source.account_id,
        region=source.region,
        resource_type=key.resource_type,
        resource_id=key.resource_id,
        capture_time=at or T0 + timedelta(minutes=state_id),
        status=status,
        configuration_state_id=state_id,
        aws_region=source.region,
        resource_name="web",
        arn=f"arn:aws:ec2:{source.region}:{source.account_id}:security-group/{key.resource_id}",
        availability_zone="Not Applicable",
        resource_creation_time=T0,
        tags=dict(state.tags),
        relationships=state.relationships,
        configuration=state.configuration,
        supplementary_configuration=dict(state.supplementary_configuration),
        diff=ItemDiff(
            ChangeType.UPDATE, {"Configuration.N": PropertyChange(state_id - 1, state_id, ChangeType.UPDATE)}
        ),
    )
    return NewItem(item, state.content_hash())


def test_an_item_reads_back_exactly_as_written(any_store: Store) -> None:
    written = make_item(1, status=ItemStatus.RESOURCE_DISCOVERED)
    any_store.items.append([written])

    assert any_store.items.latest_item(SOURCE, KEY) == written.item
    current = any_store.items.current_state(SOURCE, KEY)
    assert current is not None
    assert current.content_hash == written.content_hash
    assert current.configuration_state_id == 1
    assert current.status is ItemStatus.RESOURCE_DISCOVERED


def test_history_is_newest_first_windowed_and_paged(any_store: Store) -> None:
    any_store.items.append([make_item(n) for n in range(1, 8)])

    newest_first = any_store.items.history(SOURCE, KEY)
    assert [i.configuration_state_id for i in newest_first] == [7, 6, 5, 4, 3, 2, 1]
    chronological = any_store.items.history(SOURCE, KEY, chronological=True, limit=3)
    assert [i.configuration_state_id for i in chronological] == [1, 2, 3]
    next_page = any_store.items.history(SOURCE, KEY, chronological=True, limit=3, after_state_id=3)
    assert [i.configuration_state_id for i in next_page] == [4, 5, 6]
    window = any_store.items.history(
        SOURCE,
        KEY,
        earlier_time_ms=int((T0 + timedelta(minutes=3)).timestamp() * 1000),
        later_time_ms=int((T0 + timedelta(minutes=5)).timestamp() * 1000),
    )
    assert [i.configuration_state_id for i in window] == [5, 4, 3]


def test_sources_never_see_each_others_items(any_store: Store) -> None:
    any_store.items.append([make_item(1), make_item(2, source=OTHER_REGION)])

    assert [i.configuration_state_id for i in any_store.items.history(SOURCE, KEY)] == [1]
    assert [i.configuration_state_id for i in any_store.items.history(OTHER_REGION, KEY)] == [2]
    assert any_store.items.resource_counts(SOURCE) == {"AWS::EC2::SecurityGroup": 1}


def test_a_state_id_is_never_stored_twice_for_one_resource(any_store: Store) -> None:
    any_store.items.append([make_item(5)])

    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        any_store.items.append([make_item(5, config={"changed": True})])
    assert [i.configuration_state_id for i in any_store.items.history(SOURCE, KEY)] == [5]


def test_a_failed_batch_writes_nothing(any_store: Store) -> None:
    other = ResourceKey("AWS::EC2::SecurityGroup", "sg-other")
    any_store.items.append([make_item(1)])

    # The second item of the batch collides: the first, valid one must not be stored either.
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        any_store.items.append([make_item(1, key=other), make_item(1)])
    assert any_store.items.latest_item(SOURCE, other) is None
    assert any_store.items.current_state(SOURCE, other) is None


def test_deleted_resources_are_listed_only_when_asked(any_store: Store) -> None:
    gone = ResourceKey("AWS::EC2::SecurityGroup", "sg-gone")
    any_store.items.append([make_item(1), make_item(1, key=gone)])
    any_store.items.append([make_item(2, key=gone, status=ItemStatus.RESOURCE_DELETED)])

    listed = any_store.items.discovered(SOURCE, "AWS::EC2::SecurityGroup")
    assert [r.resource_id for r in listed] == ["sg-0123"]
    with_deleted = any_store.items.discovered(SOURCE, "AWS::EC2::SecurityGroup", include_deleted=True)
    assert [(r.resource_id, r.is_deleted) for r in with_deleted] == [("sg-0123", False), ("sg-gone", True)]
    assert with_deleted[1].deletion_time is not None
    assert any_store.items.resource_counts(SOURCE) == {"AWS::EC2::SecurityGroup": 1}


def test_items_after_a_cursor_come_oldest_first(any_store: Store) -> None:
    any_store.items.append([make_item(1), make_item(2)])
    cursor = any_store.items.last_item_row_id()
    any_store.items.append([make_item(3), make_item(4, source=OTHER_REGION)])

    after = any_store.items.items_after(cursor)
    assert [i.configuration_state_id for _, i in after] == [3, 4]
    only_source = any_store.items.items_after(cursor, source=SOURCE)
    assert [i.configuration_state_id for _, i in only_source] == [3]


def test_reopening_a_store_keeps_everything_and_migrates_once(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    url = f"sqlite:///{tmp_path / 'again.db'}"
    first = Store.open(url)
    first.items.append([make_item(1)])
    first.close()
    second = Store.open(url)
    try:
        assert second.items.latest_item(SOURCE, KEY) is not None
        from roost.store.migrations import MIGRATIONS, current_version

        with second.engine.connect() as conn:
            assert current_version(conn) == MIGRATIONS[-1].version
    finally:
        second.close()


def test_the_current_state_never_moves_back(any_store: Store) -> None:
    any_store.items.append([make_item(5)])
    # A writer working from a stale view appends an older version: history keeps it, the current
    # state stays on the newest.
    any_store.items.append([make_item(3, config={"stale": True})])

    current = any_store.items.current_state(SOURCE, KEY)
    assert current is not None and current.configuration_state_id == 5
    assert [i.configuration_state_id for i in any_store.items.history(SOURCE, KEY)] == [5, 3]
