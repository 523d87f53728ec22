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
) -> None:
    """Insert rows, replacing every non-key column of rows whose `keys` already exist."""
    batch = [rows] if isinstance(rows, dict) else list(rows)
    if not batch:
        return
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table)
    updates = {c: statement.excluded[c] for c in batch[0] if c not in keys}
    if updates:
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_=updates)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(statement, batch)
