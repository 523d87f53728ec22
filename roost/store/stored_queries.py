"""Stored queries: advanced queries saved by name (PutStoredQuery), per account and region.

A query keeps its id, ARN and creation time for life: putting one again under the same name replaces
only its description and expression, as AWS's upsert does.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from roost.clock import from_millis, to_millis
from roost.model import AccountRegion
from roost.store import schema
from roost.store.engine import WRITE_OPTION
from roost.store.upsert import insert_if_absent

stored_queries_t = schema.stored_queries


@dataclass(frozen=True, slots=True)
class StoredQuery:
    account_id: str
    region: str
    name: str
    query_id: str
    arn: str
    description: str
    expression: str
    created: datetime

    @property
    def source(self) -> AccountRegion:
        return AccountRegion(self.account_id, self.region)


def _from_row(row: sa.Row[tuple[object, ...]]) -> StoredQuery:
    m = row._mapping
    return StoredQuery(
        account_id=str(m["account_id"]),
        region=str(m["region"]),
        name=str(m["query_name"]),
        query_id=str(m["query_id"]),
        arn=str(m["arn"]),
        description=str(m["description"]),
        expression=str(m["expression"]),
        created=from_millis(int(m["created"])),
    )


def _where(source: AccountRegion) -> list[sa.ColumnElement[bool]]:
    return [stored_queries_t.c.account_id == source.account_id, stored_queries_t.c.region == source.region]


class StoredQueryStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _write(self) -> sa.Connection:
        return self._engine.connect().execution_options(**{WRITE_OPTION: True})

    def put(self, query: StoredQuery, *, limit: int | None = None) -> tuple[StoredQuery, bool] | None:
        """Create the query, or replace the description and expression of the one of the same name.

        Returns the stored query (an existing one keeps its id, ARN and creation time) and whether it
        was created; None when creating it would give the source more than `limit` queries.
        """
        source = query.source
        with self._write() as conn, conn.begin():
            existing = conn.execute(
                sa.select(stored_queries_t.c.query_name).where(
                    *_where(source), stored_queries_t.c.query_name == query.name
                )
            ).first()
            if existing is None:
                if limit is not None:
                    count = conn.execute(
                        sa.select(sa.func.count()).select_from(stored_queries_t).where(*_where(source))
                    ).scalar_one()
                    if count >= limit:
                        return None
                insert_if_absent(
                    conn,
                    stored_queries_t,
                    {
                        "account_id": query.account_id,
                        "region": query.region,
                        "query_name": query.name,
                        "query_id": query.query_id,
                        "arn": query.arn,
                        "description": query.description,
                        "expression": query.expression,
                        "created": to_millis(query.created),
                    },
                    keys=["account_id", "region", "query_name"],
                )
            conn.execute(
                stored_queries_t.update()
                .where(*_where(source), stored_queries_t.c.query_name == query.name)
                .values(description=query.description, expression=query.expression)
            )
            row = conn.execute(
                sa.select(stored_queries_t).where(
                    *_where(source), stored_queries_t.c.query_name == query.name
                )
            ).one()
        stored = _from_row(row)
        return stored, stored.query_id == query.query_id and existing is None

    def get(self, source: AccountRegion, name: str) -> StoredQuery | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(stored_queries_t).where(*_where(source), stored_queries_t.c.query_name == name)
            ).first()
        return None if row is None else _from_row(row)

    def by_arn(self, source: AccountRegion, arn: str) -> StoredQuery | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(stored_queries_t).where(*_where(source), stored_queries_t.c.arn == arn)
            ).first()
        return None if row is None else _from_row(row)

    def list(
        self, source: AccountRegion, *, after_name: str | None = None, limit: int | None = None
    ) -> builtins.list[StoredQuery]:
        """The source's queries in name order, those after `after_name` only, at most `limit`."""
        query = sa.select(stored_queries_t).where(*_where(source)).order_by(stored_queries_t.c.query_name)
        if after_name is not None:
            query = query.where(stored_queries_t.c.query_name > after_name)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [_from_row(row) for row in conn.execute(query)]

    def count(self, source: AccountRegion) -> int:
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(stored_queries_t).where(*_where(source))
                ).scalar_one()
            )

    def delete(self, source: AccountRegion, name: str) -> StoredQuery | None:
        """Delete the query of that name; returns it, or None when there was none."""
        with self._write() as conn, conn.begin():
            row = conn.execute(
                sa.select(stored_queries_t).where(*_where(source), stored_queries_t.c.query_name == name)
            ).first()
            if row is None:
                return None
            conn.execute(
                stored_queries_t.delete().where(*_where(source), stored_queries_t.c.query_name == name)
            )
        return _from_row(row)
