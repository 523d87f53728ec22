"""FairQueue: asynchronous invocations take turns between functions, and nothing queued is lost
silently when roost stops."""

from __future__ import annotations

import threading

import pytest

from roost.functions.dispatch import FairQueue

pytestmark = pytest.mark.timeout(30)


def test_a_function_with_a_backlog_does_not_hold_up_another() -> None:
    queue = FairQueue(threads=2, per_function=1)
    release = threading.Event()
    order: list[str] = []
    other_ran = threading.Event()
    try:
        for n in range(6):  # a slow function: six invocations, each stuck until released

            def slow(n: int = n) -> None:
                order.append(f"slow-{n}")
                release.wait(10)

            queue.submit("slow", slow, lambda: None)
        queue.submit("quick", lambda: (order.append("quick"), other_ran.set()), lambda: None)
        # With a cap of one per function, the second thread serves the other function at once,
        # although five of the slow function's invocations were queued before it.
        assert other_ran.wait(5)
        assert order == ["slow-0", "quick"]
    finally:
        release.set()
        queue.close()


def test_turns_go_round_the_functions() -> None:
    queue = FairQueue(threads=1, per_function=1)
    gate = threading.Event()
    order: list[str] = []
    done = threading.Event()
    try:
        queue.submit("first", lambda: gate.wait(10), lambda: None)  # holds the only thread
        for key in ("a", "a", "a", "b", "b", "c"):
            queue.submit(key, lambda key=key: order.append(key), lambda: None)
        queue.submit("end", done.set, lambda: None)
        gate.set()
        assert done.wait(5)
        assert order == ["a", "b", "c", "a", "b", "a"]
    finally:
        queue.close()


def test_closing_cancels_what_is_still_queued() -> None:
    queue = FairQueue(threads=1, per_function=1)
    gate = threading.Event()
    cancelled: list[int] = []
    ran: list[int] = []
    started = threading.Event()

    def blocker() -> None:
        started.set()
        gate.wait(10)

    queue.submit("f", blocker, lambda: cancelled.append(-1))
    for n in range(3):
        queue.submit("f", lambda n=n: ran.append(n), lambda n=n: cancelled.append(n))
    assert started.wait(5)
    queue.close()
    gate.set()
    assert sorted(cancelled) == [0, 1, 2]  # each told it never ran
    assert ran == []
    with pytest.raises(RuntimeError):
        queue.submit("f", lambda: None, lambda: None)
