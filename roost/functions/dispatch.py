"""FairQueue: asynchronous invocations, taken in turns between functions.

A few threads run the queued work; they go round the functions that have work waiting and run at
most `per_function` of one function at a time. One slow function (a rule whose function takes its
whole Timeout, over hundreds of resources) never holds up the others: their invocations still get
their turn. Work still queued when the queue closes is handed to its `cancel` callback, so whoever
waited for it learns that it never ran.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Work:
    run: Callable[[], None]
    cancel: Callable[[], None]


class FairQueue:
    def __init__(self, *, threads: int, per_function: int, name: str = "roost-invoke") -> None:
        self.per_function = max(1, per_function)
        self._waiting: dict[str, deque[_Work]] = {}
        self._turns: deque[str] = deque()
        self._running: Counter[str] = Counter()
        self._condition = threading.Condition()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._serve, name=f"{name}-{n}", daemon=True)
            for n in range(max(1, threads))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, key: str, run: Callable[[], None], cancel: Callable[[], None]) -> None:
        with self._condition:
            if self._closed:
                raise RuntimeError("the invocation queue is closed")
            if key not in self._waiting:
                self._waiting[key] = deque()
                self._turns.append(key)
            self._waiting[key].append(_Work(run, cancel))
            self._condition.notify()

    def pending(self) -> int:
        with self._condition:
            return sum(len(q) for q in self._waiting.values()) + sum(self._running.values())

    def _take(self) -> tuple[str, _Work] | None:
        """The next work in turn whose function is under its cap (None when closed); waits for one."""
        with self._condition:
            while True:
                if self._closed:
                    return None
                for _ in range(len(self._turns)):
                    key = self._turns[0]
                    self._turns.rotate(-1)
                    if self._running[key] < self.per_function:
                        work = self._waiting[key].popleft()
                        if not self._waiting[key]:
                            del self._waiting[key]
                            self._turns.remove(key)
                        self._running[key] += 1
                        return key, work
                self._condition.wait()

    def _serve(self) -> None:
        while True:
            taken = self._take()
            if taken is None:
                return
            key, work = taken
            try:
                work.run()
            except Exception:
                log.exception("queued invocation of %s failed", key)
            finally:
                with self._condition:
                    self._running[key] -= 1
                    if not self._running[key]:
                        del self._running[key]
                    self._condition.notify_all()

    def close(self) -> None:
        """Stop taking work; what is still queued is cancelled (its `cancel` is called)."""
        with self._condition:
            self._closed = True
            left = [w for queue in self._waiting.values() for w in queue]
            self._waiting.clear()
            self._turns.clear()
            self._condition.notify_all()
        for work in left:
            try:
                work.cancel()
            except Exception:
                log.exception("cancelling a queued invocation failed")
