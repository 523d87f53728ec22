"""Versioned schema migrations: a list of numbered steps, applied in order, each once.

Each step runs in its own transaction together with its row in `schema_version`, under a lock
(PostgreSQL advisory lock; SQLite's write lock), so several processes opening one database at once
apply every step exactly once. Add a step by appending a function to MIGRATIONS; never edit one that
has shipped. (Step 1 creates the tables as schema.py first defined them; when a later step changes
a table, copy its original definition into step 1 so that step keeps creating the original shape.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from roost.errors import StoreError
from roost.store import schema
from roost.store.engine import WRITE_OPTION

_LOCK_KEY = 0x726F6F7374  # "roost"


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[sa.Connection], None]


def _initial(conn: sa.Connection) -> None:
    # The tables step 1 shipped with, by name: tables later steps add are theirs to create.
    tables = [
        schema.configuration_items,
        schema.resources,
        schema.configuration_recorders,
        schema.collection_errors,
        schema.type_collections,
        schema.recording_passes,
        schema.delivery_channels,
    ]
    schema.metadata.create_all(conn, tables=tables)


def _retention_and_tags(conn: sa.Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.retention_configurations, schema.resource_tags])


def _rules(conn: sa.Connection) -> None:
    schema.metadata.create_all(
        conn,
        tables=[
            schema.config_rules,
            schema.evaluation_results,
            schema.rule_evaluation_status,
            schema.roost_secrets,
        ],
    )


def _functions(conn: sa.Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.functions, schema.function_invocations])


def _remediation(conn: sa.Connection) -> None:
    schema.metadata.create_all(
        conn,
        tables=[
            schema.remediation_configurations,
            schema.remediation_exceptions,
            schema.remediation_executions,
        ],
    )


def _aggregators(conn: sa.Connection) -> None:
    schema.metadata.create_all(
        conn,
        tables=[
            schema.config_aggregators,
            schema.aggregation_authorizations,
            schema.dismissed_aggregation_requests,
        ],
    )


def _stored_queries(conn: sa.Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.stored_queries])


def _conformance_packs(conn: sa.Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.conformance_packs])


def _resource_properties(conn: sa.Connection) -> None:
    # The index of current configuration properties, filled from each resource's current item.
    from roost.store.properties import backfill

    schema.metadata.create_all(conn, tables=[schema.resource_properties])
    if conn.dialect.name == "postgresql":
        # Values of a path are not spread like values in general ('m5.xlarge' is a fifth of the
        # instance types, not one value in millions): without the joint statistics the planner
        # misjudges how many resources a property filter matches, and picks slow plans.
        conn.execute(
            sa.text(
                "CREATE STATISTICS resource_properties_path_value (mcv, dependencies) "
                "ON path, value_type, text_value FROM resource_properties"
            )
        )
    backfill(conn)


def _pack_leases(conn: sa.Connection) -> None:
    # Migration 8 creates the table from the current metadata, leases included: only older tables
    # need the columns.
    have = {c["name"] for c in sa.inspect(conn).get_columns("conformance_packs")}
    for name, kind in (("lease_owner", "VARCHAR(128)"), ("lease_until", "BIGINT")):
        if name not in have:
            conn.execute(sa.text(f"ALTER TABLE conformance_packs ADD COLUMN {name} {kind}"))


MIGRATIONS: list[Migration] = [
    Migration(1, "configuration items, resources, recorders, delivery channels", _initial),
    Migration(2, "retention configurations and tags on Config's own resources", _retention_and_tags),
    Migration(3, "config rules, evaluation results and rule evaluation status", _rules),
    Migration(4, "hosted functions and their invocation logs", _functions),
    Migration(5, "remediation configurations, exceptions and executions", _remediation),
    Migration(6, "configuration aggregators and aggregation authorizations", _aggregators),
    Migration(7, "stored queries (saved advanced queries)", _stored_queries),
    Migration(8, "conformance packs", _conformance_packs),
    Migration(9, "the index of current configuration properties", _resource_properties),
    Migration(10, "leases on conformance pack deployments", _pack_leases),
]


def current_version(conn: sa.Connection) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return int(
        conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(schema.schema_version.c.version), 0))
        ).scalar_one()
    )


def migrate(engine: sa.Engine) -> int:
    """Bring the database up to the newest schema; returns the version it is at."""
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin() as transaction:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        schema.schema_version.create(conn, checkfirst=True)
        version = current_version(conn)
        newest = MIGRATIONS[-1].version
        if version > newest:
            raise StoreError(f"the database is at schema version {version}, newer than this roost ({newest})")
        for migration in MIGRATIONS:
            if migration.version <= version:
                continue
            migration.apply(conn)
            conn.execute(
                schema.schema_version.insert().values(
                    version=migration.version,
                    description=migration.description,
                    applied_time=int(time.time() * 1000),
                )
            )
            version = migration.version
        transaction.commit()
    return version
