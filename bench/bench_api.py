"""The Config API from one boto3 client: roost's server, moto's server and do-nothing floors, side by side.

Every server runs in a process of its own (`python -m bench.bench_api --serve KIND`), so the client
(this process) and the server never compete for one GIL: a call's latency is the client's work (boto3
signing the request and parsing the answer) plus the loopback round trip plus the server's work. The
servers:

* `roost`: roost's ConfigApi as `roost up` serves it (uvicorn + Starlette, `HttpServer`), over a SQLite
  file, with the sandbox key pair test/test. Every call's SigV4 signature is verified.
* `moto`: moto's server (`roost.cloud.sandbox.Sandbox`: werkzeug, threaded), which implements AWS
  Config's API too. It is also the cloud roost's recorder reads to build the history below.
* `floor`: uvicorn + Starlette (roost's own stack) answering every POST with `{}`: what any server on
  this stack costs. `floor_thread`: the same plus a no-op run in the thread pool, the hop ConfigApi
  makes for every handler. `floor_asyncio`: plain asyncio streams answering `{}`: under the stack.

Two operations, each called sequentially from one client after a warm-up, the targets taking turns in
rounds so that drift in the machine's load hits all of them alike:

* DescribeConfigurationRecorders, with one recorder put through the API on roost and on moto.
* GetResourceConfigHistory of one S3 bucket (no limit: AWS's default page of 10 items). roost's
  recorder recorded the bucket 21 times (its tags changed between passes) from moto's S3, so roost
  answers 10 of 21 items and a nextToken. moto keeps no history: it answers the bucket's current
  configuration as one item (it supports the call only for a few types, S3 buckets among them).

Besides calls/s and latency, each series reports the CPU the server process and the client used per
call (/proc on Linux), and two in-process figures split roost's own cost: the signature check alone
and the work after it (parse, validate, handler and store, shape, serialise) without HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import selectors
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import boto3
from botocore.config import Config

from bench.harness import REPO_ROOT, Run, Stopwatch, benchmark, log

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # the sandbox account: key pair test/test, on roost and on moto alike
ACCESS_KEY = SECRET_KEY = "test"
BUCKET = "roost-bench-api-history"
VERSIONS = 21
"""Items recorded for the bucket on roost: discovered once, then changed 20 times."""
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
CONTENT_TYPE = "application/x-amz-json-1.1"
TARGETS = ("roost", "moto", "floor", "floor_thread", "floor_asyncio")
SERVER_START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Op:
    name: str
    """The figure's name."""
    operation: str
    method: str
    params: dict[str, Any]


OPS = (
    Op("describe_recorders", "DescribeConfigurationRecorders", "describe_configuration_recorders", {}),
    Op(
        "history",
        "GetResourceConfigHistory",
        "get_resource_config_history",
        {"resourceType": "AWS::S3::Bucket", "resourceId": BUCKET},
    ),
)


# --- the servers, each in a process of its own ---------------------------------------------------


def _nothing() -> None:
    return None


def _floor_app(*, thread_hop: bool) -> Any:
    """Starlette answering `{}`; with `thread_hop`, after a no-op run in the worker thread pool, as
    ConfigApi runs every handler (`run_in_threadpool`)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def answer(request: Request) -> Response:
        await request.body()
        if thread_hop:
            await run_in_threadpool(_nothing)
        return Response(b"{}", media_type=CONTENT_TYPE, headers={"x-amzn-RequestId": "floor"})

    return Starlette(routes=[Route("/", answer, methods=["POST"])])


_ASYNCIO_ANSWER = (
    b"HTTP/1.1 200 OK\r\ncontent-type: " + CONTENT_TYPE.encode() + b"\r\n"
    b"x-amzn-RequestId: floor\r\ncontent-length: 2\r\n\r\n{}"
)


async def _asyncio_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """HTTP/1.1 keep-alive, just enough for botocore: read the head and the body, answer `{}`."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            writer.write(_ASYNCIO_ANSWER)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        pass  # the client went away, or the server is stopping
    finally:
        writer.close()


async def _serve_asyncio(host: str, port: int) -> None:
    server = await asyncio.start_server(_asyncio_connection, host, port)
    bound = server.sockets[0].getsockname()[1]
    _announce(f"http://{host}:{bound}")
    async with server:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def _announce(url: str) -> None:
    print(f"listening {url}", flush=True)
    log(f"    server pid {os.getpid()} at {url}")


