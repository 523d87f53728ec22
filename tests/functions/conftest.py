"""Fixtures for hosted functions: a FunctionHost over a real SQLite store, running real worker
processes, and helpers to build deployment packages and create functions with sensible defaults."""

from __future__ import annotations

import io
import json
import os
import textwrap
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from roost.clock import SystemClock
from roost.functions.host import FunctionHost
from roost.functions.model import FunctionConfig, Invocation
from roost.model import AccountRegion
from roost.store import Store

SOURCE = AccountRegion("123456789012", "us-east-1")
ROLE = f"arn:aws:iam::{SOURCE.account_id}:role/lambda-role"
HANDLER = "lambda_function.lambda_handler"


def make_zip(files: dict[str, str | bytes]) -> bytes:
    """A deployment package of these files; text is dedented (so tests can indent their sources)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, textwrap.dedent(content) if isinstance(content, str) else content)
    return buffer.getvalue()


def payload(invocation: Invocation) -> Any:
    """The invocation's payload, decoded."""
    return json.loads(invocation.payload)


def pid_alive(pid: int) -> bool:
    """Whether a process is running (a zombie no one has reaped yet counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def gone(pid: int, within: float = 5.0) -> bool:
    """Whether the process is gone, or goes within `within` seconds."""
    deadline = time.monotonic() + within
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def host(store: Store) -> Iterator[FunctionHost]:
    """A function host with no cloud connector (so every account is local-only), closed afterwards."""
    running = FunctionHost(store, SystemClock())
    yield running
    running.close()


Create = Callable[..., FunctionConfig]


@pytest.fixture
def create(host: FunctionHost) -> Create:
    """create(source_code) / create(files={...}): a function in SOURCE; `code` is lambda_function.py."""

    counter = iter(range(1_000_000))

    def make(
        code: str | None = None,
        *,
        name: str | None = None,
        files: dict[str, str | bytes] | None = None,
        handler: str = HANDLER,
        runtime: str = "python3.12",
        timeout: int | None = None,
        memory_size: int | None = None,
        environment: dict[str, str] | None = None,
        role: str = ROLE,
        source: AccountRegion = SOURCE,
    ) -> FunctionConfig:
        package_files: dict[str, str | bytes] = dict(files or {})
        if code is not None:
            package_files["lambda_function.py"] = code
        return host.create(
            source,
            name=name or f"fn-{next(counter)}",
            runtime=runtime,
            handler=handler,
            role=role,
            package=make_zip(package_files),
            timeout=timeout,
            memory_size=memory_size,
            environment=environment,
        )

    return make


Invoke = Callable[..., Invocation]


@pytest.fixture
def invoke(host: FunctionHost) -> Invoke:
    """invoke(config, event=None, trigger="Invoke"): a synchronous invocation."""

    def run(config: FunctionConfig, event: Any = None, *, trigger: str = "Invoke") -> Invocation:
        return host.invoke(config, json.dumps(event).encode(), trigger=trigger)

    return run


def wait_for_file(path: Path, *, within: float) -> str:
    """The text of a file another process writes, once it has some."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} was not written within {within} s")
