"""Tags on AWS Config's own resources (recorders, rules, aggregators, ...), by ARN and source.

Whether an ARN names a resource that exists is the API's business (roost/api/operations/tags.py);
this module only keeps the key/value pairs.
"""

from __future__ import annotations

import builtins
import zlib
from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from roost.model import AccountRegion
from roost.store import schema
from roost.store.engine import WRITE_OPTION
from roost.store.upsert import upsert

tags_t = schema.resource_tags

_LOCK_PREFIX = 0x7461 << 32  # "ta": keeps tag locks apart from the migration lock


class TagStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _write(self) -> sa.Connection:
        return self._engine.connect().execution_options(**{WRITE_OPTION: True})

    @staticmethod
    def _filter(source: AccountRegion, arn: str) -> list[sa.ColumnElement[bool]]:
        return [
            tags_t.c.account_id == source.account_id,
            tags_t.c.region == source.region,
            tags_t.c.resource_arn == arn,
        ]

    @staticmethod
    def _lock(conn: sa.Connection, source: AccountRegion, arn: str) -> None:
        # SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs a lock per resource
        # so that two concurrent calls cannot both pass the tag-count check.
        if conn.dialect.name == "postgresql":
            key = _LOCK_PREFIX | zlib.crc32(f"{source}/{arn}".encode())
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def put(
        self, source: AccountRegion, arn: str, tags: Mapping[str, str], *, max_tags: int | None = None
    ) -> bool:
        """Add tags to a resource, overwriting the values of keys it already has.

        With `max_tags`, nothing changes and the result is False when the resource would end up
        with more tags than that.
        """
        if not tags:
            return True
        rows = [
            {
                "account_id": source.account_id,
                "region": source.region,
                "resource_arn": arn,
                "key": k,
                "value": v,
            }
            for k, v in tags.items()
        ]
        with self._write() as conn, conn.begin():
            self._lock(conn, source, arn)
            if max_tags is not None:
                query = sa.select(tags_t.c.key).where(*self._filter(source, arn))
                existing = {str(k) for k in conn.execute(query).scalars()}
                if len(existing | set(tags)) > max_tags:
                    return False
            upsert(conn, tags_t, rows, keys=("account_id", "region", "resource_arn", "key"))
        return True

    def remove(self, source: AccountRegion, arn: str, keys: Iterable[str]) -> int:
        """Remove tags by key (keys the resource does not have are ignored); how many went."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return 0
        with self._write() as conn, conn.begin():
            result = conn.execute(tags_t.delete().where(*self._filter(source, arn), tags_t.c.key.in_(wanted)))
        return int(result.rowcount)

    def remove_all(self, source: AccountRegion, arn: str) -> int:
        """Forget every tag of a resource (when the resource is deleted, its tags go with it)."""
        with self._write() as conn, conn.begin():
            result = conn.execute(tags_t.delete().where(*self._filter(source, arn)))
        return int(result.rowcount)

    def replace(self, source: AccountRegion, arn: str, tags: Mapping[str, str]) -> None:
        """Make `tags` the resource's only tags (a resource created again starts afresh)."""
        rows = [
            {
                "account_id": source.account_id,
                "region": source.region,
                "resource_arn": arn,
                "key": k,
                "value": v,
            }
            for k, v in tags.items()
        ]
        with self._write() as conn, conn.begin():
            self._lock(conn, source, arn)
            conn.execute(tags_t.delete().where(*self._filter(source, arn)))
            if rows:
                conn.execute(tags_t.insert(), rows)

    def list(
        self, source: AccountRegion, arn: str, *, after_key: str | None = None, limit: int | None = None
    ) -> builtins.list[tuple[str, str]]:
        """A resource's tags as (key, value), in key order; `after_key` continues a page."""
        query = sa.select(tags_t.c.key, tags_t.c.value).where(*self._filter(source, arn))
        if after_key is not None:
            query = query.where(tags_t.c.key > after_key)
        query = query.order_by(tags_t.c.key)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [(str(k), str(v)) for k, v in conn.execute(query)]

    def get(self, source: AccountRegion, arn: str) -> dict[str, str]:
        return dict(self.list(source, arn))
