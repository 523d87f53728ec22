"""Store ingest alone: `store.items.append` in batches of 500, vs the raw driver doing the same writes.

Each run appends N synthetic security-group items (ResourceDiscovered, each of a new resource) to a
fresh database. roost's figure covers the whole `append` call: serialising the items (codec), and
per batch one write transaction that inserts the items and upserts the `resources` rows they move.
The raw figure does those same two statements per batch, in one transaction, straight through the
driver (sqlite3 / psycopg `executemany`), with the rows already serialised by roost's codec: same
table (created by roost's migration), same columns, same values, same file settings. The ratio
roost/raw is roost's throughput as a fraction of that floor; the codec figure shows how much of the
difference is serialisation.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.harness import Run, Stopwatch, benchmark, log, median
from roost.clock import to_millis
from roost.model import (
    AccountRegion,
    ChangeType,
    ConfigurationItem,
    ItemDiff,
    ItemStatus,
    Relationship,
    ResourceState,
)
from roost.recorder.collectors.ec2_security_group import permission
from roost.recorder.shape import tag_list
from roost.store import NewItem, Store, schema
from roost.store.codec import item_to_row

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = 500
SOURCE = AccountRegion("123456789012", "us-east-1")
SG_TYPE = "AWS::EC2::SecurityGroup"

ITEM_COLUMNS = [c.name for c in schema.configuration_items.columns if c.name != "id"]
RESOURCE_COLUMNS = [c.name for c in schema.resources.columns]
RESOURCE_KEYS = ("account_id", "region", "resource_type", "resource_id")


# --- synthetic items ---------------------------------------------------------------------------


def _raw_permission(index: int, rule: int) -> dict[str, Any]:
    """One ingress permission as EC2's API returns it (the collector shapes it like AWS Config)."""
    port = [443, 22, 5432, 8080, 6379, 3000][rule % 6]
    raw: dict[str, Any] = {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port + (10 if port == 8080 else 0),
        "IpRanges": [
            {"CidrIp": f"10.{index % 256}.{rule}.0/24", "Description": f"office network {rule}"},
            {"CidrIp": f"172.16.{(index + rule) % 256}.0/24"},
        ],
        "Ipv6Ranges": [],
        "PrefixListIds": [],
        "UserIdGroupPairs": [],
    }
    if rule % 3 == 2:
        raw["UserIdGroupPairs"] = [
            {"GroupId": f"sg-{(index + 7) % 100_000:017x}", "UserId": SOURCE.account_id}
        ]
    return raw


