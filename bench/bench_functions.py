"""Hosted functions: what an invocation costs through FunctionHost.invoke, warm and cold, and how many
a rule's trivial handler gets through when invoked concurrently.

Everything runs on a FunctionHost over a fresh SQLite file (each invocation's log is written to it, as
in roost), with no cloud account and no API endpoint (the handlers call nothing). Times are wall
clock around `host.invoke`: the pool's work (pick or start a worker, send the event, wait for the
answer, read the log), the worker's run of the handler, and the store's log write.

* `trivial.warm`: one function whose handler returns its event, invoked N times in a row; the first
  (cold) invocation is not counted.
* `trivial.cold`: the same handler, a fresh worker process for every invocation: the host's pool
  keeps workers idle for 0 seconds and `pool.reap()` closes the idle worker between invocations (not
  timed), so each invocation starts a process, imports the worker and the handler, then runs.
* `rule.concurrent`: a rule-shaped handler (reads the change event's invokingEvent, judges the item,
  returns its verdict) invoked by 4 threads (500 invocations in all) on workers already warm.
* `boto3.cold` / `boto3.warm`: a handler that imports boto3 and builds a Config client at module
  level, as most rules do, on a fresh worker each time and on a warm one.
"""

from __future__ import annotations

import io
import json
import statistics
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from bench.harness import Run, Stopwatch, benchmark, log, median
from roost.clock import SystemClock
from roost.functions.host import FunctionHost
from roost.functions.model import FunctionConfig
from roost.functions.pool import WorkerPool
from roost.model import AccountRegion
from roost.store import Store

SOURCE = AccountRegion("123456789012", "us-east-1")
ROLE = "arn:aws:iam::123456789012:role/bench"
THREADS = 4

TRIVIAL = """
def lambda_handler(event, context):
    return event
"""

RULE = """
import json

def lambda_handler(event, context):
    item = json.loads(event["invokingEvent"])["configurationItem"]
    open_ssh = any(
        p.get("fromPort") == 22 and any(r.get("cidrIp") == "0.0.0.0/0" for r in p.get("ipRanges", []))
        for p in item["configuration"].get("ipPermissions", [])
    )
    return {
        "ComplianceResourceType": item["resourceType"],
        "ComplianceResourceId": item["resourceId"],
        "ComplianceType": "NON_COMPLIANT" if open_ssh else "COMPLIANT",
    }
"""

BOTO3 = """
import boto3

config = boto3.client("config")

def lambda_handler(event, context):
    return {"region": config.meta.region_name}
"""

RULE_EVENT = json.dumps(
    {
        "version": "1.0",
        "invokingEvent": json.dumps(
            {
                "configurationItem": {
                    "resourceType": "AWS::EC2::SecurityGroup",
                    "resourceId": "sg-0123456789abcdef0",
                    "configuration": {
                        "ipPermissions": [
                            {
                                "fromPort": 22,
                                "toPort": 22,
                                "ipProtocol": "tcp",
                                "ipRanges": [{"cidrIp": "0.0.0.0/0"}],
                            }
                        ]
                    },
                },
                "messageType": "ConfigurationItemChangeNotification",
            }
        ),
        "ruleParameters": "{}",
        "resultToken": "token",
        "eventLeftScope": False,
        "configRuleName": "restricted-ssh",
        "accountId": SOURCE.account_id,
    }
).encode()


def _zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", text)
    return buffer.getvalue()


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


@contextmanager
def _host(run: Run, label: str, *, cold: bool = False) -> Iterator[FunctionHost]:
    store = Store.open(f"sqlite:///{run.db_dir / f'functions-{label}.db'}")
    work = run.db_dir / f"functions-{label}"
    pool = WorkerPool(work / "workers", idle_seconds=0.0, max_age_seconds=0.0) if cold else None
    host = FunctionHost(store, SystemClock(), None, work_dir=work, pool=pool)
    try:
        yield host
    finally:
        host.close()
        store.close()


def _create(host: FunctionHost, name: str, code: str, *, timeout: int = 30) -> FunctionConfig:
    return host.create(
        SOURCE,
        name=name,
        runtime="python3.12",
        handler="lambda_function.lambda_handler",
        role=ROLE,
        package=_zip(code),
        timeout=timeout,
    )


