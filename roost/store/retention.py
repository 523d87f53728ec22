"""Retention configurations: how many days of configuration history a source keeps.

AWS allows one per account and region, always named `default`; without one, history is kept for
AWS's default of 2557 days (7 years). Pruning itself is ItemStore.prune_history.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass

import sqlalchemy as sa

from roost.model import AccountRegion
from roost.store import schema
from roost.store.engine import WRITE_OPTION
from roost.store.upsert import upsert

retention_t = schema.retention_configurations

#: The only name AWS gives a retention configuration.
DEFAULT_NAME = "default"

#: History AWS keeps when no retention configuration exists (7 years).
DEFAULT_RETENTION_DAYS = 2557


@dataclass(frozen=True, slots=True)
class RetentionConfiguration:
    account_id: str
    region: str
    retention_period_in_days: int
    name: str = DEFAULT_NAME

    @property
    def source(self) -> AccountRegion:
        return AccountRegion(self.account_id, self.region)


class RetentionStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def put(self, source: AccountRegion, retention_period_in_days: int) -> RetentionConfiguration:
        """Create or update the source's configuration (named `default`)."""
        config = RetentionConfiguration(source.account_id, source.region, retention_period_in_days)
        row = {
            "account_id": config.account_id,
            "region": config.region,
            "name": config.name,
            "retention_period_in_days": config.retention_period_in_days,
        }
        with self._engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            upsert(conn, retention_t, row, keys=("account_id", "region", "name"))
        return config

    def get(self, source: AccountRegion, name: str = DEFAULT_NAME) -> RetentionConfiguration | None:
        found = [c for c in self.list(source) if c.name == name]
        return found[0] if found else None

    def list(self, source: AccountRegion | None = None) -> builtins.list[RetentionConfiguration]:
        """A source's configurations (at most one), or every source's when `source` is None."""
        query = retention_t.select().order_by(
            retention_t.c.account_id, retention_t.c.region, retention_t.c.name
        )
        if source is not None:
            query = query.where(
                retention_t.c.account_id == source.account_id, retention_t.c.region == source.region
            )
        with self._engine.connect() as conn:
            return [
                RetentionConfiguration(
                    account_id=row.account_id,
                    region=row.region,
                    name=row.name,
                    retention_period_in_days=int(row.retention_period_in_days),
                )
                for row in conn.execute(query)
            ]

    def delete(self, source: AccountRegion, name: str = DEFAULT_NAME) -> bool:
        """Delete a configuration; False when there was none by that name."""
        statement = retention_t.delete().where(
            retention_t.c.account_id == source.account_id,
            retention_t.c.region == source.region,
            retention_t.c.name == name,
        )
        with self._engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            result = conn.execute(statement)
        return bool(result.rowcount)

    def retention_days(self, source: AccountRegion) -> int:
        """Days of history the source keeps: its configuration's, or AWS's default."""
        config = self.get(source)
        return config.retention_period_in_days if config is not None else DEFAULT_RETENTION_DAYS
