"""Hosted functions (settings, code, resource policy) and their invocation logs."""

from __future__ import annotations

import builtins
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa

from roost.clock import from_millis, to_millis
from roost.functions.model import FunctionConfig, InvocationLog, Outcome, PolicyStatement
from roost.model import AccountRegion
from roost.store import schema
from roost.store.codec import dumps, loads
from roost.store.engine import WRITE_OPTION

functions_t = schema.functions
logs_t = schema.function_invocations

#: Invocation logs kept per function (older ones are dropped as new ones arrive).
LOGS_KEPT = 1000
PRUNE_EVERY = 50


def _config_to_json(config: FunctionConfig) -> str:
    raw = asdict(config)
    raw["last_modified"] = to_millis(config.last_modified)
    return dumps(raw)


def _config_from_json(text: str) -> FunctionConfig:
    raw = loads(text)
    raw["last_modified"] = from_millis(raw["last_modified"])
    return FunctionConfig(**raw)


def _policy_from_json(text: str) -> list[PolicyStatement]:
    return [PolicyStatement(**s) for s in loads(text)]


class FunctionStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._inserted: dict[tuple[str, str, str], int] = {}
        """Logs written per function by this process: every PRUNE_EVERY-th prunes that function's."""

    def _write(self) -> sa.Connection:
        return self._engine.connect().execution_options(**{WRITE_OPTION: True})

    @staticmethod
    def _key(source: AccountRegion, name: str) -> sa.ColumnElement[bool]:
        return sa.and_(
            functions_t.c.account_id == source.account_id,
            functions_t.c.region == source.region,
            functions_t.c.name == name,
        )

    def create(self, config: FunctionConfig, code: bytes) -> bool:
        """Store a new function; False (and nothing written) if one of that name exists."""
        source = AccountRegion(config.account_id, config.region)
        with self._write() as conn, conn.begin():
            if conn.execute(sa.select(functions_t.c.name).where(self._key(source, config.name))).first():
                return False
            conn.execute(
                functions_t.insert().values(
                    account_id=config.account_id,
                    region=config.region,
                    name=config.name,
                    document=_config_to_json(config),
                    code=code,
                    policy="[]",
                )
            )
        return True

    def update(self, config: FunctionConfig, code: bytes | None = None) -> None:
        """Replace a function's settings (and its code, when given)."""
        values: dict[str, Any] = {"document": _config_to_json(config)}
        if code is not None:
            values["code"] = code
        source = AccountRegion(config.account_id, config.region)
        with self._write() as conn, conn.begin():
            conn.execute(functions_t.update().where(self._key(source, config.name)).values(**values))

    def get(self, source: AccountRegion, name: str) -> FunctionConfig | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(functions_t.c.document).where(self._key(source, name))
            ).scalar_one_or_none()
        return None if row is None else _config_from_json(row)

    def code(self, source: AccountRegion, name: str) -> bytes | None:
        with self._engine.connect() as conn:
            found = conn.execute(
                sa.select(functions_t.c.code).where(self._key(source, name))
            ).scalar_one_or_none()
        return None if found is None else bytes(found)

    def list(self, source: AccountRegion | None = None) -> builtins.list[FunctionConfig]:
        query = sa.select(functions_t.c.document).order_by(
            functions_t.c.account_id, functions_t.c.region, functions_t.c.name
        )
        if source is not None:
            query = query.where(
                functions_t.c.account_id == source.account_id, functions_t.c.region == source.region
            )
        with self._engine.connect() as conn:
            return [_config_from_json(text) for text in conn.execute(query).scalars()]

    def delete(self, source: AccountRegion, name: str) -> bool:
        with self._write() as conn, conn.begin():
            gone = conn.execute(functions_t.delete().where(self._key(source, name))).rowcount
            conn.execute(
                logs_t.delete().where(
                    logs_t.c.account_id == source.account_id,
                    logs_t.c.region == source.region,
                    logs_t.c.function_name == name,
                )
            )
        return bool(gone)

    # --- resource policy ---------------------------------------------------------------------

    def policy(self, source: AccountRegion, name: str) -> builtins.list[PolicyStatement] | None:
        with self._engine.connect() as conn:
            text = conn.execute(
                sa.select(functions_t.c.policy).where(self._key(source, name))
            ).scalar_one_or_none()
        return None if text is None else _policy_from_json(text)

    def set_policy(
        self, source: AccountRegion, name: str, statements: builtins.list[PolicyStatement]
    ) -> None:
        with self._write() as conn, conn.begin():
            conn.execute(
                functions_t.update()
                .where(self._key(source, name))
                .values(policy=dumps([asdict(s) for s in statements]))
            )

    # --- invocation logs ---------------------------------------------------------------------

    def add_log(self, entry: InvocationLog) -> None:
        with self._write() as conn, conn.begin():
            conn.execute(
                logs_t.insert().values(
                    account_id=entry.account_id,
                    region=entry.region,
                    function_name=entry.function_name,
                    request_id=entry.request_id,
                    started=to_millis(entry.started),
                    duration_ms=entry.duration_ms,
                    outcome=entry.outcome.value,
                    error_type=entry.error_type,
                    error_message=entry.error_message,
                    trigger=entry.trigger,
                    log=entry.log,
                )
            )
            key = (entry.account_id, entry.region, entry.function_name)
            self._inserted[key] = self._inserted.get(key, 0) + 1
            if self._inserted[key] % PRUNE_EVERY == 0:  # now and then, drop what is past the bound
                mine = sa.and_(
                    logs_t.c.account_id == entry.account_id,
                    logs_t.c.region == entry.region,
                    logs_t.c.function_name == entry.function_name,
                )
                cutoff = conn.execute(
                    sa.select(logs_t.c.id).where(mine).order_by(logs_t.c.id.desc()).offset(LOGS_KEPT).limit(1)
                ).scalar_one_or_none()
                if cutoff is not None:
                    conn.execute(logs_t.delete().where(mine, logs_t.c.id <= cutoff))

    def logs(
        self, source: AccountRegion, name: str, *, limit: int = 20, request_id: str | None = None
    ) -> builtins.list[InvocationLog]:
        """The newest invocation logs of a function, newest first."""
        query = (
            sa.select(logs_t)
            .where(
                logs_t.c.account_id == source.account_id,
                logs_t.c.region == source.region,
                logs_t.c.function_name == name,
            )
            .order_by(logs_t.c.id.desc())
            .limit(limit)
        )
        if request_id is not None:
            query = query.where(logs_t.c.request_id == request_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            InvocationLog(
                account_id=r["account_id"],
                region=r["region"],
                function_name=r["function_name"],
                request_id=r["request_id"],
                started=from_millis(r["started"]),
                duration_ms=r["duration_ms"],
                outcome=Outcome(r["outcome"]),
                error_type=r["error_type"],
                error_message=r["error_message"],
                log=r["log"],
                trigger=r["trigger"],
            )
            for r in rows
        ]
