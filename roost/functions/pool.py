"""Warm worker processes, one function revision each, and the limits every invocation runs under.

A worker (`roost.functions.worker`) is a separate process in its own process group: whatever the
function does (raise, loop forever, eat memory, `os._exit`, segfault) ends at most that worker. The
pool enforces the function's Timeout (the worker is killed when it passes) and MemorySize (the
worker's resident memory is watched while it runs: past the limit it is killed), captures every
byte the function writes to stdout and stderr, and keeps healthy workers warm for the next call.

MemorySize counts what the function's code uses on top of a bare worker interpreter (about 10 MB):
boto3 and the function's own modules count, as they do in Lambda.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roost.functions.model import Invocation, Outcome

log = logging.getLogger(__name__)

WORKER_COMMAND = (sys.executable, "-I", "-u", "-B", "-m", "roost.functions.worker")
POLL_SECONDS = 0.02
INIT_TIMEOUT_SECONDS = 10.0
"""Lambda gives a function's initialisation 10 seconds of its own."""
BARE_INTERPRETER_KB = 16 * 1024
"""What a worker uses before it loads the handler; MemorySize counts what comes on top."""
LOG_LIMIT = 256 * 1024
"""The most of one invocation's output kept (the head and the tail survive)."""


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker of one function revision needs to start and to be held to its limits."""

    arn: str
    revision_id: str
    code_dir: Path
    environment: dict[str, str]
    timeout: float
    memory_mb: int
    version: str = "$LATEST"

    @property
    def key(self) -> tuple[str, str, str]:
        """Workers are shared by invocations of one revision with the same credentials (new
        credentials, e.g. a renewed role session, start new workers)."""
        return (self.arn, self.revision_id, self.environment.get("AWS_ACCESS_KEY_ID", ""))


def _signal_name(number: int) -> str:
    try:
        return (signal.strsignal(number) or f"signal {number}").lower()
    except ValueError:
        return f"signal {number}"


def _error(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


@dataclass
class _Answer:
    message: dict[str, Any] | None = None
    outcome: Outcome | None = None
    """Set when the worker did not answer: TIMEOUT, OUT_OF_MEMORY or CRASH."""
    detail: str = ""


@dataclass
class Worker:
    spec: WorkerSpec
    process: subprocess.Popen[bytes]
    log_path: Path
    to_worker: int
    from_worker: int
    started: float = field(default_factory=time.monotonic)
    last_used: float = field(default_factory=time.monotonic)
    baseline_kb: int = 0
    invocations: int = 0
    init_log: str = ""
    init_ms: float = 0.0
    _buffer: bytes = b""
    _polls: int = 0

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def rss_kb(self) -> int:
        return _rss_kb(self.process.pid)

    def group_rss_kb(self) -> int:
        """Resident memory of the worker and every process it started (its process group)."""
        total = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    fields = stat.read().rpartition(")")[2].split()
            except OSError:
                continue
            if len(fields) > 2 and fields[2] == str(self.process.pid):  # the process group id
                total += _rss_kb(int(entry.name))
        return total

    def send(self, message: dict[str, Any]) -> None:
        os.write(self.to_worker, json.dumps(message).encode() + b"\n")

    def receive(self, deadline: float, *, memory_limit_kb: int | None) -> _Answer:
        """The worker's next message, or why none came (deadline passed, memory exceeded, it died)."""
        while True:
            if b"\n" in self._buffer:
                line, _, self._buffer = self._buffer.partition(b"\n")
                return _Answer(message=json.loads(line))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _Answer(outcome=Outcome.TIMEOUT)
            ready, _, _ = select.select([self.from_worker], [], [], min(POLL_SECONDS, remaining))
            if ready:
                chunk = os.read(self.from_worker, 65536)
                if not chunk:  # the worker is gone
                    return _Answer(outcome=Outcome.CRASH, detail=self._exit_detail())
                self._buffer += chunk
                continue
            if memory_limit_kb is not None and self._over(memory_limit_kb):
                return _Answer(outcome=Outcome.OUT_OF_MEMORY)

    def _over(self, limit_kb: int) -> bool:
        """Past the limit: the worker itself (checked at every poll), or with its children (every 10th)."""
        self._polls += 1
        used = self.group_rss_kb() if self._polls % 10 == 0 else self.rss_kb()
        return used - self.baseline_kb > limit_kb

    def _exit_detail(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            return "signal: killed"
        return f"signal: {_signal_name(-code)}" if code < 0 else f"exit status {code}"

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def read_log(self, start: int) -> str:
        try:
            with self.log_path.open("rb") as file:
                size = os.fstat(file.fileno()).st_size
                file.seek(start)
                if size - start <= LOG_LIMIT:
                    data = file.read()
                else:  # only the head and the tail are read: a function may print gigabytes
                    half = LOG_LIMIT // 2
                    head = file.read(half)
                    file.seek(size - half)
                    data = head + b"\n... (output cut: too long) ...\n" + file.read(half)
        except OSError:
            return ""
        return data.decode("utf-8", "replace")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # the function's own children go with it
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("worker %s did not die", self.process.pid)

    def close(self) -> None:
        self.kill()
        for fd in (self.to_worker, self.from_worker):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            self.log_path.unlink()


class WorkerPool:
    """Warm workers keyed by (function ARN, revision), at most `max_workers` processes in all."""

    def __init__(
        self,
        work_dir: Path,
        *,
        max_workers: int | None = None,
        idle_seconds: float = 300.0,
        max_age_seconds: float = 1800.0,
    ) -> None:
        self.work_dir = work_dir
        self.max_workers = max_workers or max(4, 2 * (os.cpu_count() or 2))
        self.idle_seconds = idle_seconds
        self.max_age_seconds = max_age_seconds
        self._idle: list[Worker] = []
        self._busy = 0
        self._condition = threading.Condition()
        self._retired: dict[str, str] = {}
        """ARN -> the only revision still wanted (workers of others are closed when released)."""
        self._closed = False
        self.started_workers = 0
        self.work_dir.mkdir(parents=True, exist_ok=True)

    # --- running one invocation --------------------------------------------------------------

    def invoke(
        self,
        spec: WorkerSpec,
        *,
        request_id: str,
        event: bytes,
        on_start: Callable[[], None] | None = None,
        wait_seconds: float = 60.0,
    ) -> Invocation:
        """Run one invocation on a warm worker of `spec` (started if there is none)."""
        worker, cold = self._acquire(spec, wait_seconds=wait_seconds)
        healthy = False
        try:
            if on_start is not None:
                on_start()
            if cold:
                failed = self._initialise(worker, spec, request_id)
                if failed is not None:
                    return failed
            invocation = self._run(worker, spec, request_id, event, cold=cold)
            healthy = invocation.outcome in (Outcome.SUCCESS, Outcome.ERROR) and worker.alive
            return invocation
        finally:
            self._release(worker, healthy=healthy)

    def _initialise(self, worker: Worker, spec: WorkerSpec, request_id: str) -> Invocation | None:
        """Wait for a new worker to load its handler; an Invocation describing the failure if it could not."""
        began = time.monotonic()
        # Loading the handler counts against MemorySize too (over a bare interpreter's allowance).
        limit = spec.memory_mb * 1024 + BARE_INTERPRETER_KB
        answer = worker.receive(began + INIT_TIMEOUT_SECONDS, memory_limit_kb=limit)
        worker.init_ms = (time.monotonic() - began) * 1000
        worker.init_log = worker.read_log(0)
        message = answer.message or {}
        if message.get("ready"):
            worker.baseline_kb = int(message.get("baseline_kb") or 0)
            return None
        if "init_error" in message:
            payload = json.dumps(message["init_error"]).encode()
        elif answer.outcome is Outcome.TIMEOUT:
            payload = _error(
                "Runtime.InitTimeout", f"Init timed out after {INIT_TIMEOUT_SECONDS:.2f} seconds"
            )
        elif answer.outcome is Outcome.OUT_OF_MEMORY:
            payload = _error("Runtime.OutOfMemory", "Runtime exited during init with error: signal: killed")
        else:
            payload = _error("Runtime.ExitError", f"Runtime exited during init: {answer.detail}")
        worker.kill()
        text = (
            worker.read_log(0)
            + f"START RequestId: {request_id} Version: {spec.version}\n"
            + f"END RequestId: {request_id}\n"
            + f"REPORT RequestId: {request_id}\tDuration: {worker.init_ms:.2f} ms\t"
            + f"Memory Size: {spec.memory_mb} MB\tStatus: error\t"
            + f"Error Type: {json.loads(payload)['errorType']}\n"
        )
        return Invocation(request_id, Outcome.INIT_ERROR, payload, text, worker.init_ms)

    def _run(
        self, worker: Worker, spec: WorkerSpec, request_id: str, event: bytes, *, cold: bool
    ) -> Invocation:
        start_at = worker.log_size()
        began = time.monotonic()
        deadline = began + spec.timeout
        worker.send(
            {
                "id": request_id,
                "event": event.decode("utf-8"),
                "deadline_ms": int((time.time() + spec.timeout) * 1000),
                "arn": spec.arn,
            }
        )
        answer = worker.receive(deadline, memory_limit_kb=spec.memory_mb * 1024)
        if answer.message is not None and int(answer.message.get("max_kb") or 0) - worker.baseline_kb > (
            spec.memory_mb * 1024
        ):
            # It answered between two checks, but its peak passed the limit: Lambda would have killed it.
            answer = _Answer(outcome=Outcome.OUT_OF_MEMORY)
        duration_ms = (time.monotonic() - began) * 1000
        if answer.outcome is not None:
            worker.kill()
        worker.invocations += 1
        output = worker.read_log(start_at)
        message = answer.message or {}
        max_mb = max(0, int(message.get("max_kb") or worker.rss_kb()) - worker.baseline_kb) // 1024
        if answer.outcome is Outcome.TIMEOUT:
            outcome = Outcome.TIMEOUT
            text = f"Task timed out after {spec.timeout:.2f} seconds"
            payload = _error("Sandbox.Timedout", f"RequestId: {request_id} Error: {text}")
            output += f"{_stamp()} {request_id} {text}\n"
        elif answer.outcome is Outcome.OUT_OF_MEMORY:
            outcome = Outcome.OUT_OF_MEMORY
            max_mb = spec.memory_mb
            payload = _error(
                "Runtime.OutOfMemory",
                f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
            )
        elif answer.outcome is Outcome.CRASH:
            outcome = Outcome.CRASH
            payload = _error(
                "Runtime.ExitError",
                f"RequestId: {request_id} Error: Runtime exited with error: {answer.detail}",
            )
        elif message.get("ok"):
            outcome, payload = Outcome.SUCCESS, str(message["payload"]).encode()
        else:
            outcome, payload = Outcome.ERROR, json.dumps(message.get("error") or {}).encode()
        if answer.outcome in (Outcome.OUT_OF_MEMORY, Outcome.CRASH):
            reason = json.loads(payload)["errorMessage"].split("Error: ", 1)[1]
            output += f"RequestId: {request_id} Error: {reason}\n"
        init = f"Init Duration: {worker.init_ms:.2f} ms\t" if cold else ""
        text = (
            (worker.init_log if cold else "")
            + f"START RequestId: {request_id} Version: {spec.version}\n"
            + output
            + f"END RequestId: {request_id}\n"
            + f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            + f"Billed Duration: {int(duration_ms) + 1} ms\tMemory Size: {spec.memory_mb} MB\t"
            + f"Max Memory Used: {max_mb} MB\t{init}\n"
        )
        return Invocation(request_id, outcome, payload, text, duration_ms, max_mb)

    # --- workers -----------------------------------------------------------------------------

    def _acquire(self, spec: WorkerSpec, *, wait_seconds: float) -> tuple[Worker, bool]:
        deadline = time.monotonic() + wait_seconds
        with self._condition:
            while True:
                if self._closed:
                    raise PoolClosed("the function pool is shut down")
                for index, worker in enumerate(self._idle):
                    if worker.spec.key == spec.key and worker.alive:
                        del self._idle[index]
                        self._busy += 1
                        return worker, False
                if self._busy + len(self._idle) >= self.max_workers and self._idle:
                    self._idle.sort(key=lambda w: w.last_used)
                    self._idle.pop(0).close()  # make room: the least recently used warm worker goes
                if self._busy + len(self._idle) < self.max_workers:
                    self._busy += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PoolExhausted(f"all {self.max_workers} function workers are busy; try again later")
                self._condition.wait(remaining)
        try:
            return self._start(spec), True
        except BaseException:
            with self._condition:
                self._busy -= 1
                self._condition.notify()
            raise

    def _start(self, spec: WorkerSpec) -> Worker:
        to_read, to_worker = os.pipe()
        from_worker, to_write = os.pipe()
        log_path = self.work_dir / f"worker-{time.time_ns()}-{threading.get_ident()}.log"
        try:
            process = self._spawn(spec, log_path, to_read, to_write)
        except BaseException:
            for fd in (to_worker, from_worker):
                os.close(fd)
            raise
        finally:
            os.close(to_read)
            os.close(to_write)
        self.started_workers += 1
        return Worker(spec, process, log_path, to_worker, from_worker)

    @staticmethod
    def _spawn(spec: WorkerSpec, log_path: Path, to_read: int, to_write: int) -> subprocess.Popen[bytes]:
        with log_path.open("ab") as log_file:
            return subprocess.Popen(
                # -B: no function writes into its code directory (shared by all functions of that code).
                [*WORKER_COMMAND, str(to_read), str(to_write)],
                env=spec.environment,
                cwd=spec.code_dir,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
                pass_fds=(to_read, to_write),
                start_new_session=True,
            )

    def _release(self, worker: Worker, *, healthy: bool) -> None:
        worker.last_used = time.monotonic()
        with self._condition:
            self._busy -= 1
            wanted = self._retired.get(worker.spec.arn, worker.spec.revision_id) == worker.spec.revision_id
            keep = healthy and wanted and not self._closed and worker.alive
            if keep:
                # A worker whose log grew large starts a fresh file for its next invocations.
                if worker.log_size() > 4 * 1024 * 1024:
                    os.truncate(worker.log_path, 0)
                self._idle.append(worker)
            self._condition.notify()
        if not keep:
            worker.close()

    def retire(self, arn: str, *, keep_revision: str | None = None) -> None:
        """Close the warm workers of a function (all, or all but `keep_revision`'s); busy ones close
        when their invocation ends."""
        with self._condition:
            self._retired[arn] = keep_revision or ""
            going = [w for w in self._idle if w.spec.arn == arn and w.spec.revision_id != keep_revision]
            self._idle = [w for w in self._idle if w not in going]
        for worker in going:
            worker.close()

    def reap(self) -> int:
        """Close workers idle or alive for too long (a warm worker holds credentials that expire)."""
        now = time.monotonic()
        with self._condition:
            going = [
                w
                for w in self._idle
                if now - w.last_used > self.idle_seconds
                or now - w.started > self.max_age_seconds
                or not w.alive
            ]
            self._idle = [w for w in self._idle if w not in going]
        for worker in going:
            worker.close()
        return len(going)

    def warm(self, arn: str) -> int:
        with self._condition:
            return sum(1 for w in self._idle if w.spec.arn == arn)

    def close(self) -> None:
        with self._condition:
            self._closed = True
            going, self._idle = self._idle, []
            self._condition.notify_all()
        for worker in going:
            worker.close()


class PoolExhausted(Exception):
    pass


class PoolClosed(Exception):
    pass


def _stamp() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
