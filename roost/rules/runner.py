"""Running the engine in the background: change-triggered rules as items arrive, periodic rules on time.

The recorder hands each committed batch of items to `submit` (its listener); a worker thread evaluates
them at once, so a managed rule's result is stored well within a second of the item. Every few
seconds the worker also runs the periodic rules that are due. Rules created or updated through the API
are evaluated by `evaluate_soon`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence

from roost.compliance import ConfigRule
from roost.model import ConfigurationItem
from roost.rules.engine import RuleEngine

log = logging.getLogger(__name__)


class RuleRunner:
    def __init__(self, engine: RuleEngine, *, periodic_check_seconds: float = 5.0) -> None:
        self.engine = engine
        self.periodic_check_seconds = periodic_check_seconds
        self._queue: queue.Queue[Sequence[ConfigurationItem] | ConfigRule | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="roost-rules", daemon=True)
        self._stopping = threading.Event()
        self._next_periodic = 0.0

    def submit(self, items: Sequence[ConfigurationItem]) -> None:
        """The recorder's listener: queue a batch of recorded items for the change-triggered rules."""
        self._queue.put(list(items))

    def evaluate_soon(self, rule: ConfigRule) -> None:
        self._queue.put(rule)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def idle(self) -> bool:
        return self._queue.unfinished_tasks == 0

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                work = self._queue.get(timeout=self.periodic_check_seconds)
            except queue.Empty:
                work = None
            try:
                if isinstance(work, ConfigRule):
                    self.engine.evaluate_rule(work)
                elif work:
                    self.engine.handle_items(work)
                # Changes first: periodic rules are looked at between batches, at most this often.
                if time.monotonic() >= self._next_periodic:
                    self._next_periodic = time.monotonic() + self.periodic_check_seconds
                    self.engine.run_due_periodic()
            except Exception:
                log.exception("rule evaluation failed")
            finally:
                if work is not None:
                    self._queue.task_done()
