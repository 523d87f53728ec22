"""The warm worker pool with real worker processes: warm reuse, containment of every kind of failure
(raise, endless loop, memory, os._exit, segfault, sys.exit), process-group kills, concurrency, the
worker bound, retiring and reaping."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from roost.clock import SystemClock
from roost.functions.host import FunctionHost
from roost.functions.model import Outcome
from roost.functions.pool import WorkerPool
from roost.store import Store
from tests.functions.conftest import ROLE, SOURCE, Create, Invoke, make_zip, payload, pid_alive
from tests.functions.conftest import gone as _gone

pytestmark = pytest.mark.timeout(60)

COUNTER = """
import os

COUNT = 0


def lambda_handler(event, context):
    global COUNT
    COUNT += 1
    return {"pid": os.getpid(), "count": COUNT}
"""

MISBEHAVING = """
import ctypes
import os
import sys
import time


def lambda_handler(event, context):
    kind = event["do"]
    if kind == "ok":
        return {"pid": os.getpid()}
    if kind == "raise":
        return fail(event)
    if kind == "loop":
        while True:
            pass
    if kind == "memory":
        hoard = []
        for _ in range(128):  # 1 GB at most, written so that every page is resident
            hoard.append(b"x" * (8 << 20))
        time.sleep(30)
        return len(hoard)
    if kind == "small-memory":
        hoard = [b"x" * (8 << 20) for _ in range(8)]  # 64 MB, under the limit
        return len(hoard)
    if kind == "exit":
        os._exit(3)
    if kind == "segfault":
        ctypes.string_at(0)
    if kind == "sys.exit":
        sys.exit(2)
    raise AssertionError(kind)


def fail(event):
    raise KeyError("missing-" + event["do"])
