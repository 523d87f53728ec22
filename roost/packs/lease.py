"""Leases on conformance pack deployments and deletions.

The process deploying or deleting a pack holds it: the pack's row names the process and the time
until which it holds it, and the process renews that time before each rule it creates, changes or
deletes. Another process takes the pack over (to finish or roll back the work) only once that time
has passed: the holder died. Within one process a pack being worked on is never taken over, however
long the work takes (the set of packs in flight here).

Times are the caller's clock plus the time the work has taken so far (monotonic), so that a frozen
clock in tests and a real one in `roost up` both give leases that move forward.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from roost.errors import ApiError
from roost.model import AccountRegion
from roost.store import Store

#: How long a pack stays held without renewal: far longer than any one rule's change takes.
LEASE = timedelta(minutes=10)
#: This process, as the holder of the packs it works on.
PROCESS = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

_in_flight: set[tuple[str, str, str]] = set()
_in_flight_lock = threading.Lock()


class LeaseLost(Exception):
    """Another process took the pack over (this one made no progress for LEASE): stop touching it."""


def in_use(name: str) -> ApiError:
    return ApiError(
        "ResourceInUseException",
        f"The conformance pack {name} is being deployed or deleted: retry once it is done.",
    )


def busy_here(source: AccountRegion, name: str) -> bool:
    with _in_flight_lock:
        return (source.account_id, source.region, name) in _in_flight


@contextmanager
def working_on(source: AccountRegion, name: str) -> Iterator[None]:
    """Mark the pack as being worked on in this process (ResourceInUse if it already is)."""
    key = (source.account_id, source.region, name)
    with _in_flight_lock:
        if key in _in_flight:
            raise in_use(name)
        _in_flight.add(key)
    try:
        yield
    finally:
        with _in_flight_lock:
            _in_flight.discard(key)


class Lease:
    """This process's hold on one pack, from `now` on."""

    def __init__(self, store: Store, source: AccountRegion, name: str, now: datetime) -> None:
        self.store = store
        self.source = source
        self.name = name
        self._now = now
        self._started = time.monotonic()

    def until(self) -> datetime:
        return self._now + timedelta(seconds=time.monotonic() - self._started) + LEASE

    def renew(self) -> None:
        """Hold the pack for LEASE more; LeaseLost if another process has taken it over."""
        if not self.store.packs.renew(self.source, self.name, owner=PROCESS, until=self.until()):
            raise LeaseLost(f"conformance pack {self.name}: another process took it over")