def _timed(
    host: FunctionHost, config: FunctionConfig, payload: bytes, n: int, *, between: Callable[[], object]
) -> list[float]:
    """Milliseconds of n invocations, `between` called (untimed) before each."""
    times = []
    for _ in range(n):
        between()
        with Stopwatch() as watch:
            invocation = host.invoke(config, payload)
        if invocation.failed:
            raise RuntimeError(f"{config.name} failed: {invocation.payload.decode()}")
        times.append(watch.seconds * 1000)
    return times


def _report_latency(run: Run, name: str, ms: list[float], notes: str) -> None:
    run.report(f"{name}.median", median(ms), "ms", f"{notes}; {len(ms)} invocations")
    run.report(f"{name}.p95", p95(ms), "ms", f"min {min(ms):.1f}, max {max(ms):.1f}")


@benchmark("functions", "hosted functions: invocation overhead warm vs cold, concurrent rule invocations/s")
def functions(run: Run) -> None:
    warm_n = run.size(full=1000, quick=50)
    cold_n = run.size(full=100, quick=10)
    total = run.size(full=500, quick=100)
    boto_cold_n = run.size(full=20, quick=3)
    boto_warm_n = run.size(full=200, quick=20)
    payload = b'{"hello": "world"}'

    log("  trivial handler, warm worker")
    with _host(run, "warm") as host:
        config = _create(host, "trivial", TRIVIAL)
        host.invoke(config, payload)  # the cold start, not counted
        warm = _timed(host, config, payload, warm_n, between=lambda: None)
        workers = host.pool.started_workers
    _report_latency(run, "trivial.warm", warm, f"one warm worker ({workers} started)")

    log("  trivial handler, a fresh process each time")
    with _host(run, "cold", cold=True) as host:
        config = _create(host, "trivial", TRIVIAL)
        cold = _timed(host, config, payload, cold_n, between=host.pool.reap)
        workers = host.pool.started_workers
    _report_latency(run, "trivial.cold", cold, f"{workers} workers started")
    run.report(
        "trivial.cold_over_warm",
        median(cold) - median(warm),
        "ms",
        "median cold - median warm: a worker's start",
    )

    log(f"  rule handler, {THREADS} threads, {total} invocations")
    with _host(run, "concurrent") as host:
        config = _create(host, "restricted-ssh", RULE)
        barrier = threading.Barrier(THREADS)

        def warm_up() -> None:  # one worker per thread, started before the clock runs
            barrier.wait()
            host.invoke(config, RULE_EVENT)

        with ThreadPoolExecutor(THREADS) as executor:
            list(executor.map(lambda _: warm_up(), range(THREADS)))
            latencies: list[float] = []

            def one(_: int) -> None:
                began = time.perf_counter()
                invocation = host.invoke(config, RULE_EVENT)
                latencies.append((time.perf_counter() - began) * 1000)
                if invocation.failed:
                    raise RuntimeError(invocation.payload.decode())

            with Stopwatch() as watch:
                list(executor.map(one, range(total)))
        workers = host.pool.started_workers
    run.report(
        "rule.concurrent",
        total / watch.seconds,
        "invocations/s",
        f"{THREADS} threads, {total} invocations, {workers} workers started "
        f"(pool max {host.pool.max_workers}); "
        f"latency median {median(latencies):.1f} ms, p95 {p95(latencies):.1f} ms",
    )
    log("  rule handler, one thread")
    with _host(run, "sequential") as host:
        config = _create(host, "restricted-ssh", RULE)
        host.invoke(config, RULE_EVENT)
        with Stopwatch() as watch:
            _timed(host, config, RULE_EVENT, total, between=lambda: None)
    run.report(
        "rule.sequential", total / watch.seconds, "invocations/s", f"1 thread, {total} invocations, warm"
    )

    log("  boto3 handler, cold and warm")
    with _host(run, "boto3-cold", cold=True) as host:
        config = _create(host, "boto3", BOTO3)
        boto_cold = _timed(host, config, payload, boto_cold_n, between=host.pool.reap)
    _report_latency(
        run, "boto3.cold", boto_cold, "import boto3 + config client at module level, fresh worker"
    )
    with _host(run, "boto3-warm") as host:
        config = _create(host, "boto3", BOTO3)
        host.invoke(config, payload)
        boto_warm = _timed(host, config, payload, boto_warm_n, between=lambda: None)
    _report_latency(run, "boto3.warm", boto_warm, "the same handler on its warm worker")
