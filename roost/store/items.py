"""Configuration items (append-only history, pruned by age) and the current state of every resource."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from roost.clock import to_millis
from roost.model import AccountRegion, ConfigurationItem, DiscoveredResource, ItemStatus, ResourceKey
from roost.store import properties, schema
from roost.store.codec import discovered_from_row, item_from_row, item_to_row
from roost.store.engine import WRITE_OPTION
from roost.store.upsert import upsert

items_t = schema.configuration_items
resources_t = schema.resources


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item to append, with the content hash of the state it records (see ResourceState)."""

    item: ConfigurationItem
    content_hash: str


@functools.cache
def _compiled_insert(dialect: sa.Dialect) -> tuple[str, tuple[str, ...] | None]:
    """The item INSERT in the driver's own parameter style, and the column order for positional styles."""
    columns = [c.name for c in items_t.columns if c.name != "id"]
    compiled = (
        items_t.insert().values({name: sa.bindparam(name) for name in columns}).compile(dialect=dialect)
    )
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return str(compiled), order


def _insert_items(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    # Bulk ingest is the recorder's hot path: hand the driver one executemany of plain tuples
    # (or dicts), without SQLAlchemy's per-row parameter processing (bench/bench_store.py).
    sql, order = _compiled_insert(conn.dialect)
    if order is not None:
        conn.exec_driver_sql(sql, [tuple(row[name] for name in order) for row in rows])
    else:
        conn.exec_driver_sql(sql, rows)


def _index_properties(conn: sa.Connection, new_items: Sequence[NewItem]) -> int:
    """Move the property index (roost/store/properties.py) of each resource whose current state moved.

    Returns how many index rows it wrote. Runs after the `resources` upsert, in its transaction: a
    resource's rows are replaced only when `resources` now points at this batch's item for it (a
    newer item recorded meanwhile wins, as it does for `resources`). The upsert holds the `resources`
    row lock on PostgreSQL until commit, so two writers of one resource replace its rows one after
    the other.
    """
    newest: dict[tuple[str, str, str, str], ConfigurationItem] = {}
    for n in new_items:
        item = n.item
        key = (item.account_id, item.region, item.resource_type, item.resource_id)
        held = newest.get(key)
        if held is None or held.configuration_state_id < item.configuration_state_id:
            newest[key] = item
    states = properties.current_state_ids(conn, list(newest))
    moved = [key for key, item in newest.items() if states.get(key) == item.configuration_state_id]
    rows: list[tuple[Any, ...]] = []
    for key in moved:
        item = newest[key]
        if item.status.is_deletion or item.status == ItemStatus.RESOURCE_NOT_RECORDED:
            continue  # not queried: no rows
        found = properties.leaves(item.configuration, item.supplementary_configuration, item.tags)
        rows.extend(properties.property_rows(dict(zip(properties.KEY_COLUMNS, key, strict=True)), found))
    properties.replace_properties(conn, moved, rows)
    return len(rows)


log = logging.getLogger(__name__)

#: PostgreSQL: the tables' statistics are refreshed once this many rows were written since (then
#: twice as many, and so on); see ItemStore._keep_statistics.
ANALYZE_AFTER_ROWS = 20_000


class ItemStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._written = 0
        self._analyze_at = ANALYZE_AFTER_ROWS

    # --- writing ---------------------------------------------------------------------------

    def append(self, new_items: Sequence[NewItem]) -> None:
        """Append items and move each resource's current state to them, in one transaction.

        Either every item of the batch is stored, with the current state that points at it, or
        none is: a crash in the middle leaves the store as it was before the batch.
        """
        if not new_items:
            return
        rows = [item_to_row(n.item, n.content_hash) for n in new_items]
        current = [
            {
                "account_id": n.item.account_id,
                "region": n.item.region,
                "resource_type": n.item.resource_type,
                "resource_id": n.item.resource_id,
                "resource_name": n.item.resource_name,
                "status": n.item.status.value,
                "configuration_state_id": n.item.configuration_state_id,
                "content_hash": n.content_hash,
                "last_capture_time": to_millis(n.item.capture_time),
                "deletion_time": to_millis(n.item.capture_time) if n.item.status.is_deletion else None,
            }
            for n in new_items
        ]
        with self._engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            _insert_items(conn, rows)
            upsert(
                conn,
                resources_t,
                current,
                keys=("account_id", "region", "resource_type", "resource_id"),
                only_if_greater="configuration_state_id",
            )
            written = len(rows) + _index_properties(conn, new_items)
        self._keep_statistics(written)

    def _keep_statistics(self, written: int) -> None:
        """During a bulk load (a first recording of a big account) PostgreSQL plans with the
        statistics of the tables as they were, or none on new ones: it then reads every resource of a
        type for each key of a batch, and a load that should take minutes takes hours. So the
        tables are analysed as they grow here, at doubling intervals; autovacuum takes over after.
        (SQLite picks the primary key without statistics; roost refreshes them at start and hourly.)"""
        if self._engine.dialect.name != "postgresql":
            return
        self._written += written
        if self._written < self._analyze_at:
            return
        self._analyze_at = 2 * self._written
        try:  # the batch is committed: a failure here must not look like the batch's
            with self._engine.connect().execution_options(**{WRITE_OPTION: True}) as conn:
                conn.execute(sa.text("ANALYZE resources, resource_properties"))
                conn.commit()
        except sa.exc.SQLAlchemyError:
            log.warning("refreshing the planner's statistics failed", exc_info=True)

    def set_content_hashes(self, source: AccountRegion, resource_type: str, hashes: dict[str, str]) -> None:
        """Store new content hashes for resources whose state changed in no way AWS records (list order)."""
        with self._engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            conn.execute(
                resources_t.update()
                .where(
                    resources_t.c.account_id == source.account_id,
                    resources_t.c.region == source.region,
                    resources_t.c.resource_type == resource_type,
                    resources_t.c.resource_id == sa.bindparam("rid"),
                )
                .values(content_hash=sa.bindparam("hash")),
                [{"rid": rid, "hash": h} for rid, h in hashes.items()],
            )

    # --- current state ---------------------------------------------------------------------

    def current_states(self, source: AccountRegion, resource_type: str) -> dict[str, DiscoveredResource]:
        """Every resource of a type ever recorded in a source (deleted ones included), by id."""
        query = resources_t.select().where(
            resources_t.c.account_id == source.account_id,
            resources_t.c.region == source.region,
            resources_t.c.resource_type == resource_type,
        )
        with self._engine.connect() as conn:
            return {row.resource_id: discovered_from_row(row._mapping) for row in conn.execute(query)}

    def current_state(self, source: AccountRegion, key: ResourceKey) -> DiscoveredResource | None:
        query = resources_t.select().where(*self._key_filter(resources_t, source, key))
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return discovered_from_row(row._mapping) if row else None

    def latest_item(self, source: AccountRegion, key: ResourceKey) -> ConfigurationItem | None:
        query = (
            items_t.select()
            .where(*self._key_filter(items_t, source, key))
            .order_by(items_t.c.configuration_state_id.desc())
            .limit(1)
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return item_from_row(row._mapping) if row else None

    def latest_items(
        self, source: AccountRegion, keys: Iterable[ResourceKey]
    ) -> dict[ResourceKey, ConfigurationItem]:
        """The newest item of each of many resources, in one round trip per type."""
        by_type: dict[str, list[str]] = {}
        for key in keys:
            by_type.setdefault(key.resource_type, []).append(key.resource_id)
        found: dict[ResourceKey, ConfigurationItem] = {}
        with self._engine.connect() as conn:
            for resource_type, ids in by_type.items():
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    query = (
                        items_t.select()
                        .join(
                            resources_t,
                            sa.and_(
                                resources_t.c.account_id == items_t.c.account_id,
                                resources_t.c.region == items_t.c.region,
                                resources_t.c.resource_type == items_t.c.resource_type,
                                resources_t.c.resource_id == items_t.c.resource_id,
                                resources_t.c.configuration_state_id == items_t.c.configuration_state_id,
                            ),
                        )
                        .where(
                            items_t.c.account_id == source.account_id,
                            items_t.c.region == source.region,
                            items_t.c.resource_type == resource_type,
                            items_t.c.resource_id.in_(chunk),
                        )
                    )
                    for row in conn.execute(query):
                        item = item_from_row(row._mapping)
                        found[item.key] = item
        return found

    def discovered(
        self,
        source: AccountRegion,
        resource_type: str | None = None,
        *,
        include_deleted: bool = False,
        resource_ids: Sequence[str] | None = None,
        resource_name: str | None = None,
        after_resource_id: str | None = None,
        limit: int | None = None,
    ) -> list[DiscoveredResource]:
        """Resources of a source in resource-id order (ListDiscoveredResources' view)."""
        query = resources_t.select().where(
            resources_t.c.account_id == source.account_id, resources_t.c.region == source.region
        )
        if resource_type is not None:
            query = query.where(resources_t.c.resource_type == resource_type)
        if not include_deleted:
            query = query.where(resources_t.c.deletion_time.is_(None))
        if resource_ids is not None:
            query = query.where(resources_t.c.resource_id.in_(list(resource_ids)))
        if resource_name is not None:
            query = query.where(resources_t.c.resource_name == resource_name)
        if after_resource_id is not None:
            query = query.where(resources_t.c.resource_id > after_resource_id)
        query = query.order_by(resources_t.c.resource_type, resources_t.c.resource_id)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [discovered_from_row(row._mapping) for row in conn.execute(query)]

    def sources(self) -> list[AccountRegion]:
        """Every source that has recorded anything, in account and region order."""
        query = (
            sa.select(resources_t.c.account_id, resources_t.c.region)
            .distinct()
            .order_by(resources_t.c.account_id, resources_t.c.region)
        )
        with self._engine.connect() as conn:
            return [AccountRegion(str(a), str(r)) for a, r in conn.execute(query)]

    def resource_counts(self, source: AccountRegion) -> dict[str, int]:
        """Non-deleted resources per type."""
        query = (
            sa.select(resources_t.c.resource_type, sa.func.count())
            .where(
                resources_t.c.account_id == source.account_id,
                resources_t.c.region == source.region,
                resources_t.c.deletion_time.is_(None),
            )
            .group_by(resources_t.c.resource_type)
        )
        with self._engine.connect() as conn:
            return {str(t): int(n) for t, n in conn.execute(query)}

    # --- history ---------------------------------------------------------------------------

    def history(
        self,
        source: AccountRegion,
        key: ResourceKey,
        *,
        earlier_time_ms: int | None = None,
        later_time_ms: int | None = None,
        chronological: bool = False,
        after_state_id: int | None = None,
        limit: int | None = None,
    ) -> list[ConfigurationItem]:
        """A resource's items between two capture times, newest first unless `chronological`.

        `after_state_id` continues a page: items after that one in the chosen order.
        """
        query = items_t.select().where(*self._key_filter(items_t, source, key))
        if earlier_time_ms is not None:
            query = query.where(items_t.c.capture_time >= earlier_time_ms)
        if later_time_ms is not None:
            query = query.where(items_t.c.capture_time <= later_time_ms)
        state = items_t.c.configuration_state_id
        if after_state_id is not None:
            query = query.where(state > after_state_id if chronological else state < after_state_id)
        query = query.order_by(state.asc() if chronological else state.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [item_from_row(row._mapping) for row in conn.execute(query)]

    def prune_history(
        self,
        source: AccountRegion,
        captured_before: datetime,
        *,
        batch_size: int = 1000,
        max_batches: int | None = None,
    ) -> int:
        """Delete a source's items captured before `captured_before`; how many went.

        A resource's latest item always stays (it is its current state, which `resources` points
        at), whatever its age. Deletes run in transactions of at most `batch_size` items, so the
        write lock is never held for long and recording goes on in between; `max_batches` caps
        one call's work (the next call carries on).
        """
        cutoff = to_millis(captured_before)
        newer = items_t.alias("newer")
        has_newer = (
            sa.select(newer.c.id)
            .where(
                newer.c.account_id == items_t.c.account_id,
                newer.c.region == items_t.c.region,
                newer.c.resource_type == items_t.c.resource_type,
                newer.c.resource_id == items_t.c.resource_id,
                newer.c.configuration_state_id > items_t.c.configuration_state_id,
            )
            .exists()
        )
        is_current = (
            sa.select(resources_t.c.resource_id)
            .where(
                resources_t.c.account_id == items_t.c.account_id,
                resources_t.c.region == items_t.c.region,
                resources_t.c.resource_type == items_t.c.resource_type,
                resources_t.c.resource_id == items_t.c.resource_id,
                resources_t.c.configuration_state_id == items_t.c.configuration_state_id,
            )
            .exists()
        )
        doomed = (
            sa.select(items_t.c.id)
            .where(
                items_t.c.account_id == source.account_id,
                items_t.c.region == source.region,
                items_t.c.capture_time < cutoff,
                has_newer,
                ~is_current,
            )
            .order_by(items_t.c.capture_time)
            .limit(batch_size)
        )
        deleted = batches = 0
        while max_batches is None or batches < max_batches:
            with self._engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
                ids = [int(i) for i in conn.execute(doomed).scalars()]
                if ids:
                    conn.execute(items_t.delete().where(items_t.c.id.in_(ids)))
            deleted += len(ids)
            batches += 1
            if len(ids) < batch_size:
                break
        return deleted

    def item(
        self, source: AccountRegion, key: ResourceKey, configuration_state_id: int
    ) -> ConfigurationItem | None:
        query = items_t.select().where(
            *self._key_filter(items_t, source, key),
            items_t.c.configuration_state_id == configuration_state_id,
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return item_from_row(row._mapping) if row else None

    def items_after(
        self, after_id: int, *, source: AccountRegion | None = None, limit: int = 1000
    ) -> list[tuple[int, ConfigurationItem]]:
        """Items appended after the one with row id `after_id`, oldest first (for delivery cursors)."""
        query = items_t.select().where(items_t.c.id > after_id)
        if source is not None:
            query = query.where(items_t.c.account_id == source.account_id, items_t.c.region == source.region)
        query = query.order_by(items_t.c.id).limit(limit)
        with self._engine.connect() as conn:
            return [(int(row.id), item_from_row(row._mapping)) for row in conn.execute(query)]

    def recent(
        self, source: AccountRegion, *, limit: int = 20, resource_type: str | None = None
    ) -> list[ConfigurationItem]:
        """The newest items of a source, newest first (the dashboard's recent changes)."""
        query = items_t.select().where(
            items_t.c.account_id == source.account_id, items_t.c.region == source.region
        )
        if resource_type is not None:
            query = query.where(items_t.c.resource_type == resource_type)
        query = query.order_by(items_t.c.id.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [item_from_row(row._mapping) for row in conn.execute(query)]

    def last_item_row_id(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(items_t.c.id), 0))).scalar_one())

    def count_items(self, source: AccountRegion | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(items_t)
        if source is not None:
            query = query.where(items_t.c.account_id == source.account_id, items_t.c.region == source.region)
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    @staticmethod
    def _key_filter(table: sa.Table, source: AccountRegion, key: ResourceKey) -> list[sa.ColumnElement[bool]]:
        return [
            table.c.account_id == source.account_id,
            table.c.region == source.region,
            table.c.resource_type == key.resource_type,
            table.c.resource_id == key.resource_id,
        ]


__all__ = ["ItemStatus", "ItemStore", "NewItem"]
