"""Retention for real: history older than each source's retention period is gone after pruning,
and `roost up` (Roost) prunes on its own."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from roost.clock import FrozenClock
from roost.model import AccountRegion, ResourceKey
from roost.recorder.retention import prune_history
from roost.service import Roost
from roost.settings import Settings
from roost.store import Store
from tests.store.test_items import make_item

NOW = datetime(2030, 6, 1, tzinfo=UTC)
CONFIGURED = AccountRegion("111122223333", "eu-west-1")  # keeps 30 days
DEFAULTED = AccountRegion("111122223333", "us-east-1")  # no configuration: 2557 days
SG = ResourceKey("AWS::EC2::SecurityGroup", "sg-0123")
VPC = ResourceKey("AWS::EC2::VPC", "vpc-0123")


def _ages(store: Store, source: AccountRegion, key: ResourceKey, clock: FrozenClock) -> list[int]:
    """The age in days of each item a resource still has, oldest first."""
    items = store.items.history(source, key, chronological=True)
    return [(clock.now() - i.capture_time).days for i in items]


def _record(store: Store, source: AccountRegion, key: ResourceKey, ages_in_days: list[int]) -> None:
    """Append one item per age (oldest first), captured that many days before NOW."""
    for state, age in enumerate(sorted(ages_in_days, reverse=True), start=1):
        store.items.append([make_item(state, source=source, key=key, at=NOW - timedelta(days=age))])


def test_history_older_than_the_retention_period_is_gone(any_store: Store) -> None:
    clock = FrozenClock(NOW)
    any_store.retention.put(CONFIGURED, 30)
    _record(any_store, CONFIGURED, SG, [400, 45, 31, 29, 10, 1])
    _record(any_store, CONFIGURED, VPC, [100, 60])  # unchanged for 60 days
    _record(any_store, DEFAULTED, SG, [3000, 2600, 2000, 30])
    _record(any_store, DEFAULTED, VPC, [2900])

    pruned = prune_history(any_store, clock, batch_size=2)

    assert pruned == {CONFIGURED: 4, DEFAULTED: 2}
    assert _ages(any_store, CONFIGURED, SG, clock) == [29, 10, 1]
    assert _ages(any_store, CONFIGURED, VPC, clock) == [60]  # the newest item survives, however old
    assert _ages(any_store, DEFAULTED, SG, clock) == [2000, 30]
    assert _ages(any_store, DEFAULTED, VPC, clock) == [2900]
    for source, key in ((CONFIGURED, SG), (CONFIGURED, VPC), (DEFAULTED, SG), (DEFAULTED, VPC)):
        current = any_store.items.current_state(source, key)
        latest = any_store.items.latest_item(source, key)
        assert current is not None and latest is not None
        assert current.configuration_state_id == latest.configuration_state_id

    # Time passes: the next run takes what has aged out since, and nothing else.
    clock.advance(timedelta(days=15))
    assert prune_history(any_store, clock) == {CONFIGURED: 1}
    assert _ages(any_store, CONFIGURED, SG, clock) == [25, 16]
    assert prune_history(any_store, clock) == {}


def test_deleting_the_configuration_falls_back_to_seven_years(any_store: Store) -> None:
    clock = FrozenClock(NOW)
    any_store.retention.put(CONFIGURED, 30)
    any_store.retention.delete(CONFIGURED)
    _record(any_store, CONFIGURED, SG, [2600, 400, 45, 1])

    assert prune_history(any_store, clock) == {CONFIGURED: 1}
    assert _ages(any_store, CONFIGURED, SG, clock) == [400, 45, 1]


def test_roost_prunes_once_started(store: Store, settings: Settings) -> None:
    clock = FrozenClock(NOW)
    store.retention.put(CONFIGURED, 30)
    _record(store, CONFIGURED, SG, [90, 60, 1])
    roost = Roost(settings, store=store, clock=clock)
    roost.start()
    try:
        deadline = time.monotonic() + 10
        while store.items.count_items(CONFIGURED) > 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        roost.stop(close_store=False)
    assert _ages(store, CONFIGURED, SG, clock) == [1]
