"""INSERT ... ON CONFLICT DO UPDATE, for the two dialects roost runs on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def upsert(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]] | dict[str, Any],
    *,
    keys: Sequence[str],
    only_if_greater: str | None = None,
    only_if_not_less: str | None = None,
) -> None:
    """Insert rows, replacing every non-key column of rows whose `keys` already exist.

    With `only_if_greater`, an existing row is replaced only by a row whose value in that column is
    greater (a current-state pointer that may only move forward, whoever writes last);
    `only_if_not_less` also lets an equal value replace it (the newest ordering timestamp wins).
    """
    batch = [rows] if isinstance(rows, dict) else list(rows)
    if not batch:
        return
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table)
    updates = {c: statement.excluded[c] for c in batch[0] if c not in keys}
    if updates:
        condition = (
            table.c[only_if_greater] < statement.excluded[only_if_greater]
            if only_if_greater is not None
            else None
        )
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_=updates, where=condition)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(statement, batch)


def insert_if_absent(
    conn: sa.Connection, table: sa.Table, row: dict[str, Any], *, keys: Sequence[str]
) -> None:
    """Insert a row unless one with the same `keys` exists (then leave that one as it is)."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    conn.execute(dialect.insert(table).values(row).on_conflict_do_nothing(index_elements=list(keys)))
