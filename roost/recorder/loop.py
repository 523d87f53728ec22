"""Continuous recording: passes over every recording recorder, each type at its own interval.

A type is due when it was never collected, or its interval has passed since its last full
collection: the base interval (10 s against the sandbox, 5 min against AWS, or
`recording.interval_seconds`), a per-type override (`recording.type_intervals`), and for types
the recorder records DAILY, at least 24 hours. Sources are recorded in parallel on a small thread
pool; one source's failure is logged once (when it starts or changes) and never stops the others.

Failures back off: a type that could not be collected, or a source that could not be reached, is
tried again after its interval, doubled on each further failure up to an hour, so a denied call is
not repeated every second against the user's account (and their CloudTrail).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from roost.model import AccountRegion, ConfigurationRecorder, RecordingFrequency
from roost.recorder.recorder import PassResult, Recorder
from roost.recorder.recording_group import frequency_for
from roost.settings import Settings

log = logging.getLogger(__name__)

DAILY_SECONDS = 24 * 3600.0
MAX_BACKOFF_SECONDS = 3600.0

PassListener = Callable[[PassResult], None]


class RecordingLoop:
    def __init__(
        self,
        recorder: Recorder,
        settings: Settings,
        *,
        max_workers: int = 4,
        tick_seconds: float = 1.0,
        on_pass: PassListener | None = None,
    ) -> None:
        self.recorder = recorder
        self.settings = settings
        self.tick_seconds = tick_seconds
        self.on_pass = on_pass
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="roost-record")
        self._running: dict[AccountRegion, Future[PassResult]] = {}
        self._last_error: dict[AccountRegion, str | None] = {}
        # (source, type or None for the whole source) -> (failures in a row, not before this time)
        self._backoff: dict[tuple[AccountRegion, str | None], tuple[int, datetime]] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # --- scheduling ------------------------------------------------------------------------

    def interval(self, recorder: ConfigurationRecorder, resource_type: str) -> float:
        account = self.recorder.connector.account(recorder.account_id)
        seconds = self.settings.type_intervals.get(resource_type, self.settings.recording_interval(account))
        if frequency_for(recorder.recording_mode, resource_type) is RecordingFrequency.DAILY:
            seconds = max(seconds, DAILY_SECONDS)
        return seconds

    def due_types(self, recorder: ConfigurationRecorder) -> list[str]:
        now = self.recorder.clock.now()
        collected = self.recorder.store.recorders.collections(recorder.source)
        due = []
        for resource_type in self.recorder.plan(recorder):
            if not self._may_try(recorder.source, resource_type, now):
                continue
            last = collected.get(resource_type)
            if last is None or now - last[0] >= timedelta(seconds=self.interval(recorder, resource_type)):
                due.append(resource_type)
        return due

    def recording_recorders(self) -> list[ConfigurationRecorder]:
        configured = {a.account_id for a in self.recorder.connector.accounts}
        found = []
        for recorder in self.recorder.store.recorders.list():
            if recorder.account_id not in configured:
                continue
            status = self.recorder.store.recorders.status(recorder.source, recorder.name)
            if status is not None and status.recording:
                found.append(recorder)
        return found

    # --- running ---------------------------------------------------------------------------

    def run_once(self, *, wait: bool = False) -> list[Future[PassResult]]:
        """Start a pass for every recording source with due types (and not already running)."""
        started = []
        for recorder in self.recording_recorders():
            source = recorder.source
            running = self._running.get(source)
            if running is not None and not running.done():
                continue
            if not self._may_try(source, None, self.recorder.clock.now()):
                continue
            due = self.due_types(recorder)
            last = self.recorder.store.recorders.last_pass(source)
            interrupted = last is not None and last.finished_time is None
            if not due and not interrupted:
                continue
            future = self._pool.submit(self._pass, source, due)
            self._running[source] = future
            started.append(future)
        if wait:
            for future in started:
                future.exception()
        return started

    def _pass(self, source: AccountRegion, due: list[str]) -> PassResult:
        try:
            result = self.recorder.record_pass(source, resource_types=due)
        except Exception as exc:  # never let one source kill the loop; say what happened once
            self._report(source, f"{type(exc).__name__}: {exc}")
            raise
        self._note_failures(source, result)
        if result.aborted is not None:
            self._report(source, f"{result.aborted.code}: {result.aborted.message}")
        elif result.errors:
            first = result.errors[0]
            self._report(source, f"{first.resource_type}: {first.error_code}: {first.error_message}")
        else:
            self._report(source, None)
        if self.on_pass is not None:
            self.on_pass(result)
        return result

    def _may_try(self, source: AccountRegion, resource_type: str | None, now: datetime) -> bool:
        entry = self._backoff.get((source, resource_type))
        return entry is None or now >= entry[1]

    def _note_failures(self, source: AccountRegion, result: PassResult) -> None:
        now = self.recorder.clock.now()
        recorder = self.recorder.store.recorders.get(source)
        base = self.settings.recording_interval(self.recorder.connector.account(source.account_id))

        def fail(key: tuple[AccountRegion, str | None], interval: float) -> None:
            count = self._backoff.get(key, (0, now))[0] + 1
            delay = min(interval * 2 ** (count - 1), max(interval, MAX_BACKOFF_SECONDS))
            self._backoff[key] = (count, now + timedelta(seconds=delay))

        if result.aborted is not None:
            fail((source, None), base)
        else:
            self._backoff.pop((source, None), None)
        for type_result in result.types:
            key = (source, type_result.resource_type)
            if type_result.failed and recorder is not None:
                fail(key, self.interval(recorder, type_result.resource_type))
            else:
                self._backoff.pop(key, None)

    def _report(self, source: AccountRegion, error: str | None) -> None:
        if self._last_error.get(source) == error:
            return
        self._last_error[source] = error
        if error is None:
            log.info("recording %s: ok", source)
        else:
            log.warning("recording %s: %s", source, error)

    def wake(self) -> None:
        """Check for due work now (after a recorder was started or changed)."""
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="roost-recording-loop", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("recording loop tick failed")
            self._wake.wait(self.tick_seconds)
            self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)
