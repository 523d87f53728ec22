"""Advanced query latency over 1,000,000 configuration items (`--quick`: 50,000).

Synthetic data (no sandbox), one source (123456789012, us-east-1): 800,000 resources of 10 types
(`--quick`: 40,000) recorded at T0, then every fourth of them changed at T1 = T0 + 1 hour (another
200,000 items: 1,000,000 items in all). Each item has a name, a tag `team`, and a configuration
`{instanceType, state: {name}, size, securityGroups: [{groupId}, ...]}`; the change at T1 moves
`instanceType` to another value. Loaded through the store's own write path, `store.items.append`
in batches of 1,000 (one configuration item and the `resources` row each), as bench_aggregates does.

Measured with `roost.query.run.run_query` (what SelectResourceConfig and `roost query` run), each
the median of several runs after one warm-up, on SQLite (a fresh file) and PostgreSQL (a throwaway
schema, dropped afterwards):

* `type_filter`: `SELECT resourceId, resourceName WHERE resourceType = 'AWS::EC2::Instance'`, the
  first page of 100 rows.
* `property_filter`: `... WHERE configuration.instanceType = 'm5.xlarge'`, a property of the stored
  JSON (any type), first page of 100.
* `type_and_property_filter`: the two together (one type's resources, then the JSON test).
* `array_filter`: `... WHERE configuration.securityGroups.groupId = 'sg-00000007'` (a path through an
  array: any element matches), first page of 100.
* `group_by_count`: `SELECT resourceType, COUNT(*) GROUP BY resourceType` over every current item.
* `group_by_property`: `SELECT configuration.instanceType, COUNT(*) WHERE resourceType =
  'AWS::EC2::Instance' GROUP BY configuration.instanceType`.
* `as_of.type_filter` and `as_of.group_by_property`: the same queries as of T0 + 30 minutes (each
  resource's newest item at or before that moment, the changes of T1 not yet made).

Every answer is checked (row counts, grouped totals, the as-of state) before its figure counts.
Each query runs under a budget (BUDGET_SECONDS per statement: SQLite's progress handler interrupts
it, PostgreSQL's statement_timeout cancels it); a query over budget is reported as `-` with a note,
and the benchmark goes on.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench.bench_store import POSTGRES_URL, postgres_schema, postgres_store_url, postgres_version
from bench.harness import Run, Stopwatch, benchmark, log, median
from roost.clock import to_millis
from roost.model import AccountRegion, ConfigurationItem, ItemStatus
from roost.store import NewItem, Store, schema

SOURCE = AccountRegion("123456789012", "us-east-1")
TYPES = (
    "AWS::EC2::Instance",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::Volume",
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::S3::Bucket",
    "AWS::IAM::Role",
    "AWS::IAM::User",
    "AWS::RDS::DBInstance",
    "AWS::Lambda::Function",
)
INSTANCE_TYPES = ("t2.micro", "t3.large", "m5.xlarge", "c5.2xlarge", "r6g.medium")
ITEM_BATCH = 1_000
PAGE = 100
T0 = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
AS_OF = T0 + timedelta(minutes=30)
BUDGET_SECONDS = 30

TYPE_FILTER = "SELECT resourceId, resourceName WHERE resourceType = 'AWS::EC2::Instance'"
PROPERTY_FILTER = (
    "SELECT resourceId, configuration.instanceType WHERE configuration.instanceType = 'm5.xlarge'"
)
TYPE_AND_PROPERTY_FILTER = (
    "SELECT resourceId, configuration.instanceType "
    "WHERE resourceType = 'AWS::EC2::Instance' AND configuration.instanceType = 'm5.xlarge'"
)
ARRAY_FILTER = "SELECT resourceId WHERE configuration.securityGroups.groupId = 'sg-00000007'"
GROUP_BY_COUNT = "SELECT resourceType, COUNT(*) GROUP BY resourceType"
GROUP_BY_PROPERTY = (
    "SELECT configuration.instanceType, COUNT(*) WHERE resourceType = 'AWS::EC2::Instance' "
    "GROUP BY configuration.instanceType"
)


def _instance_type(index: int, *, changed: bool) -> str:
    # By index // 10, so that each resource type (index % 10) has every instance type.
    return INSTANCE_TYPES[(index // len(TYPES) + (1 if changed else 0)) % len(INSTANCE_TYPES)]


def _item(index: int, when: datetime, *, changed: bool) -> NewItem:
    resource_type = TYPES[index % len(TYPES)]
    resource_id = f"r-{index:08d}"
    item = ConfigurationItem(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        resource_type=resource_type,
        resource_id=resource_id,
        capture_time=when,
        status=ItemStatus.OK if changed else ItemStatus.RESOURCE_DISCOVERED,
        configuration_state_id=to_millis(when),
        aws_region=SOURCE.region,
        resource_name=f"name-{index:08d}",
        arn=f"arn:aws:bench:{SOURCE.region}:{SOURCE.account_id}:{resource_id}",
        tags={"team": f"team-{index % 12}"},
        configuration={
            "instanceType": _instance_type(index, changed=changed),
            "state": {"name": "running" if index % 3 else "stopped"},
            "size": index % 100,
            "securityGroups": [{"groupId": f"sg-{(index + k) % 1000:08d}"} for k in range(2)],
        },
    )
    return NewItem(item, item.state().content_hash())


class Shape:
    def __init__(self, items: int, runs: int) -> None:
        self.resources = items * 4 // 5
        self.changed = range(0, self.resources, 4)
        self.items = self.resources + len(self.changed)
        self.runs = runs

    def describe(self) -> str:
        return f"{self.items:,} items ({self.resources:,} resources, {len(self.changed):,} changed once)"


def load(store: Store, shape: Shape) -> dict[str, float]:
    """Write the synthetic history; returns the seconds of each pass."""
    seconds: dict[str, float] = {}
    passes: list[tuple[str, Sequence[int], datetime, bool]] = [
        ("first_pass", range(shape.resources), T0, False),
        ("changes", shape.changed, T1, True),
    ]
    for name, indexes, start, changed in passes:
        with Stopwatch() as watch:
            batch: list[NewItem] = []
            for n, index in enumerate(indexes):
                batch.append(_item(index, start + timedelta(microseconds=n * 10), changed=changed))
                if len(batch) == ITEM_BATCH:
                    store.items.append(batch)
                    batch = []
            store.items.append(batch)
        seconds[name] = watch.seconds
    return seconds


def count_items(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(schema.configuration_items)).scalar_one()
        )


# --- expected answers ----------------------------------------------------------------------------


def _expected_instance_types(shape: Shape, *, as_of: bool) -> dict[str, int]:
    changed = set(shape.changed)
    counts: dict[str, int] = {}
    for index in range(0, shape.resources, len(TYPES)):  # AWS::EC2::Instance is every 10th
        name = _instance_type(index, changed=not as_of and index in changed)
        counts[name] = counts.get(name, 0) + 1
    return counts


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise RuntimeError(f"wrong answer: {what}")


# --- measuring -----------------------------------------------------------------------------------


class OverBudget(Exception):
    pass


class Budget:
    """A time limit for each statement on a store's connections: SQLite's progress handler interrupts
    a statement past the deadline (set by `start` before each call), PostgreSQL's statement_timeout
    cancels it."""

    def __init__(self, store: Store, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = float("inf")
        sa.event.listen(store.engine, "connect", self._on_connect)
        store.engine.dispose()  # pooled connections reconnect with the budget

    def start(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.set_progress_handler(lambda: int(time.monotonic() > self.deadline), 10_000)
        else:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {int(self.seconds * 1000)}")
            dbapi_connection.commit()


def timed(call: Callable[[], Any], runs: int, budget: Budget) -> tuple[list[float], Any]:
    """Seconds of `runs` calls (after one untimed warm-up call), and the last answer.

    OverBudget when a call is stopped by the budget.
    """
    times: list[float] = []
    answer: Any = None
    for attempt in range(runs + 1):
        budget.start()
        try:
            with Stopwatch() as watch:
                answer = call()
        except sa.exc.OperationalError as exc:  # sqlite3 "interrupted", psycopg QueryCanceled
            raise OverBudget(str(exc.orig).splitlines()[0]) from None
        finally:
            budget.deadline = float("inf")
        if attempt:
            times.append(watch.seconds)
    return times, answer


def report_ms(run: Run, name: str, times: Sequence[float], notes: str) -> None:
    spread = f"median of {len(times)}, {min(times) * 1000:.1f}-{max(times) * 1000:.1f} ms"
    run.report(name, median(times) * 1000, "ms", f"{notes}; {spread}")


def measure(run: Run, backend: str, store: Store, shape: Shape) -> None:
    from roost.query.run import run_query

    log(f"  {backend}: loading {shape.describe()}")
    seconds = load(store, shape)
    # Fresh statistics (ANALYZE). PostgreSQL's autovacuum gathers them in a while; without them
    # its planner takes the bulk-loaded tables for empty ones and picks nested loops (the queries
    # then take seconds at 50,000 items). SQLite keeps none unless asked: without them it probes
    # the as-of query's "newer item" subquery with ix_items_source_capture, quadratic (over the
    # budget at 40,000 resources). roost itself runs no ANALYZE yet (see the issue note).
    with Stopwatch() as watch, store.engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
        conn.commit()
    seconds["analyze"] = watch.seconds
    items = count_items(store)
    _check(items == shape.items, f"{items} items stored, expected {shape.items}")
    run.report(
        f"{backend}.load",
        sum(seconds.values()),
        "s",
        ", ".join(f"{part} {s:.1f}s" for part, s in seconds.items())
        + f"; {items:,} items, {items / sum(seconds.values()):,.0f} items/s",
    )
    budget = Budget(store, BUDGET_SECONDS)

    instances = len(range(0, shape.resources, len(TYPES)))
    now_types = _expected_instance_types(shape, as_of=False)
    then_types = _expected_instance_types(shape, as_of=True)
    m5 = now_types.get("m5.xlarge", 0)
    array_matches = sum(1 for i in range(shape.resources) if 7 in (i % 1000, (i + 1) % 1000))

    def full_page(rows: list[dict[str, Any]]) -> bool:
        return len(rows) == PAGE

    def grouped(rows: list[dict[str, Any]]) -> dict[str, int]:
        return {r["configuration"]["instanceType"]: r["COUNT(*)"] for r in rows}

    cases: list[tuple[str, str, datetime | None, int | None, Callable[[list[dict[str, Any]]], bool], str]] = [
        ("type_filter", TYPE_FILTER, None, PAGE, full_page, f"resourceType = Instance ({instances:,} match)"),
        (
            "property_filter",
            PROPERTY_FILTER,
            None,
            PAGE,
            lambda rows: (
                full_page(rows) and all(r["configuration"]["instanceType"] == "m5.xlarge" for r in rows)
            ),
            f"configuration.instanceType ({shape.resources // len(INSTANCE_TYPES):,} match)",
        ),
        (
            "type_and_property_filter",
            TYPE_AND_PROPERTY_FILTER,
            None,
            PAGE,
            lambda rows: len(rows) == min(PAGE, m5),
            f"resourceType AND configuration.instanceType ({m5:,} match)",
        ),
        (
            "array_filter",
            ARRAY_FILTER,
            None,
            PAGE,
            lambda rows: len(rows) == min(PAGE, array_matches),
            f"configuration.securityGroups.groupId, through an array ({array_matches:,} match)",
        ),
        (
            "group_by_count",
            GROUP_BY_COUNT,
            None,
            None,
            lambda rows: len(rows) == len(TYPES) and sum(r["COUNT(*)"] for r in rows) == shape.resources,
            f"{len(TYPES)} types, {shape.resources:,} resources counted",
        ),
        (
            "group_by_property",
            GROUP_BY_PROPERTY,
            None,
            None,
            lambda rows: grouped(rows) == now_types,
            f"{len(now_types)} groups of {instances:,} instances",
        ),
        (
            "as_of.type_filter",
            TYPE_FILTER,
            AS_OF,
            PAGE,
            full_page,
            "as of T0+30min, resourceType = Instance",
        ),
        (
            "as_of.group_by_property",
            GROUP_BY_PROPERTY,
            AS_OF,
            None,
            lambda rows: grouped(rows) == then_types,
            f"as of T0+30min (before the changes): {len(then_types)} groups of {instances:,} instances",
        ),
    ]
    for name, expression, as_of, limit, correct, notes in cases:

        def call(
            expression: str = expression, as_of: datetime | None = as_of, limit: int | None = limit
        ) -> Any:
            return run_query(store, [SOURCE], expression, limit=limit, next_token=None, as_of=as_of)

        try:
            times, answer = timed(call, shape.runs, budget)
        except OverBudget as exc:
            run.report(
                f"{backend}.{name}", None, "ms", f"{notes}; over the budget of {BUDGET_SECONDS} s ({exc})"
            )
            continue
        _check(correct(answer.rows), f"{backend}.{name}: {answer.rows[:5]}")
        page = f", page of {limit}" if limit else ""
        report_ms(run, f"{backend}.{name}", times, f"{notes}{page}")


@contextmanager
def sqlite_store(run: Run) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{run.db_dir / 'query.db'}")
    try:
        yield store
    finally:
        store.close()


@contextmanager
def postgres_store() -> Iterator[Store]:
    with postgres_schema() as schema_name:
        store = Store.open(postgres_store_url(schema_name))
        try:
            yield store
        finally:
            store.close()


@benchmark("query", "advanced query latency over 1,000,000 configuration items (filters, GROUP BY, as-of)")
def query(run: Run) -> None:
    shape = Shape(items=50_000, runs=3) if run.quick else Shape(items=1_000_000, runs=5)
    with sqlite_store(run) as store:
        measure(run, "sqlite", store, shape)
    version = postgres_version()
    if version is None:
        run.report("postgresql", None, "ms", f"skipped: {POSTGRES_URL} is not reachable")
        return
    run.facts["postgresql_version"] = version
    with postgres_store() as store:
        measure(run, "postgresql", store, shape)