"""


# --- warm workers --------------------------------------------------------------------------------


def test_a_warm_worker_is_reused_and_keeps_its_globals(
    host: FunctionHost, create: Create, invoke: Invoke
) -> None:
    config = create(COUNTER)

    results = [invoke(config) for _ in range(3)]

    assert [r.outcome for r in results] == [Outcome.SUCCESS] * 3
    answers = [payload(r) for r in results]
    assert [a["count"] for a in answers] == [1, 2, 3]
    assert len({a["pid"] for a in answers}) == 1
    assert host.pool.started_workers == 1
    assert host.pool.warm(config.arn) == 1
    assert pid_alive(answers[0]["pid"])
    # Only the cold start reports its initialisation.
    assert "Init Duration:" in results[0].log
    assert "Init Duration:" not in results[1].log


# --- failures: each ends at most its own worker --------------------------------------------------

FAILURES = [
    # kind, outcome, errorType, in errorMessage, a fresh worker afterwards
    ("raise", Outcome.ERROR, "KeyError", "missing-raise", False),
    ("loop", Outcome.TIMEOUT, "Sandbox.Timedout", "Task timed out after 1.00 seconds", True),
    ("memory", Outcome.OUT_OF_MEMORY, "Runtime.OutOfMemory", "signal: killed", True),
    ("exit", Outcome.CRASH, "Runtime.ExitError", "Runtime exited with error: exit status 3", True),
    (
        "segfault",
        Outcome.CRASH,
        "Runtime.ExitError",
        "Runtime exited with error: signal: segmentation fault",
        True,
    ),
    ("sys.exit", Outcome.CRASH, "Runtime.ExitError", "Runtime exited with error: exit status 2", True),
]


@pytest.mark.parametrize(
    ("kind", "outcome", "error_type", "message", "fresh"), FAILURES, ids=[f[0] for f in FAILURES]
)
def test_a_failure_is_contained_in_its_worker(
    host: FunctionHost,
    create: Create,
    invoke: Invoke,
    kind: str,
    outcome: Outcome,
    error_type: str,
    message: str,
    fresh: bool,
) -> None:
    config = create(MISBEHAVING, timeout=1, memory_size=128)
    bystander = create(COUNTER)
    assert invoke(bystander).outcome is Outcome.SUCCESS
    before = payload(invoke(config, {"do": "ok"}))["pid"]
    assert host.pool.started_workers == 2

    began = time.monotonic()
    failed = invoke(config, {"do": kind})
    took = time.monotonic() - began

    assert failed.outcome is outcome, failed.log
    assert failed.failed
    assert failed.error_type == error_type
    assert message in (failed.error_message or "")
    assert failed.request_id in failed.log
    assert f"END RequestId: {failed.request_id}" in failed.log
    assert f"REPORT RequestId: {failed.request_id}" in failed.log
    assert took < 30  # never waits on a dead or stuck worker
    if kind == "loop":
        assert took >= 0.9
        assert "Task timed out after 1.00 seconds" in failed.log
    if kind == "memory":
        assert failed.max_memory_mb == 128

    # The next invocation of the same function succeeds: on a fresh worker if the old one died.
    again = invoke(config, {"do": "ok"})
    assert again.outcome is Outcome.SUCCESS
    after = payload(again)["pid"]
    if fresh:
        assert after != before
        assert _gone(before)
        assert host.pool.started_workers == 3
    else:
        assert after == before
        assert host.pool.started_workers == 2

    # The other function's warm worker never noticed.
    untouched = payload(invoke(bystander))
    assert untouched["count"] == 2
    assert host.pool.started_workers == (3 if fresh else 2)


def test_memory_under_the_limit_is_fine(create: Create, invoke: Invoke) -> None:
    config = create(MISBEHAVING, timeout=3, memory_size=128)

    result = invoke(config, {"do": "small-memory"})

    assert result.outcome is Outcome.SUCCESS, result.log
    assert payload(result) == 8
    assert 60 <= result.max_memory_mb <= 128


def test_the_stack_trace_is_the_function_s_own(create: Create, invoke: Invoke) -> None:
    config = create(MISBEHAVING)

    failed = invoke(config, {"do": "raise"})

    document = payload(failed)
    assert document["errorType"] == "KeyError"
    assert document["errorMessage"] == "'missing-raise'"
    assert document["requestId"] == failed.request_id
    stack = document["stackTrace"]
    assert len(stack) == 2  # lambda_handler, then fail
    assert all("lambda_function.py" in frame for frame in stack)
    assert "in lambda_handler" in stack[0] and "in fail" in stack[1]
    assert not any("worker.py" in frame or "roost/functions" in frame for frame in stack)
    # Lambda writes the failure into the function's log as well.
    assert "[ERROR] KeyError" in failed.log
    assert "Traceback (most recent call last):" in failed.log


def test_a_segfault_leaves_its_traceback_in_the_log(create: Create, invoke: Invoke) -> None:
    config = create(MISBEHAVING)

    failed = invoke(config, {"do": "segfault"})

    assert failed.outcome is Outcome.CRASH
    assert "Segmentation fault" in failed.log
    assert "lambda_function.py" in failed.log
    assert f"RequestId: {failed.request_id} Error: Runtime exited with error: signal: segmentation fault" in (
        failed.log
    )


SPAWNER = """
import subprocess


def lambda_handler(event, context):
    child = subprocess.Popen(["sleep", "60"])
    with open(event["pidfile"], "w") as file:
        file.write(str(child.pid))
    while True:
        pass
"""


def test_a_timeout_kills_the_function_s_children_too(create: Create, invoke: Invoke, tmp_path: Path) -> None:
    config = create(SPAWNER, timeout=2)
    pidfile = tmp_path / "child.pid"
    seen_alive: list[bool] = []

    def watch() -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            text = pidfile.read_text() if pidfile.exists() else ""
            if text:
                seen_alive.append(pid_alive(int(text)))
                return
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    result = invoke(config, {"pidfile": str(pidfile)})
    watcher.join()

    assert result.outcome is Outcome.TIMEOUT
    assert seen_alive == [True]  # the child ran while the function did
    assert _gone(int(pidfile.read_text()))


# --- concurrency ---------------------------------------------------------------------------------

RENDEZVOUS = """
import os
import time


def lambda_handler(event, context):
    began = time.time()
    open(os.path.join(event["dir"], context.aws_request_id), "w").close()
    while len(os.listdir(event["dir"])) < event["expect"]:
        if context.get_remaining_time_in_millis() < 500:
            raise TimeoutError("the other invocation never ran alongside")
        time.sleep(0.01)
    time.sleep(event.get("hold", 0))
    return {"pid": os.getpid(), "began": began, "ended": time.time()}
