"""The store: every SQL statement roost runs. SQLite (default) and PostgreSQL through one interface.

store = Store.open("sqlite:///roost.db")      # or "postgresql://user@host/db"
store.items       configuration items and the current state of each resource
store.recorders   configuration recorders, their status, passes and collection errors
store.channels    delivery channels, their status and delivery cursors
store.retention   retention configurations (how long history is kept)
store.tags        tags on AWS Config's own resources (recorders, rules, ...)
store.functions   hosted functions (settings, code, resource policy) and their invocation logs
store.remediation remediation configurations, exceptions and executions (the audit record)
store.aggregators configuration aggregators, aggregation authorizations, dismissed requests
store.aggregates  reads over many sources at once (what aggregators show)
store.stored_queries  advanced queries saved by name (PutStoredQuery)
store.packs       conformance packs (their templates, states and the rules they deployed)
"""

from __future__ import annotations

import sqlalchemy as sa

from roost.store.aggregates import AggregateStore
from roost.store.aggregators import AggregatorStore
from roost.store.channels import ChannelStore
from roost.store.engine import create_engine
from roost.store.evaluations import EvaluationStore
from roost.store.functions import FunctionStore
from roost.store.items import ItemStore, NewItem
from roost.store.migrations import migrate
from roost.store.packs import PackStore
from roost.store.recorders import RecorderStore, RecordingPass
from roost.store.remediation import RemediationStore
from roost.store.retention import RetentionConfiguration, RetentionStore
from roost.store.rules import RuleStore
from roost.store.stored_queries import StoredQuery, StoredQueryStore
from roost.store.tags import TagStore

__all__ = [
    "AggregateStore",
    "AggregatorStore",
    "ChannelStore",
    "FunctionStore",
    "ItemStore",
    "NewItem",
    "PackStore",
    "RecorderStore",
    "RecordingPass",
    "RemediationStore",
    "RetentionConfiguration",
    "RetentionStore",
    "Store",
    "StoredQuery",
    "StoredQueryStore",
    "TagStore",
]


class Store:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.items = ItemStore(engine)
        self.recorders = RecorderStore(engine)
        self.channels = ChannelStore(engine)
        self.retention = RetentionStore(engine)
        self.tags = TagStore(engine)
        self.rules = RuleStore(engine)
        self.evaluations = EvaluationStore(engine)
        self.functions = FunctionStore(engine)
        self.remediation = RemediationStore(engine)
        self.aggregators = AggregatorStore(engine)
        self.aggregates = AggregateStore(engine)
        self.stored_queries = StoredQueryStore(engine)
        self.packs = PackStore(engine)

    @classmethod
    def open(cls, url: str) -> Store:
        """Open (creating if needed) the database at `url` and bring its schema up to date."""
        engine = create_engine(url)
        try:
            migrate(engine)
        except sa.exc.OperationalError as exc:
            engine.dispose()
            from roost.errors import StoreError

            raise StoreError(f"cannot open the store at {url}: {exc.orig}") from None
        return cls(engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def optimize(self) -> None:
        """Refresh the planner's statistics. Without them SQLite can pick a poor index for the history
        queries (as-of) and PostgreSQL plans badly after a bulk load; roost runs this at start and hourly."""
        from roost.store.engine import WRITE_OPTION

        with self.engine.connect().execution_options(**{WRITE_OPTION: True}) as conn:
            if self.engine.dialect.name == "sqlite":
                analyzed = conn.execute(
                    sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
                ).scalar_one()
                conn.execute(sa.text("PRAGMA optimize" if analyzed else "ANALYZE"))
            else:
                conn.execute(sa.text("ANALYZE"))
            conn.commit()

    def close(self) -> None:
        self.engine.dispose()
