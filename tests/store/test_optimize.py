"""The planner's statistics are refreshed (roost does it at start and hourly)."""

from __future__ import annotations

import sqlalchemy as sa

from roost.store import Store


def test_optimize_gathers_statistics_on_both_engines(any_store: Store) -> None:
    any_store.optimize()
    any_store.optimize()  # again: the second time SQLite only refreshes what is stale
    with any_store.engine.connect() as conn:
        if any_store.engine.dialect.name == "sqlite":
            assert conn.execute(
                sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar_one()
        else:
            analyzed = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_user_tables"
                    " WHERE schemaname = current_schema() AND last_analyze IS NOT NULL"
                )
            ).scalar_one()
            assert analyzed > 0