"""


def test_concurrent_invocations_of_one_function_use_separate_workers(
    host: FunctionHost, create: Create, invoke: Invoke, tmp_path: Path
) -> None:
    config = create(RENDEZVOUS, timeout=5)
    event = {"dir": str(tmp_path), "expect": 2}

    with ThreadPoolExecutor(2) as threads:
        results = list(threads.map(lambda _: invoke(config, event), range(2)))

    assert [r.outcome for r in results] == [Outcome.SUCCESS] * 2, [r.log for r in results]
    assert len({payload(r)["pid"] for r in results}) == 2
    assert host.pool.started_workers == 2
    assert host.pool.warm(config.arn) == 2


@pytest.fixture
def one_worker_host(store: Store, tmp_path: Path) -> Iterator[FunctionHost]:
    running = FunctionHost(store, SystemClock(), pool=WorkerPool(tmp_path / "workers", max_workers=1))
    yield running
    running.close()


def test_the_worker_bound_makes_invocations_wait_their_turn(
    one_worker_host: FunctionHost, tmp_path: Path
) -> None:
    host = one_worker_host
    config = host.create(
        SOURCE,
        name="serial",
        runtime="python3.12",
        handler="lambda_function.lambda_handler",
        role=ROLE,
        package=make_zip({"lambda_function.py": RENDEZVOUS}),
        timeout=5,
    )
    event = json.dumps({"dir": str(tmp_path / "marks"), "expect": 0, "hold": 0.3}).encode()
    (tmp_path / "marks").mkdir()

    with ThreadPoolExecutor(3) as threads:
        results = list(threads.map(lambda _: host.invoke(config, event), range(3)))

    assert [r.outcome for r in results] == [Outcome.SUCCESS] * 3
    answers = sorted((payload(r) for r in results), key=lambda a: a["began"])
    assert len({a["pid"] for a in answers}) == 1
    assert host.pool.started_workers == 1
    for first, second in itertools.pairwise(answers):
        assert first["ended"] <= second["began"]  # one at a time


def test_the_worker_bound_evicts_another_function_s_idle_worker(
    one_worker_host: FunctionHost,
) -> None:
    host = one_worker_host
    configs = [
        host.create(
            SOURCE,
            name=name,
            runtime="python3.12",
            handler="lambda_function.lambda_handler",
            role=ROLE,
            package=make_zip({"lambda_function.py": COUNTER}),
        )
        for name in ("first", "second")
    ]
    pids = [payload(host.invoke(c, b"{}"))["pid"] for c in configs]

    assert host.pool.warm(configs[0].arn) == 0
    assert host.pool.warm(configs[1].arn) == 1
    assert _gone(pids[0])
    assert payload(host.invoke(configs[0], b"{}"))["count"] == 1  # a cold start again


# --- retiring and reaping ------------------------------------------------------------------------


def test_retire_closes_idle_workers(host: FunctionHost, create: Create, invoke: Invoke) -> None:
    config = create(COUNTER)
    other = create(COUNTER)
    pid = payload(invoke(config))["pid"]
    other_pid = payload(invoke(other))["pid"]

    host.pool.retire(config.arn, keep_revision=config.revision_id)
    assert host.pool.warm(config.arn) == 1  # the revision kept stays warm

    host.pool.retire(config.arn)

    assert host.pool.warm(config.arn) == 0
    assert _gone(pid)
    assert pid_alive(other_pid) and host.pool.warm(other.arn) == 1
    assert payload(invoke(config))["count"] == 1


def test_a_worker_busy_when_retired_closes_after_its_invocation(
    host: FunctionHost, create: Create, tmp_path: Path
) -> None:
    config = create(RENDEZVOUS, timeout=5)
    event = json.dumps({"dir": str(tmp_path), "expect": 0, "hold": 0.5}).encode()
    with ThreadPoolExecutor(1) as threads:
        running = threads.submit(host.invoke, config, event)
        deadline = time.monotonic() + 5
        while not any(tmp_path.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.01)
        host.pool.retire(config.arn)
        result = running.result()

    assert result.outcome is Outcome.SUCCESS
    assert host.pool.warm(config.arn) == 0
    assert _gone(payload(result)["pid"])


def test_reap_closes_workers_idle_too_long(store: Store, tmp_path: Path, create: Create) -> None:
    eager = FunctionHost(store, SystemClock(), pool=WorkerPool(tmp_path / "w", idle_seconds=0))
    try:
        config = eager.create(
            SOURCE,
            name="reaped",
            runtime="python3.12",
            handler="lambda_function.lambda_handler",
            role=ROLE,
            package=make_zip({"lambda_function.py": COUNTER}),
        )
        pid = payload(eager.invoke(config, b"{}"))["pid"]
        assert eager.pool.warm(config.arn) == 1
        time.sleep(0.05)

        assert eager.pool.reap() == 1

        assert eager.pool.warm(config.arn) == 0
        assert _gone(pid)
        again = payload(eager.invoke(config, b"{}"))
        assert again["count"] == 1 and again["pid"] != pid  # a cold start
    finally:
        eager.close()


def test_reap_keeps_workers_recently_used(host: FunctionHost, create: Create, invoke: Invoke) -> None:
    config = create(COUNTER)
    pid = payload(invoke(config))["pid"]

    assert host.pool.reap() == 0

    assert host.pool.warm(config.arn) == 1
    assert payload(invoke(config)) == {"pid": pid, "count": 2}


def test_closing_the_host_ends_its_workers(store: Store, create: Create) -> None:
    closing = FunctionHost(store, SystemClock())
    config = closing.create(
        SOURCE,
        name="closing",
        runtime="python3.12",
        handler="lambda_function.lambda_handler",
        role=ROLE,
        package=make_zip({"lambda_function.py": COUNTER}),
    )
    pid = payload(closing.invoke(config, b"{}"))["pid"]
    work_dir = closing.work_dir

    closing.close()

    assert _gone(pid)
    assert not work_dir.exists()


def test_memory_of_the_function_s_children_counts_too(create: Any, invoke: Any) -> None:
    config = create(
        """
        import subprocess, sys
        def lambda_handler(event, context):
            hoard = "x = bytearray(400 * 1024 * 1024); import time; time.sleep(30)"
            child = subprocess.Popen([sys.executable, "-c", hoard])
            child.wait()
        """,
        timeout=20,
        memory_size=128,
    )

    result = invoke(config)

    assert result.outcome is Outcome.OUT_OF_MEMORY
    assert result.error_type == "Runtime.OutOfMemory"


def test_memory_used_while_loading_the_handler_counts(create: Any, invoke: Any) -> None:
    config = create(
        """
        hoard = bytearray(400 * 1024 * 1024)
        def lambda_handler(event, context):
            return len(hoard)
        """,
        memory_size=128,
    )

    result = invoke(config)

    assert result.outcome is Outcome.INIT_ERROR
    assert result.error_type == "Runtime.OutOfMemory"


def test_a_function_deleted_and_created_again_is_kept_warm(host: Any, create: Any, invoke: Any) -> None:
    first = create("def lambda_handler(event, context):\n    return 1\n", name="again")
    assert payload(invoke(first)) == 1
    host.delete(SOURCE, "again")
    second = create("def lambda_handler(event, context):\n    return 2\n", name="again")
    before = host.pool.started_workers

    results = [payload(invoke(second)) for _ in range(3)]

    assert results == [2, 2, 2]
    assert host.pool.started_workers == before + 1  # one worker, warm for the next two


def test_queued_invocations_are_reported_when_roost_stops(store: Store, tmp_path: Path) -> None:
    from roost.functions.host import CANCELLED

    host = FunctionHost(store, SystemClock(), pool=WorkerPool(tmp_path, max_workers=1))
    config = host.create(
        SOURCE,
        name="slow",
        runtime="python3.12",
        handler="lambda_function.lambda_handler",
        role=ROLE,
        package=make_zip(
            {"lambda_function.py": "import time\ndef lambda_handler(e, c):\n    time.sleep(1)\n"}
        ),
        timeout=10,
    )
    outcomes: list[str | None] = []
    finished = threading.Event()

    def done(invocation: Any) -> None:
        outcomes.append(invocation.error_type)
        if len(outcomes) == 4:
            finished.set()

    for _ in range(4):
        host.invoke_async(config, b"{}", on_done=done)
    deadline = time.monotonic() + 10
    while host.pool.started_workers == 0 and time.monotonic() < deadline:
        time.sleep(0.02)  # the first has started; the others wait their turn
    host.close()

    assert finished.wait(15)
    # The three that never ran are told so (the one running is cut short or ends: either is reported).
    assert outcomes.count(CANCELLED) == 3
