"""Delivery channels, their status and their delivery cursors."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from roost.clock import from_millis, to_millis
from roost.model import (
    AccountRegion,
    DeliveryChannel,
    DeliveryChannelStatus,
    DeliveryFrequency,
    DeliveryInfo,
    DeliveryLastStatus,
)
from roost.store import schema
from roost.store.codec import dumps, loads
from roost.store.engine import WRITE_OPTION

channels_t = schema.delivery_channels


def _info_to_json(info: DeliveryInfo) -> dict[str, Any]:
    raw = asdict(info)
    raw["last_status"] = info.last_status.value
    for key, value in raw.items():
        if isinstance(value, datetime):
            raw[key] = to_millis(value)
    return raw


def _info_from_json(raw: dict[str, Any]) -> DeliveryInfo:
    values = dict(raw)
    values["last_status"] = DeliveryLastStatus(values["last_status"])
    for key in ("last_attempt_time", "last_successful_time", "next_delivery_time"):
        if values.get(key) is not None:
            values[key] = from_millis(values[key])
    return DeliveryInfo(**values)


def _status_to_json(status: DeliveryChannelStatus) -> str:
    return dumps(
        {
            "history": _info_to_json(status.config_history),
            "snapshot": _info_to_json(status.config_snapshot),
            "stream": _info_to_json(status.config_stream),
        }
    )


def _status_from_json(name: str, text: str) -> DeliveryChannelStatus:
    raw = loads(text)
    return DeliveryChannelStatus(
        name=name,
        config_history=_info_from_json(raw["history"]),
        config_snapshot=_info_from_json(raw["snapshot"]),
        config_stream=_info_from_json(raw["stream"]),
    )


class ChannelStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _write(self) -> sa.Connection:
        return self._engine.connect().execution_options(**{WRITE_OPTION: True})

    def put(self, channel: DeliveryChannel, *, start_cursor: int) -> None:
        """Create or update a channel. A new channel delivers items recorded after `start_cursor`."""
        values = {
            "s3_bucket_name": channel.s3_bucket_name,
            "s3_key_prefix": channel.s3_key_prefix,
            "s3_kms_key_arn": channel.s3_kms_key_arn,
            "sns_topic_arn": channel.sns_topic_arn,
            "delivery_frequency": channel.delivery_frequency.value,
        }
        where = self._filter(channel.source, channel.name)
        with self._write() as conn, conn.begin():
            if conn.execute(sa.select(channels_t.c.name).where(*where)).first():
                conn.execute(channels_t.update().where(*where).values(values))
            else:
                conn.execute(
                    channels_t.insert().values(
                        account_id=channel.account_id,
                        region=channel.region,
                        name=channel.name,
                        history_cursor=start_cursor,
                        stream_cursor=start_cursor,
                        history_file_seq=0,
                        status=_status_to_json(DeliveryChannelStatus(name=channel.name)),
                        **values,
                    )
                )

    def list(self, source: AccountRegion | None = None) -> builtins.list[DeliveryChannel]:
        query = channels_t.select().order_by(channels_t.c.account_id, channels_t.c.region, channels_t.c.name)
        if source is not None:
            query = query.where(
                channels_t.c.account_id == source.account_id, channels_t.c.region == source.region
            )
        with self._engine.connect() as conn:
            return [
                DeliveryChannel(
                    account_id=row.account_id,
                    region=row.region,
                    name=row.name,
                    s3_bucket_name=row.s3_bucket_name,
                    s3_key_prefix=row.s3_key_prefix,
                    s3_kms_key_arn=row.s3_kms_key_arn,
                    sns_topic_arn=row.sns_topic_arn,
                    delivery_frequency=DeliveryFrequency(row.delivery_frequency),
                )
                for row in conn.execute(query)
            ]

    def get(self, source: AccountRegion, name: str | None = None) -> DeliveryChannel | None:
        for channel in self.list(source):
            if name is None or channel.name == name:
                return channel
        return None

    def delete(self, source: AccountRegion, name: str) -> bool:
        with self._write() as conn, conn.begin():
            return bool(conn.execute(channels_t.delete().where(*self._filter(source, name))).rowcount)

    def status(self, source: AccountRegion, name: str) -> DeliveryChannelStatus | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(channels_t.c.status).where(*self._filter(source, name))).first()
        if row is None:
            return None
        return _status_from_json(name, row.status)

    def update_status(
        self,
        source: AccountRegion,
        name: str,
        change: Callable[[DeliveryChannelStatus], DeliveryChannelStatus],
    ) -> DeliveryChannelStatus | None:
        """Read, change and write a channel's status in one write transaction (None: no such channel).

        Writers of different parts of the status (history, snapshot, stream) never undo each other.
        """
        where = self._filter(source, name)
        with self._write() as conn, conn.begin():
            row = conn.execute(sa.select(channels_t.c.status).where(*where).with_for_update()).first()
            if row is None:
                return None
            current = _status_from_json(name, row.status)
            updated = change(current)
            if updated != current:
                conn.execute(channels_t.update().where(*where).values(status=_status_to_json(updated)))
        return updated

    def set_status(self, source: AccountRegion, status: DeliveryChannelStatus) -> None:
        with self._write() as conn, conn.begin():
            conn.execute(
                channels_t.update()
                .where(*self._filter(source, status.name))
                .values(status=_status_to_json(status))
            )

    def cursors(self, source: AccountRegion, name: str) -> tuple[int, int, int]:
        """(history cursor, stream cursor, last history file sequence number)."""
        query = sa.select(
            channels_t.c.history_cursor, channels_t.c.stream_cursor, channels_t.c.history_file_seq
        )
        with self._engine.connect() as conn:
            row = conn.execute(query.where(*self._filter(source, name))).first()
        if row is None:
            return (0, 0, 0)
        return (int(row.history_cursor), int(row.stream_cursor), int(row.history_file_seq))

    def advance(
        self,
        source: AccountRegion,
        name: str,
        *,
        history_cursor: int | None = None,
        stream_cursor: int | None = None,
        history_file_seq: int | None = None,
    ) -> None:
        values = {
            k: v
            for k, v in {
                "history_cursor": history_cursor,
                "stream_cursor": stream_cursor,
                "history_file_seq": history_file_seq,
            }.items()
            if v is not None
        }
        if not values:
            return
        with self._write() as conn, conn.begin():
            conn.execute(channels_t.update().where(*self._filter(source, name)).values(values))

    @staticmethod
    def _filter(source: AccountRegion, name: str) -> builtins.list[sa.ColumnElement[bool]]:
        return [
            channels_t.c.account_id == source.account_id,
            channels_t.c.region == source.region,
            channels_t.c.name == name,
        ]
