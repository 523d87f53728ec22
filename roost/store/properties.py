"""The index of current configuration properties (`resource_properties`), kept by ItemStore.append.

For each current resource (not deleted, not ResourceNotRecorded) the table holds one row per scalar
leaf of its `configuration` and `supplementaryConfiguration`, and three per tag (`tags.key`,
`tags.value`, `tags.tag`), the path written without array indices: `configuration.ipPermissions.
fromPort` for every element of `ipPermissions`. That is AWS's "any element matches" reading of a path
through arrays, so `WHERE configuration.ipPermissions.fromPort = 22` becomes an index lookup on
(path, value) instead of a walk through every resource's JSON (roost.query.compile).

The walk mirrors the JSON reading of roost.query.dialects exactly: a path crosses one array level
per segment (an array member gives its elements; nested arrays are not flattened further), and
only strings, numbers and booleans are leaves (null, objects and arrays are not values). Keys that
no query can name (characters outside [A-Za-z0-9_-:@$]) are left out.

Caps keep a pathological document from costing much: a string longer than MAX_TEXT characters, and
the leaves past MAX_LEAVES in one resource, are not stored (nor are values a column cannot hold: a
string with a NUL character, an integer beyond 64 bits); instead the path gets one marker row
(value_type 'p'), and a query on that path reads those resources' JSON as before. Strings that are
IP addresses or CIDR blocks are always stored (they are short), with their range (ip_lo, ip_hi), so
IP comparisons never need the JSON.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from roost.store import schema

MAX_TEXT = 512
MAX_LEAVES = 5000
_INT64 = (-(2**63), 2**63 - 1)
KEY_COLUMNS = ("account_id", "region", "resource_type", "resource_id")
CHUNK = 1000  # keys per statement (4 parameters each)

_SEGMENT = re.compile(r"^[A-Za-z0-9_\-:@$]+$")
_IP_CHARS = re.compile(r"^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$")

properties_t = schema.resource_properties

Leaf = tuple[str, str, str | None, int | float | None, tuple[str, str] | None]
"""(path, value_type, text, number, IP range)."""


# --- IP ranges ---------------------------------------------------------------------------------


def ip_range(text: str) -> tuple[str, str] | None:
    """The range of an IP address or CIDR block as two comparable strings, or None if it is neither.

    Each bound is the family (`4` or `6`) and the address as 32 hex digits, so ranges of one family
    order by address and never mix with the other family's. `10.0.0.0/24` -> (4...0a000000,
    4...0a0000ff); an address is a range of one. Host bits of a block are ignored (`10.0.0.1/24` is
    10.0.0.0-10.0.0.255), as EC2 itself would refuse or normalise them.
    """
    if len(text) > 49 or not _IP_CHARS.match(text) or ("." not in text and ":" not in text):
        return None
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    family = str(network.version)
    return (
        f"{family}{int(network.network_address):032x}",
        f"{family}{int(network.broadcast_address):032x}",
    )


# --- leaves ------------------------------------------------------------------------------------


def _typed(value: Any) -> tuple[str, str | None, int | float | None] | None:
    if isinstance(value, bool):
        return ("t" if value else "f"), None, None
    if isinstance(value, str):
        return "s", value, None
    if isinstance(value, int):
        return "n", None, value
    if isinstance(value, float):
        return ("n", None, value) if math.isfinite(value) else None
    if value is None or isinstance(value, (dict, list, tuple)):
        return None
    return "s", str(value), None  # what the codec's JSON encoder writes for other objects (default=str)


def _members(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(path, value) of each value reached below an object member, one array level unwrapped."""
    if isinstance(value, (list, tuple)):
        for element in value:
            yield from _visit(element, path)
    else:
        yield from _visit(value, path)


