"""Time comes from a Clock, so tests can hand in a frozen one. Nothing else calls datetime.now()."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to (for tests and benchmarks)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware datetime")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta


def to_millis(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def from_millis(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def whole_millis(moment: datetime) -> datetime:
    """A time as the store keeps it (rounded to the millisecond, as `to_millis` rounds): what a Put
    answers then equals what a later Describe reads back."""
    return from_millis(to_millis(moment))


def iso_millis(moment: datetime) -> str:
    """AWS's record-format time: ISO-8601 UTC with milliseconds (`2026-11-29T11:13:54.123Z`).

    Rounded as `to_millis` rounds, so a time written out and the time stored are the same millisecond
    (a custom rule passes an item's capture time back as GetResourceConfigHistory's laterTime)."""
    moment = whole_millis(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