def serve(kind: str, *, host: str, port: int, db_url: str | None) -> None:
    """Serve until stdin closes (the benchmark closes it); print `listening URL` once ready."""
    if kind == "floor_asyncio":
        asyncio.run(_serve_asyncio(host, port))
        return
    if kind == "moto":
        from roost.cloud.sandbox import Sandbox

        with Sandbox(host=host, port=port) as sandbox:
            _announce(sandbox.endpoint_url)
            sys.stdin.read()
        return

    from roost.api.server import HttpServer

    store = None
    if kind == "roost":
        from roost.api.app import ConfigApi
        from roost.api.auth import KeyPair, KeyRing
        from roost.api.context import ApiServices
        from roost.api.server import build_app
        from roost.clock import SystemClock
        from roost.store import Store

        if db_url is None:
            raise SystemExit("--serve roost needs --db URL")
        store = Store.open(db_url)
        keys = KeyRing([KeyPair(ACCESS_KEY, SECRET_KEY, ACCOUNT_ID)])
        app = build_app(ConfigApi(ApiServices(store=store, clock=SystemClock()), keys))
    elif kind in ("floor", "floor_thread"):
        app = _floor_app(thread_hop=kind == "floor_thread")
    else:
        raise SystemExit(f"unknown server {kind!r} (known: {', '.join(TARGETS)})")
    server = HttpServer(app, host=host, port=port)
    server.start()
    try:
        _announce(server.url)
        sys.stdin.read()
    finally:
        server.stop()
        if store is not None:
            store.close()


class ServerProcess:
    """`python -m bench.bench_api --serve KIND` as a child process; stopped by closing its stdin."""

    def __init__(self, kind: str, *, db_url: str | None = None) -> None:
        self.kind = kind
        self.command = [sys.executable, "-m", "bench.bench_api", "--serve", kind, "--port", "0"]
        if db_url is not None:
            self.command += ["--db", db_url]
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> ServerProcess:
        self.process = subprocess.Popen(
            self.command, cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.url = self._read_url(self.process)
        return self

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f"the {self.kind} server is not running")
        return self.process.pid

    def _read_url(self, process: subprocess.Popen[str]) -> str:
        stdout: IO[str] | None = process.stdout
        assert stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            if not selector.select(timeout=SERVER_START_TIMEOUT):
                self._stop()
                raise TimeoutError(f"the {self.kind} server did not start in {SERVER_START_TIMEOUT:.0f}s")
        line = stdout.readline()
        if not line.startswith("listening "):
            self._stop()
            raise RuntimeError(f"the {self.kind} server did not start (it said {line!r})")
        return line.split()[1]

    def _stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait(timeout=15)
        if process.stdout is not None:
            process.stdout.close()

    def __exit__(self, *_exc: object) -> None:
        self._stop()


# --- the client ----------------------------------------------------------------------------------


def client(service: str, url: str) -> Any:
    """A boto3 client signed with test/test; no retries, so a failed call fails the benchmark."""
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )


def timed_calls(call: Callable[[], Any], n: int) -> list[float]:
    """Seconds of each of `n` sequential calls."""
    latencies = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - start)
    return latencies


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def describe_answer(answer: dict[str, Any]) -> str:
    """What a call answered, for the notes: bytes on the wire, and items or recorders."""
    size = answer["ResponseMetadata"]["HTTPHeaders"].get("content-length", "?")
    counted = [f"{len(v)} {k}" for k, v in answer.items() if isinstance(v, list)]
    token = ", a nextToken" if answer.get("nextToken") else ""
    return f"{size} B, {', '.join(counted) or 'nothing'}{token}"


# --- the state both servers get ------------------------------------------------------------------


def put_recorder(config: Any) -> None:
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": ROLE_ARN,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )


