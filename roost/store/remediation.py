"""Remediation configurations, remediation exceptions and executions (with their audit records)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from roost.clock import from_millis, to_millis
from roost.model import AccountRegion
from roost.remediation.model import (
    CloudCall,
    Execution,
    ExecutionState,
    ExecutionStep,
    ParameterValue,
    RemediationConfiguration,
    RemediationException,
    StepState,
)
from roost.store import schema
from roost.store.codec import dumps, loads
from roost.store.engine import WRITE_OPTION
from roost.store.upsert import upsert

configs_t = schema.remediation_configurations
exceptions_t = schema.remediation_exceptions
executions_t = schema.remediation_executions

UNFINISHED = (ExecutionState.QUEUED.value, ExecutionState.IN_PROGRESS.value)


def _config_to_json(config: RemediationConfiguration) -> str:
    raw = asdict(config)
    raw["parameters"] = {
        name: {"resource_value": v.resource_value, "static_values": v.static_values}
        for name, v in config.parameters.items()
    }
    return dumps(raw)


def _config_from_json(text: str) -> RemediationConfiguration:
    raw = loads(text)
    raw["parameters"] = {
        name: ParameterValue(
            v.get("resource_value"), tuple(v["static_values"]) if v.get("static_values") is not None else None
        )
        for name, v in raw["parameters"].items()
    }
    return RemediationConfiguration(**raw)


def _millis(moment: datetime | None) -> int | None:
    return None if moment is None else to_millis(moment)


def _moment(millis: int | None) -> datetime | None:
    return None if millis is None else from_millis(millis)


def _execution_document(execution: Execution) -> str:
    return dumps(
        {
            "document": execution.document,
            "attempt": execution.attempt,
            "parameters": execution.parameters,
            "error_message": execution.error_message,
            "steps": [
                {
                    "name": s.name,
                    "state": s.state.value,
                    "error_message": s.error_message,
                    "start_time": _millis(s.start_time),
                    "stop_time": _millis(s.stop_time),
                }
                for s in execution.steps
            ],
            "calls": [asdict(c) for c in execution.calls],
        }
    )


def _execution_from_row(row: Any) -> Execution:
    raw = loads(row.document)
    return Execution(
        execution_id=row.execution_id,
        account_id=row.account_id,
        region=row.region,
        config_rule_name=row.rule_name,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        document=raw["document"],
        state=ExecutionState(row.state),
        invocation_time=from_millis(row.invocation_time),
        last_updated_time=from_millis(row.last_updated_time),
        automatic=bool(row.automatic),
        attempt=raw["attempt"],
        parameters=raw["parameters"],
        steps=tuple(
            ExecutionStep(
                s["name"],
                StepState(s["state"]),
                s["error_message"],
                _moment(s["start_time"]),
                _moment(s["stop_time"]),
            )
            for s in raw["steps"]
        ),
        calls=tuple(CloudCall(**c) for c in raw["calls"]),
        error_message=raw["error_message"],
        dry_run=bool(row.dry_run),
    )


class RemediationStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _write(self) -> sa.Connection:
        return self._engine.connect().execution_options(**{WRITE_OPTION: True})

    # --- configurations ----------------------------------------------------------------------

    def put_configuration(self, config: RemediationConfiguration) -> None:
        with self._write() as conn, conn.begin():
            upsert(
                conn,
                configs_t,
                {
                    "account_id": config.account_id,
                    "region": config.region,
                    "rule_name": config.config_rule_name,
                    "resource_type": config.resource_type or "",
                    "document": _config_to_json(config),
                },
                keys=["account_id", "region", "rule_name", "resource_type"],
            )

    def configurations(
        self, source: AccountRegion | None = None, rule_names: Sequence[str] | None = None
    ) -> builtins.list[RemediationConfiguration]:
        query = sa.select(configs_t.c.document).order_by(
            configs_t.c.account_id, configs_t.c.region, configs_t.c.rule_name, configs_t.c.resource_type
        )
        if source is not None:
            query = query.where(
                configs_t.c.account_id == source.account_id, configs_t.c.region == source.region
            )
        if rule_names is not None:
            query = query.where(configs_t.c.rule_name.in_(list(rule_names)))
        with self._engine.connect() as conn:
            return [_config_from_json(text) for text in conn.execute(query).scalars()]

    def delete_configuration(self, source: AccountRegion, rule_name: str, resource_type: str | None) -> bool:
        """Delete a rule's configuration (the one for `resource_type`, or, without one, all of them);
        False when there was none."""
        condition = sa.and_(
            configs_t.c.account_id == source.account_id,
            configs_t.c.region == source.region,
            configs_t.c.rule_name == rule_name,
        )
        if resource_type is not None:
            condition = sa.and_(condition, configs_t.c.resource_type == resource_type)
        with self._write() as conn, conn.begin():
            return bool(conn.execute(configs_t.delete().where(condition)).rowcount)

    # --- exceptions --------------------------------------------------------------------------

    def put_exceptions(self, exceptions: Sequence[RemediationException]) -> None:
        rows = [
            {
                "account_id": e.account_id,
                "region": e.region,
                "rule_name": e.config_rule_name,
                "resource_type": e.resource_type,
                "resource_id": e.resource_id,
                "message": e.message,
                "expiration_time": _millis(e.expiration_time),
            }
            for e in exceptions
        ]
        with self._write() as conn, conn.begin():
            upsert(
                conn,
                exceptions_t,
                rows,
                keys=["account_id", "region", "rule_name", "resource_type", "resource_id"],
            )

    def exceptions(
        self, source: AccountRegion, rule_name: str, *, now: datetime | None = None
    ) -> builtins.list[RemediationException]:
        """A rule's exceptions (those not expired at `now`, when given), by resource."""
        query = (
            sa.select(exceptions_t)
            .where(
                exceptions_t.c.account_id == source.account_id,
                exceptions_t.c.region == source.region,
                exceptions_t.c.rule_name == rule_name,
            )
            .order_by(exceptions_t.c.resource_type, exceptions_t.c.resource_id)
        )
        if now is not None:
            query = query.where(
                sa.or_(
                    exceptions_t.c.expiration_time.is_(None), exceptions_t.c.expiration_time > to_millis(now)
                )
            )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            RemediationException(
                r.account_id,
                r.region,
                r.rule_name,
                r.resource_type,
                r.resource_id,
                r.message,
                _moment(r.expiration_time),
            )
            for r in rows
        ]

    def delete_exceptions(
        self, source: AccountRegion, rule_name: str, keys: Sequence[tuple[str, str]]
    ) -> int:
        if not keys:
            return 0
        with self._write() as conn, conn.begin():
            gone = 0
            for resource_type, resource_id in keys:
                gone += conn.execute(
                    exceptions_t.delete().where(
                        exceptions_t.c.account_id == source.account_id,
                        exceptions_t.c.region == source.region,
                        exceptions_t.c.rule_name == rule_name,
                        exceptions_t.c.resource_type == resource_type,
                        exceptions_t.c.resource_id == resource_id,
                    )
                ).rowcount
        return gone

    def delete_expired_exceptions(self, now: datetime) -> int:
        with self._write() as conn, conn.begin():
            return int(
                conn.execute(
                    exceptions_t.delete().where(
                        exceptions_t.c.expiration_time.is_not(None),
                        exceptions_t.c.expiration_time <= to_millis(now),
                    )
                ).rowcount
            )

    # --- executions --------------------------------------------------------------------------

    def save_execution(self, execution: Execution) -> None:
        """Insert or replace an execution (its state, steps and calls so far)."""
        with self._write() as conn, conn.begin():
            upsert(
                conn,
                executions_t,
                {
                    "execution_id": execution.execution_id,
                    "account_id": execution.account_id,
                    "region": execution.region,
                    "rule_name": execution.config_rule_name,
                    "resource_type": execution.resource_type,
                    "resource_id": execution.resource_id,
                    "state": execution.state.value,
                    "automatic": execution.automatic,
                    "dry_run": execution.dry_run,
                    "invocation_time": to_millis(execution.invocation_time),
                    "last_updated_time": to_millis(execution.last_updated_time),
                    "document": _execution_document(execution),
                },
                keys=["execution_id"],
            )

    def replace_execution_if_unchanged(self, execution: Execution, *, last_updated: datetime) -> bool:
        """Write `execution` over the stored one only if that is still IN_PROGRESS and last updated
        at `last_updated` (nobody has written it since it was read); whether it was written."""
        with self._write() as conn, conn.begin():
            return bool(
                conn.execute(
                    executions_t.update()
                    .where(
                        executions_t.c.execution_id == execution.execution_id,
                        executions_t.c.state == ExecutionState.IN_PROGRESS.value,
                        executions_t.c.last_updated_time == to_millis(last_updated),
                    )
                    .values(
                        state=execution.state.value,
                        last_updated_time=to_millis(execution.last_updated_time),
                        document=_execution_document(execution),
                    )
                ).rowcount
            )

    def executions(
        self,
        source: AccountRegion,
        rule_name: str,
        *,
        resource: tuple[str, str] | None = None,
        include_dry_runs: bool = False,
        limit: int | None = None,
    ) -> builtins.list[Execution]:
        """A rule's executions, newest first."""
        query = (
            sa.select(executions_t)
            .where(
                executions_t.c.account_id == source.account_id,
                executions_t.c.region == source.region,
                executions_t.c.rule_name == rule_name,
            )
            .order_by(executions_t.c.invocation_time.desc(), executions_t.c.execution_id.desc())
        )
        if resource is not None:
            query = query.where(
                executions_t.c.resource_type == resource[0], executions_t.c.resource_id == resource[1]
            )
        if not include_dry_runs:
            query = query.where(executions_t.c.dry_run.is_(False))
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [_execution_from_row(r) for r in conn.execute(query).all()]

    def latest_executions(self, source: AccountRegion, rule_name: str) -> builtins.list[Execution]:
        """The newest (real) execution of each resource of a rule, by resource."""
        newest: dict[tuple[str, str], Execution] = {}
        for execution in self.executions(source, rule_name):
            newest.setdefault((execution.resource_type, execution.resource_id), execution)
        return sorted(newest.values(), key=lambda e: (e.resource_type, e.resource_id))

    def unfinished_executions(self) -> builtins.list[Execution]:
        """Executions queued or running (after a restart: those roost was doing when it stopped)."""
        query = (
            sa.select(executions_t)
            .where(executions_t.c.state.in_(UNFINISHED))
            .order_by(executions_t.c.invocation_time, executions_t.c.execution_id)
        )
        with self._engine.connect() as conn:
            return [_execution_from_row(r) for r in conn.execute(query).all()]

    def get_execution(self, execution_id: str) -> Execution | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(executions_t).where(executions_t.c.execution_id == execution_id)
            ).first()
        return None if row is None else _execution_from_row(row)