def synthetic_item(index: int, now: datetime) -> NewItem:
    """A security group item shaped like the collector's (about 1-2 KB of configuration JSON)."""
    group_id = f"sg-{index:017x}"
    vpc_id = f"vpc-{index % 20:017x}"
    name = f"service-{index}-sg"
    tags = {"Name": name, "team": f"team-{index % 12}", "env": ("prod", "staging", "dev")[index % 3]}
    ingress = [permission(_raw_permission(index, rule)) for rule in range(2 + index % 4)]
    egress = [permission({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": []})]
    configuration = {
        "description": f"Managed by terraform: ingress for service {index}",
        "groupName": name,
        "ipPermissions": ingress,
        "ownerId": SOURCE.account_id,
        "groupId": group_id,
        "ipPermissionsEgress": egress,
        "tags": tag_list(tags),
        "vpcId": vpc_id,
    }
    relationships = (
        Relationship(resource_type="AWS::EC2::VPC", name="Is contained in Vpc", resource_id=vpc_id),
    )
    state = ResourceState(
        resource_type=SG_TYPE,
        resource_id=group_id,
        resource_name=name,
        arn=f"arn:aws:ec2:{SOURCE.region}:{SOURCE.account_id}:security-group/{group_id}",
        tags=tags,
        relationships=relationships,
        configuration=configuration,
    )
    item = ConfigurationItem(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        resource_type=SG_TYPE,
        resource_id=group_id,
        capture_time=now,
        status=ItemStatus.RESOURCE_DISCOVERED,
        configuration_state_id=to_millis(now),
        aws_region=SOURCE.region,
        resource_name=name,
        arn=state.arn,
        tags=dict(tags),
        relationships=relationships,
        configuration=configuration,
        diff=ItemDiff(ChangeType.CREATE, {}),
    )
    return NewItem(item, state.content_hash())


def synthetic_items(count: int) -> list[NewItem]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [synthetic_item(i, start + timedelta(milliseconds=i)) for i in range(count)]


def resource_row(new: NewItem) -> dict[str, Any]:
    """The `resources` row an append moves (as ItemStore.append builds it)."""
    item = new.item
    return {
        "account_id": item.account_id,
        "region": item.region,
        "resource_type": item.resource_type,
        "resource_id": item.resource_id,
        "resource_name": item.resource_name,
        "status": item.status.value,
        "configuration_state_id": item.configuration_state_id,
        "content_hash": new.content_hash,
        "last_capture_time": to_millis(item.capture_time),
        "deletion_time": to_millis(item.capture_time) if item.status.is_deletion else None,
    }


RawBatch = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


def raw_batches(items: Sequence[NewItem]) -> list[RawBatch]:
    """The rows of each batch, serialised by roost's codec, as tuples in column order."""
    batches = []
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        item_rows = [item_to_row(n.item, n.content_hash) for n in chunk]
        resource_rows = [resource_row(n) for n in chunk]
        batches.append(
            (
                [tuple(r[c] for c in ITEM_COLUMNS) for r in item_rows],
                [tuple(r[c] for c in RESOURCE_COLUMNS) for r in resource_rows],
            )
        )
    return batches


def _sql(placeholder: str) -> tuple[str, str]:
    """The two statements of a batch, in the driver's placeholder style."""
    marks = ", ".join([placeholder] * len(ITEM_COLUMNS))
    insert = f"INSERT INTO configuration_items ({', '.join(ITEM_COLUMNS)}) VALUES ({marks})"
    marks = ", ".join([placeholder] * len(RESOURCE_COLUMNS))
    updates = ", ".join(f"{c} = excluded.{c}" for c in RESOURCE_COLUMNS if c not in RESOURCE_KEYS)
    upsert = (
        f"INSERT INTO resources ({', '.join(RESOURCE_COLUMNS)}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(RESOURCE_KEYS)}) DO UPDATE SET {updates}"
    )
    return insert, upsert


# --- one ingest each ---------------------------------------------------------------------------


def roost_ingest(store: Store, items: Sequence[NewItem]) -> float:
    with Stopwatch() as watch:
        for start in range(0, len(items), BATCH):
            store.items.append(items[start : start + BATCH])
    if store.items.count_items() != len(items):
        raise RuntimeError("roost's ingest did not store every item")
    return watch.seconds


def sqlite_raw_ingest(path: Path, batches: Sequence[RawBatch]) -> float:
    """sqlite3 executemany into a file set up as roost's engine sets it up (WAL, synchronous=FULL)."""
    insert, upsert = _sql("?")
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        with Stopwatch() as watch:
            for item_rows, resource_rows in batches:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(insert, item_rows)
                conn.executemany(upsert, resource_rows)
                conn.execute("COMMIT")
        stored = conn.execute("SELECT count(*) FROM configuration_items").fetchone()[0]
    finally:
        conn.close()
    if stored != sum(len(b[0]) for b in batches):
        raise RuntimeError("the raw sqlite3 ingest did not store every item")
    return watch.seconds


def postgres_raw_ingest(conninfo: str, schema_name: str, batches: Sequence[RawBatch]) -> float:
    """psycopg executemany (pipelined), one transaction per batch, into a schema made by roost."""
    import psycopg

    insert, upsert = _sql("%s")
    with psycopg.connect(conninfo, options=f"-csearch_path={schema_name}") as conn:
        with Stopwatch() as watch:
            for item_rows, resource_rows in batches:
                with conn.transaction(), conn.cursor() as cursor:
                    cursor.executemany(insert, item_rows)
                    cursor.executemany(upsert, resource_rows)
        with conn.cursor() as cursor:
            stored = cursor.execute("SELECT count(*) FROM configuration_items").fetchone()
    if stored is None or stored[0] != sum(len(b[0]) for b in batches):
        raise RuntimeError("the raw psycopg ingest did not store every item")
    return watch.seconds


# --- PostgreSQL throwaway schemas --------------------------------------------------------------


def _admin_engine() -> sa.Engine:
    return sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))


def postgres_version() -> str | None:
    """The server's version, or None when it is not reachable."""
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SHOW server_version")).scalar_one())
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema on the local PostgreSQL, dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine()
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
        yield name
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        engine.dispose()


def postgres_store_url(schema_name: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema_name}"


# --- the benchmark -----------------------------------------------------------------------------


def _rates(count: int, seconds: Sequence[float]) -> tuple[float, str]:
    rates = [count / s for s in seconds]
    spread = f"{len(rates)} runs, {min(rates):,.0f}-{max(rates):,.0f}" if len(rates) > 1 else "1 run"
    return count / median(seconds), spread


@benchmark("store", "store ingest alone: store.items.append in batches of 500 vs the raw driver")
def store_ingest(run: Run) -> None:
    count = run.size(full=50_000, quick=2_000)
    repeats = run.size(full=3, quick=1)
    log(f"  building {count:,} synthetic security-group items")
    items = synthetic_items(count)
    with Stopwatch() as codec:
        for new in items:
            item_to_row(new.item, new.content_hash)
            resource_row(new)
    batches = raw_batches(items)
    config_sizes = [len(row[ITEM_COLUMNS.index("configuration")]) for rows, _ in batches for row in rows]
    row_sizes = [sum(len(v) for v in row if isinstance(v, str)) for rows, _ in batches for row in rows]
    mean_config = sum(config_sizes) / len(config_sizes)
    mean_row = sum(row_sizes) / len(row_sizes)
    run.report(
        "item_size",
        mean_config,
        "bytes",
        f"mean configuration JSON ({min(config_sizes):,}-{max(config_sizes):,} B); "
        f"whole row's text {mean_row:,.0f} B",
    )
    run.report(
        "codec",
        count / codec.seconds,
        "items/s",
        "item_to_row + resources row, no database (the serialisation inside append)",
    )

    # SQLite: roost and raw alternate, each into a fresh file, so drift hits both alike.
    roost_times: list[float] = []
    raw_times: list[float] = []
    for attempt in range(repeats):
        path = run.db_dir / f"store-roost-{attempt}.db"
        store = Store.open(f"sqlite:///{path}")
        try:
            roost_times.append(roost_ingest(store, items))
        finally:
            store.close()
        path = run.db_dir / f"store-raw-{attempt}.db"
        Store.open(f"sqlite:///{path}").close()  # the same schema, made by roost's migration
        raw_times.append(sqlite_raw_ingest(path, batches))
        log(f"  sqlite run {attempt + 1}: roost {roost_times[-1]:.2f}s, raw {raw_times[-1]:.2f}s")
    roost_rate, roost_spread = _rates(count, roost_times)
    raw_rate, raw_spread = _rates(count, raw_times)
    what = f"{count:,} items, batches of {BATCH}, fresh file, WAL, synchronous=FULL"
    run.report("sqlite.roost", roost_rate, "items/s", f"{what}; median of {roost_spread}")
    run.report(
        "sqlite.raw", raw_rate, "items/s", f"sqlite3 executemany, same rows pre-serialised; {raw_spread}"
    )
    run.report("sqlite.ratio", roost_rate / raw_rate, "roost/raw", "items/s of roost over items/s of raw")

    version = postgres_version()
    if version is None:
        run.report("postgresql.roost", None, "items/s", f"skipped: {POSTGRES_URL} is not reachable")
        return
    run.facts["postgresql_version"] = version
    roost_times = []
    raw_times = []
    for attempt in range(repeats):
        with postgres_schema() as schema_name:
            store = Store.open(postgres_store_url(schema_name))
            try:
                roost_times.append(roost_ingest(store, items))
            finally:
                store.close()
        with postgres_schema() as schema_name:
            Store.open(postgres_store_url(schema_name)).close()
            raw_times.append(postgres_raw_ingest(POSTGRES_URL, schema_name, batches))
        log(f"  postgresql run {attempt + 1}: roost {roost_times[-1]:.2f}s, raw {raw_times[-1]:.2f}s")
    roost_rate, roost_spread = _rates(count, roost_times)
    raw_rate, raw_spread = _rates(count, raw_times)
    what = f"{count:,} items, batches of {BATCH}, fresh schema, PostgreSQL {version}"
    run.report("postgresql.roost", roost_rate, "items/s", f"{what}; median of {roost_spread}")
    run.report(
        "postgresql.raw", raw_rate, "items/s", f"psycopg executemany, same rows pre-serialised; {raw_spread}"
    )
    run.report("postgresql.ratio", roost_rate / raw_rate, "roost/raw", "items/s of roost over items/s of raw")
