"""Batch: the executions of one start, run under its configuration's ExecutionControls."""

from __future__ import annotations

import threading

from roost.remediation.model import Execution


class Batch:
    """The executions of one StartRemediationExecution (or one automatic start), run under its controls."""

    def __init__(self, executions: list[Execution], concurrency: int, allowed_failures: int) -> None:
        self._waiting = executions
        self.total = len(executions)
        self.concurrency = concurrency
        self.allowed_failures = allowed_failures
        self.failures = 0
        self._lock = threading.Lock()

    @property
    def stopped(self) -> bool:
        return self.total > 1 and self.failures > self.allowed_failures

    def next(self) -> Execution | None:
        with self._lock:
            return self._waiting.pop(0) if self._waiting else None

    def done(self, *, failed: bool) -> None:
        with self._lock:
            if failed:
                self.failures += 1