def record_history(db_url: str, moto_url: str) -> None:
    """The bucket in moto's S3, recorded by roost's recorder VERSIONS times into roost's store."""
    from roost.cloud import CloudConnector
    from roost.model import AccountRegion
    from roost.recorder.recorder import Recorder
    from roost.settings import Settings
    from roost.store import Store

    s3 = client("s3", moto_url)
    s3.create_bucket(Bucket=BUCKET)
    settings = Settings().with_sandbox_account(moto_url, (REGION,))
    store = Store.open(db_url)
    try:
        recorder = Recorder(store, CloudConnector(settings.accounts))
        source = AccountRegion(ACCOUNT_ID, REGION)
        for version in range(VERSIONS):
            if version:
                s3.put_bucket_tagging(
                    Bucket=BUCKET, Tagging={"TagSet": [{"Key": "version", "Value": str(version)}]}
                )
            result = recorder.record_pass(source, resource_types=["AWS::S3::Bucket"])
            if result.aborted is not None or result.errors:
                raise RuntimeError(f"recording the bucket failed: {result.aborted or result.errors}")
        items = store.items.count_items(source)
    finally:
        store.close()
    if items != VERSIONS:
        raise RuntimeError(f"expected {VERSIONS} items for the bucket, the store holds {items}")


# --- roost's own costs, in this process ----------------------------------------------------------


def sigv4_seconds(n: int) -> float:
    """Seconds per `authenticate` of a botocore-signed DescribeConfigurationRecorders request."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from starlette.datastructures import Headers

    from roost.api.auth import KeyPair, KeyRing, authenticate
    from roost.api.service_model import SIGNING_NAME, TARGET_PREFIX

    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1:7700/",
        data=b"{}",
        headers={
            "X-Amz-Target": f"{TARGET_PREFIX}.DescribeConfigurationRecorders",
            "Content-Type": CONTENT_TYPE,
        },
    )
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), SIGNING_NAME, REGION).add_auth(request)
    headers = Headers(headers={**dict(request.headers.items()), "host": "127.0.0.1:7700"})
    keys = KeyRing([KeyPair(ACCESS_KEY, SECRET_KEY, ACCOUNT_ID)])
    now = datetime.now(UTC)
    with Stopwatch() as watch:
        for _ in range(n):
            authenticate(
                keys,
                method="POST",
                path="/",
                query="",
                headers=headers,
                body=b"{}",
                now=now,
                service="config",
            )
    return watch.seconds / n


def core_seconds(db_url: str, op: Op, n: int) -> float:
    """Seconds per call of what ConfigApi does after the signature, without HTTP or the thread hop:
    parse the body, validate it against the input shape, run the handler (the store included), shape
    the output, serialise it."""
    from roost.api.app import parse_body
    from roost.api.auth import Caller
    from roost.api.context import ApiServices, RequestContext
    from roost.api.operations import OPERATIONS, load_operations
    from roost.api.serialize import shape_output
    from roost.api.service_model import operation_model
    from roost.api.validation import validate_input
    from roost.clock import SystemClock
    from roost.store import Store

    load_operations()
    model = operation_model(op.operation)
    assert model is not None
    handler = OPERATIONS.get(op.operation)
    body = json.dumps(op.params).encode()
    store = Store.open(db_url)
    try:
        context = RequestContext(
            ApiServices(store=store, clock=SystemClock()),
            Caller(ACCESS_KEY, ACCOUNT_ID, REGION),
            op.operation,
        )

        def one() -> None:
            params = parse_body(body)
            validate_input(model.input_shape, params)
            shaped = shape_output(model.output_shape, handler(context, params), strict=False)
            json.dumps(shaped, separators=(",", ":"))

        for _ in range(min(n, 50)):
            one()
        with Stopwatch() as watch:
            for _ in range(n):
                one()
    finally:
        store.close()
    return watch.seconds / n


# --- the benchmark -------------------------------------------------------------------------------


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far (Linux's /proc; None elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Series:
    """One target's calls of one operation, over every round."""

    answer: str
    latencies: list[float] = field(default_factory=list)
    server_cpu: float | None = 0.0
    client_cpu: float = 0.0

    def measure(self, call: Callable[[], Any], n: int, server_pid: int) -> None:
        server_before = process_cpu_seconds(server_pid)
        client_before = time.process_time()
        self.latencies += timed_calls(call, n)
        self.client_cpu += time.process_time() - client_before
        server_after = process_cpu_seconds(server_pid)
        if server_before is None or server_after is None or self.server_cpu is None:
            self.server_cpu = None
        else:
            self.server_cpu += server_after - server_before

    @property
    def rate(self) -> float:
        return len(self.latencies) / sum(self.latencies)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95_ms(self) -> float:
        return p95(self.latencies) * 1000

    def cpu(self) -> str:
        n = len(self.latencies)
        server = "?" if self.server_cpu is None else f"{self.server_cpu / n * 1000:.2f}"
        return f"CPU per call: server {server} ms, client {self.client_cpu / n * 1000:.2f} ms"