def _visit(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, member in value.items():
            if isinstance(key, str) and _SEGMENT.match(key):
                yield from _members(member, f"{path}.{key}")
    elif not isinstance(value, (list, tuple)):  # an array inside an array is no value (dialects.py)
        yield path, value


def leaves(configuration: Any, supplementary: Any, tags: Any) -> list[Leaf]:
    """Every indexed leaf of a resource, with marker rows for paths whose leaves were capped."""
    found: list[Leaf] = []
    partial: set[str] = set()

    def add(path: str, value: Any) -> None:
        typed = _typed(value)
        if typed is None:
            return
        kind, text, number = typed
        bounds = None if text is None else ip_range(text)
        unstorable = (text is not None and "\x00" in text) or (  # PostgreSQL text holds no NUL
            isinstance(number, int) and not _INT64[0] <= number <= _INT64[1]  # SQLite INTEGER is 64-bit
        )
        if unstorable or (
            bounds is None and (len(found) >= MAX_LEAVES or (text is not None and len(text) > MAX_TEXT))
        ):
            partial.add(path)
            return
        found.append((path, kind, text, number, bounds))

    for root, document in (("configuration", configuration), ("supplementaryConfiguration", supplementary)):
        if document is None:
            continue
        for element in document if isinstance(document, (list, tuple)) else [document]:
            for path, value in _visit(element, root):
                if path != root:
                    add(path, value)
    if isinstance(tags, Mapping):
        for key, value in tags.items():
            text = value if isinstance(value, str) else str(value)
            add("tags.key", str(key))
            add("tags.value", text)
            add("tags.tag", f"{key}={text}")
    found.extend((path, "p", None, None, None) for path in sorted(partial))
    return found


ROW_COLUMNS = (*KEY_COLUMNS, "seq", "path", "value_type", "text_value", "number_value", "ip_lo", "ip_hi")


def property_rows(key: Mapping[Any, Any], found: Sequence[Leaf]) -> list[tuple[Any, ...]]:
    """The table rows of one resource's leaves, as tuples in ROW_COLUMNS order."""
    head = tuple(key[name] for name in KEY_COLUMNS)
    return [
        (*head, seq, path, kind, text, number, *(bounds or (None, None)))
        for seq, (path, kind, text, number, bounds) in enumerate(found)
    ]


# --- writing -----------------------------------------------------------------------------------


@functools.cache
def _compiled_insert(dialect: sa.Dialect) -> tuple[str, tuple[str, ...] | None]:
    compiled = (
        properties_t.insert()
        .values({name: sa.bindparam(name) for name in ROW_COLUMNS})
        .compile(dialect=dialect)
    )
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return str(compiled), order


def insert_rows(conn: sa.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    # The recorder's hot path. PostgreSQL: COPY, in the transaction (an executemany sends the rows
    # one by one: a resource has tens of leaves); SQLite: one executemany of plain tuples.
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY resource_properties ({', '.join(ROW_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql, order = _compiled_insert(conn.dialect)
    if order is not None:
        index = [ROW_COLUMNS.index(name) for name in order]
        conn.exec_driver_sql(sql, [tuple(row[i] for i in index) for row in rows])
    else:
        conn.exec_driver_sql(sql, [dict(zip(ROW_COLUMNS, row, strict=True)) for row in rows])


def _by_type(keys: Sequence[tuple[str, str, str, str]]) -> Iterator[tuple[tuple[str, str, str], list[str]]]:
    """The keys grouped by (account, region, type), ids in chunks: `resource_id IN (...)` under three
    equalities is a primary-key lookup on both engines (a list of row values made PostgreSQL pick
    the wrong index and read every resource of the type per key)."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for account, region, resource_type, resource_id in keys:
        groups.setdefault((account, region, resource_type), []).append(resource_id)
    for head, ids in groups.items():
        for start in range(0, len(ids), CHUNK):
            yield head, ids[start : start + CHUNK]


def _where_keys(table: sa.Table, head: tuple[str, str, str], ids: list[str]) -> list[sa.ColumnElement[bool]]:
    return [
        table.c.account_id == head[0],
        table.c.region == head[1],
        table.c.resource_type == head[2],
        table.c.resource_id.in_(ids),
    ]


def current_state_ids(
    conn: sa.Connection, keys: Sequence[tuple[str, str, str, str]]
) -> dict[tuple[str, ...], int]:
    """The configuration_state_id `resources` points at now, for each key that has a row."""
    resources = schema.resources
    found: dict[tuple[str, ...], int] = {}
    for head, ids in _by_type(keys):
        query = sa.select(resources.c.resource_id, resources.c.configuration_state_id).where(
            *_where_keys(resources, head, ids)
        )
        for resource_id, state in conn.execute(query):
            found[(*head, resource_id)] = int(state)
    return found


def replace_properties(
    conn: sa.Connection, keys: Sequence[tuple[str, str, str, str]], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Drop the rows of the resources `keys` and insert `rows` (their new leaves), in `conn`'s transaction."""
    for head, ids in _by_type(keys):
        conn.execute(properties_t.delete().where(*_where_keys(properties_t, head, ids)))
    insert_rows(conn, rows)


def backfill(conn: sa.Connection, *, batch_size: int = 1000) -> int:
    """Index every current resource from its current item (migration 9); how many resources.

    One pass over the current items, streamed (a server-side cursor on PostgreSQL), the rows
    written in batches of `batch_size` resources, all in the migration's transaction.
    """
    from roost.store.codec import loads

    items = schema.configuration_items
    resources = schema.resources
    query = (
        sa.select(
            *(resources.c[name] for name in KEY_COLUMNS),
            items.c.configuration,
            items.c.supplementary_configuration,
            items.c.tags,
        )
        .join(
            items,
            sa.and_(
                *(items.c[name] == resources.c[name] for name in KEY_COLUMNS),
                items.c.configuration_state_id == resources.c.configuration_state_id,
            ),
        )
        .where(resources.c.deletion_time.is_(None), resources.c.status != "ResourceNotRecorded")
    )
    done = 0
    # Per statement: Connection.execution_options would switch the whole connection to streaming.
    result = conn.execute(query, execution_options={"stream_results": True, "yield_per": batch_size})
    for batch in result.partitions(batch_size):
        rows: list[tuple[Any, ...]] = []
        for row in batch:
            mapping = row._mapping
            found = leaves(
                loads(mapping["configuration"]),
                loads(mapping["supplementary_configuration"]),
                loads(mapping["tags"]),
            )
            rows.extend(property_rows(mapping, found))
        insert_rows(conn, rows)
        done += len(batch)
    return done
