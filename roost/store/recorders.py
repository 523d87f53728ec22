"""Configuration recorders, their status, recording passes and collection errors."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from roost.clock import from_millis, to_millis
from roost.formats import (
    recording_group_from_wire,
    recording_group_to_wire,
    recording_mode_from_wire,
    recording_mode_to_wire,
)
from roost.model import (
    AccountRegion,
    CollectionError,
    ConfigurationRecorder,
    RecorderLastStatus,
    RecorderStatus,
)
from roost.store import schema
from roost.store.codec import dumps, loads
from roost.store.engine import WRITE_OPTION
from roost.store.upsert import upsert

recorders_t = schema.configuration_recorders
errors_t = schema.collection_errors
passes_t = schema.recording_passes
types_t = schema.type_collections


def _ms(moment: datetime | None) -> int | None:
    return to_millis(moment) if moment is not None else None


def _dt(millis: int | None) -> datetime | None:
    return from_millis(millis) if millis is not None else None


@dataclass(frozen=True, slots=True)
class RecordingPass:
    id: int
    source: AccountRegion
    started_time: datetime
    finished_time: datetime | None
    resource_types: tuple[str, ...]
    items_written: int
    error_count: int


class RecorderStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _write(self) -> sa.Connection:
        return self._engine.connect().execution_options(**{WRITE_OPTION: True})

    # --- recorders -------------------------------------------------------------------------

    def put(self, recorder: ConfigurationRecorder) -> None:
        """Create or update a recorder's definition; its status (recording or not) is kept."""
        values = {
            "account_id": recorder.account_id,
            "region": recorder.region,
            "name": recorder.name,
            "role_arn": recorder.role_arn,
            "recording_group": dumps(recording_group_to_wire(recorder.recording_group)),
            "recording_mode": dumps(recording_mode_to_wire(recorder.recording_mode)),
        }
        with self._write() as conn, conn.begin():
            exists = conn.execute(
                sa.select(recorders_t.c.name).where(*self._filter(recorder.source, recorder.name))
            ).first()
            if exists:
                conn.execute(
                    recorders_t.update().where(*self._filter(recorder.source, recorder.name)).values(values)
                )
            else:
                conn.execute(
                    recorders_t.insert().values(
                        **values, recording=False, last_status=RecorderLastStatus.NOT_APPLICABLE.value
                    )
                )

    def get(self, source: AccountRegion, name: str | None = None) -> ConfigurationRecorder | None:
        found = self.list(source)
        for recorder in found:
            if name is None or recorder.name == name:
                return recorder
        return None

    def list(self, source: AccountRegion | None = None) -> builtins.list[ConfigurationRecorder]:
        query = recorders_t.select().order_by(
            recorders_t.c.account_id, recorders_t.c.region, recorders_t.c.name
        )
        if source is not None:
            query = query.where(
                recorders_t.c.account_id == source.account_id, recorders_t.c.region == source.region
            )
        with self._engine.connect() as conn:
            return [
                ConfigurationRecorder(
                    account_id=row.account_id,
                    region=row.region,
                    name=row.name,
                    role_arn=row.role_arn,
                    recording_group=recording_group_from_wire(loads(row.recording_group)),
                    recording_mode=recording_mode_from_wire(loads(row.recording_mode)),
                )
                for row in conn.execute(query)
            ]

    def delete(self, source: AccountRegion, name: str) -> bool:
        with self._write() as conn, conn.begin():
            result = conn.execute(recorders_t.delete().where(*self._filter(source, name)))
        return bool(result.rowcount)

    # --- status ----------------------------------------------------------------------------

    def status(self, source: AccountRegion, name: str) -> RecorderStatus | None:
        with self._engine.connect() as conn:
            row = conn.execute(recorders_t.select().where(*self._filter(source, name))).first()
        if row is None:
            return None
        return RecorderStatus(
            name=row.name,
            recording=bool(row.recording),
            last_status=RecorderLastStatus(row.last_status),
            last_start_time=_dt(row.last_start_time),
            last_stop_time=_dt(row.last_stop_time),
            last_status_change_time=_dt(row.last_status_change_time),
            last_error_code=row.last_error_code,
            last_error_message=row.last_error_message,
        )

    def set_recording(self, source: AccountRegion, name: str, *, recording: bool, now: datetime) -> None:
        values: dict[str, Any] = {"recording": recording}
        if recording:
            values |= {
                "last_start_time": to_millis(now),
                "last_status": RecorderLastStatus.PENDING.value,
                "last_status_change_time": to_millis(now),
            }
        else:
            values["last_stop_time"] = to_millis(now)
        with self._write() as conn, conn.begin():
            conn.execute(recorders_t.update().where(*self._filter(source, name)).values(values))

    def set_last_status(
        self,
        source: AccountRegion,
        name: str,
        status: RecorderLastStatus,
        *,
        now: datetime,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> None:
        current = self.status(source, name)
        if current is None:
            return
        changed = current.last_status != status
        if not changed and (current.last_error_code, current.last_error_message) == (
            error_code,
            error_message,
        ):
            return  # a pass that ends as the last one did writes nothing here
        updated = replace(
            current,
            last_status=status,
            last_status_change_time=now if changed else current.last_status_change_time,
            last_error_code=error_code,
            last_error_message=error_message,
        )
        with self._write() as conn, conn.begin():
            conn.execute(
                recorders_t.update()
                .where(*self._filter(source, name))
                .values(
                    last_status=updated.last_status.value,
                    last_status_change_time=_ms(updated.last_status_change_time),
                    last_error_code=updated.last_error_code,
                    last_error_message=updated.last_error_message,
                )
            )

    # --- collection errors -----------------------------------------------------------------

    def replace_errors(
        self, source: AccountRegion, resource_type: str, errors: Sequence[CollectionError]
    ) -> None:
        """The errors of the latest collection of a type replace those of the one before."""
        type_filter = (
            errors_t.c.account_id == source.account_id,
            errors_t.c.region == source.region,
            errors_t.c.resource_type == resource_type,
        )
        if not errors:
            # The usual case: nothing failed. Only write if a failure is still on record.
            with self._engine.connect() as conn:
                if (
                    conn.execute(sa.select(errors_t.c.resource_type).where(*type_filter).limit(1)).first()
                    is None
                ):
                    return
        with self._write() as conn, conn.begin():
            conn.execute(
                errors_t.delete().where(
                    errors_t.c.account_id == source.account_id,
                    errors_t.c.region == source.region,
                    errors_t.c.resource_type == resource_type,
                )
            )
            rows = {
                (e.resource_type, e.resource_id or ""): {
                    "account_id": source.account_id,
                    "region": source.region,
                    "resource_type": e.resource_type,
                    "resource_id": e.resource_id or "",
                    "error_code": e.error_code,
                    "error_message": e.error_message,
                    "time": to_millis(e.time),
                }
                for e in errors
            }
            if rows:
                conn.execute(errors_t.insert(), list(rows.values()))

    def errors(self, source: AccountRegion) -> builtins.list[CollectionError]:
        query = (
            errors_t.select()
            .where(errors_t.c.account_id == source.account_id, errors_t.c.region == source.region)
            .order_by(errors_t.c.resource_type, errors_t.c.resource_id)
        )
        with self._engine.connect() as conn:
            return [
                CollectionError(
                    resource_type=row.resource_type,
                    resource_id=row.resource_id or None,
                    error_code=row.error_code,
                    error_message=row.error_message,
                    time=from_millis(row.time),
                )
                for row in conn.execute(query)
            ]

    # --- passes and per-type collection times ----------------------------------------------

    def start_pass(self, source: AccountRegion, resource_types: Sequence[str], *, now: datetime) -> int:
        with self._write() as conn, conn.begin():
            result = conn.execute(
                passes_t.insert().values(
                    account_id=source.account_id,
                    region=source.region,
                    started_time=to_millis(now),
                    resource_types=dumps(list(resource_types)),
                    items_written=0,
                    error_count=0,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_pass(
        self, pass_id: int, *, now: datetime, items_written: int, error_count: int, keep: int = 100
    ) -> None:
        """Mark a pass finished; every `keep` passes, forget finished passes older than the last `keep`."""
        with self._write() as conn, conn.begin():
            conn.execute(
                passes_t.update()
                .where(passes_t.c.id == pass_id)
                .values(finished_time=to_millis(now), items_written=items_written, error_count=error_count)
            )
            if pass_id % keep == 0:
                row = conn.execute(
                    sa.select(passes_t.c.account_id, passes_t.c.region).where(passes_t.c.id == pass_id)
                ).one()
                conn.execute(
                    passes_t.delete().where(
                        passes_t.c.account_id == row.account_id,
                        passes_t.c.region == row.region,
                        passes_t.c.id <= pass_id - keep,
                        passes_t.c.finished_time.is_not(None),
                    )
                )

    def last_pass(self, source: AccountRegion) -> RecordingPass | None:
        query = (
            passes_t.select()
            .where(passes_t.c.account_id == source.account_id, passes_t.c.region == source.region)
            .order_by(passes_t.c.id.desc())
            .limit(1)
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return RecordingPass(
            id=int(row.id),
            source=source,
            started_time=from_millis(row.started_time),
            finished_time=_dt(row.finished_time),
            resource_types=tuple(loads(row.resource_types)),
            items_written=int(row.items_written),
            error_count=int(row.error_count),
        )

    def mark_collected(
        self, source: AccountRegion, resource_type: str, *, now: datetime, pass_id: int | None
    ) -> None:
        with self._write() as conn, conn.begin():
            upsert(
                conn,
                types_t,
                {
                    "account_id": source.account_id,
                    "region": source.region,
                    "resource_type": resource_type,
                    "last_collected_time": to_millis(now),
                    "pass_id": pass_id,
                },
                keys=("account_id", "region", "resource_type"),
            )

    def collections(self, source: AccountRegion) -> dict[str, tuple[datetime, int | None]]:
        """When each type was last collected in full, and in which pass."""
        query = types_t.select().where(
            types_t.c.account_id == source.account_id, types_t.c.region == source.region
        )
        with self._engine.connect() as conn:
            return {
                row.resource_type: (from_millis(row.last_collected_time), row.pass_id)
                for row in conn.execute(query)
            }

    @staticmethod
    def _filter(source: AccountRegion, name: str) -> builtins.list[sa.ColumnElement[bool]]:
        return [
            recorders_t.c.account_id == source.account_id,
            recorders_t.c.region == source.region,
            recorders_t.c.name == name,
        ]
