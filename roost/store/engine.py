"""Opening a database by URL: SQLite (a file, WAL mode) or PostgreSQL, through one interface."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from roost.errors import StoreError

#: Execution option marking a connection whose transactions write (see _sqlite_begin).
WRITE_OPTION = "roost_write"


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 (the driver roost installs); SQLite needs nothing."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer. synchronous=FULL: a committed item survives even a
    # power loss, not only a killed process. busy_timeout: writers queue instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # Write transactions take the write lock up front (BEGIN IMMEDIATE): a deferred transaction
    # that later writes can fail with "database is locked" instead of waiting its turn.
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(url: str) -> sa.Engine:
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        raise StoreError(f"not a database URL: {url!r} (use sqlite:///PATH or postgresql://...)") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            path = Path(database).expanduser().resolve()
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                # The store holds bucket policies, IAM documents and function settings: owner-only.
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        engine = sa.create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=8,
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        try:
            return sa.create_engine(parsed, pool_size=8, max_overflow=8, pool_pre_ping=True)
        except NoSuchModuleError as exc:
            raise StoreError(f"no driver for {url!r}: {exc}") from None
    raise StoreError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")