@benchmark("api", "the Config API from one boto3 client: roost vs moto's server vs a do-nothing floor")
def api(run: Run) -> None:
    # Only local servers are ever reached; make sure no stray credentials or profile are picked up.
    os.environ["AWS_ACCESS_KEY_ID"] = ACCESS_KEY
    os.environ["AWS_SECRET_ACCESS_KEY"] = SECRET_KEY
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ.pop("AWS_PROFILE", None)
    calls = run.size(full=2_000, quick=200)
    rounds = run.size(full=4, quick=2)
    warmup = run.size(full=100, quick=20)
    db_url = f"sqlite:///{run.db_dir / 'api.db'}"

    log("  starting the servers, each in a process of its own")
    with contextlib.ExitStack() as stack:
        servers = {
            target: stack.enter_context(ServerProcess(target, db_url=db_url if target == "roost" else None))
            for target in TARGETS
        }
        clients = {target: client("config", server.url) for target, server in servers.items()}
        for config in clients.values():
            stack.callback(config.close)
        put_recorder(clients["roost"])
        put_recorder(clients["moto"])
        log(f"  recording the bucket {VERSIONS} times from moto's S3 into roost's store")
        record_history(db_url, servers["moto"].url)

        for op in OPS:
            calls_of = {
                target: functools.partial(getattr(config, op.method), **op.params)
                for target, config in clients.items()
            }
            series = {target: Series(describe_answer(call())) for target, call in calls_of.items()}
            for call in calls_of.values():
                timed_calls(call, warmup)
            # The targets take turns, so that drift in the machine's load hits them alike.
            for _ in range(rounds):
                for target, call in calls_of.items():
                    series[target].measure(call, calls // rounds, servers[target].pid)
            report_op(run, op, series)

    sigv4 = sigv4_seconds(run.size(full=20_000, quick=2_000))
    run.report(
        "sigv4_verify",
        sigv4 * 1e6,
        "us/call",
        "roost.api.auth.authenticate of a botocore-signed request, in this process: roost checks "
        "the signature of every call (4 HMACs deriving the key, the canonical request, 1 HMAC)",
    )
    for op in OPS:
        core = core_seconds(db_url, op, run.size(full=2_000, quick=200))
        run.report(
            f"{op.name}.roost_core",
            core * 1e6,
            "us/call",
            "in this process, no HTTP, no signature, no thread hop: parse + validate + handler "
            "(SQLite store) + shape_output + json.dumps, in a hot loop: a lower bound (warm caches) "
            "of what the server spends on it",
        )


TARGET_NOTES = {
    "roost": "roost's ConfigApi (uvicorn + Starlette), signature verified",
    "moto": "moto's server (werkzeug, threaded)",
    "floor": "uvicorn + Starlette answering {}",
    "floor_thread": "the floor plus a no-op in the thread pool (ConfigApi's hop)",
    "floor_asyncio": "plain asyncio streams answering {}",
}


def report_op(run: Run, op: Op, series: dict[str, Series]) -> None:
    for target in TARGETS:
        s = series[target]
        run.report(
            f"{op.name}.{target}",
            s.rate,
            "calls/s",
            f"{TARGET_NOTES[target]}; median {s.median_ms:.2f} ms, p95 {s.p95_ms:.2f} ms over "
            f"{len(s.latencies):,} calls; {s.cpu()}; answer {s.answer}",
        )
    roost, moto, floor = series["roost"], series["moto"], series["floor"]
    run.report(
        f"{op.name}.roost_vs_moto",
        roost.rate / moto.rate,
        "x",
        f"roost's calls/s over moto's (>1: roost faster); median {roost.median_ms:.2f} vs "
        f"{moto.median_ms:.2f} ms",
    )
    run.report(
        f"{op.name}.roost_vs_floor",
        roost.rate / floor.rate,
        "x",
        f"roost's calls/s over the uvicorn+Starlette floor's (1.0 = as thin as it gets); roost adds "
        f"{roost.median_ms - floor.median_ms:.2f} ms to the floor's median {floor.median_ms:.2f} ms",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_api", description="Serve one of the api benchmark's servers."
    )
    parser.add_argument("--serve", choices=TARGETS, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--db", help="the store's URL (roost only), e.g. sqlite:///roost.db")
    args = parser.parse_args(argv)
    serve(args.serve, host=args.host, port=args.port, db_url=args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
