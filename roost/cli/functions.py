"""`roost functions deploy|list|show|invoke|logs|delete`: the functions roost hosts for custom rules.

The commands work on the store directly, with a FunctionHost of their own over it (closed when the
command ends): `invoke` runs the function in a worker process started by this command, not in a
running `roost up`.
"""

from __future__ import annotations

import io
import json
import os
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from roost.cli.context import CliContext
from roost.cli.output import emit, fail
from roost.cli.resources import with_source
from roost.clock import SystemClock
from roost.cloud import CloudConnector
from roost.errors import ApiError
from roost.functions.host import FunctionHost
from roost.functions.model import DEFAULT_MEMORY, DEFAULT_TIMEOUT, FunctionConfig, InvocationLog
from roost.model import AccountRegion

DEFAULT_HANDLER = "lambda_function.lambda_handler"
DEFAULT_RUNTIME = "python3.12"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Every entry of a package roost builds carries this time: unchanged code zips to the same bytes."""


@contextmanager
def _host(obj: CliContext) -> Iterator[FunctionHost]:
    """A FunctionHost over the CLI's store; its errors become one line `roost: Code: message`."""
    host = FunctionHost(obj.store, SystemClock(), CloudConnector(obj.settings.accounts))
    try:
        yield host
    except ApiError as error:
        fail(f"{error.code}: {error.message}")
    finally:
        host.close()


# --- packaging ---------------------------------------------------------------------------------


def _add(archive: zipfile.ZipFile, path: Path, name: str) -> None:
    entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    entry.external_attr = (path.stat().st_mode & 0o777 | 0o100000) << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(entry, path.read_bytes())


def _skipped(relative: Path) -> bool:
    return any(part == "__pycache__" or part.startswith(".") for part in relative.parts)


def package(path: Path) -> tuple[bytes, str]:
    """(deployment package, default handler) of a .py file, a directory or a .zip."""
    if path.is_dir():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    file = Path(root) / name
                    relative = file.relative_to(path)
                    if not _skipped(relative) and file.is_file():
                        _add(archive, file, relative.as_posix())
        return buffer.getvalue(), DEFAULT_HANDLER
    if not path.is_file():
        fail(f"{path} is neither a file nor a directory")
    if path.suffix == ".py":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            _add(archive, path, path.name)
        return buffer.getvalue(), f"{path.stem}.lambda_handler"
    if path.suffix == ".zip":
        return path.read_bytes(), DEFAULT_HANDLER
    fail(f"{path} is not a .py file, a directory or a .zip")
    raise AssertionError("unreachable")


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    found = {}
    for pair in values:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            fail(f"{option} takes KEY=VALUE, got {pair!r}")
        found[key] = value
    return found


# --- showing -----------------------------------------------------------------------------------


def _configuration(config: FunctionConfig) -> dict[str, Any]:
    """A function as Lambda's FunctionConfiguration names its fields."""
    shown: dict[str, Any] = {
        "FunctionName": config.name,
        "FunctionArn": config.arn,
        "Runtime": config.runtime,
        "Handler": config.handler,
        "Role": config.role,
        "Timeout": config.timeout,
        "MemorySize": config.memory_size,
        "CodeSize": config.code_size,
        "CodeSha256": config.code_sha256,
        "Description": config.description,
        "LastModified": config.last_modified,
        "RevisionId": config.revision_id,
    }
    if config.environment:
        shown["Environment"] = {"Variables": dict(config.environment)}
    return shown


def _entry(entry: InvocationLog) -> dict[str, Any]:
    return {
        "requestId": entry.request_id,
        "started": entry.started,
        "durationMs": round(entry.duration_ms, 2),
        "outcome": entry.outcome.value,
        "errorType": entry.error_type,
        "errorMessage": entry.error_message,
        "trigger": entry.trigger,
        "log": entry.log,
    }


# --- commands ----------------------------------------------------------------------------------


@click.group()
def functions() -> None:
    """Hosted functions (Lambda-compatible): what custom rules run."""


@functions.command()
@click.argument("name")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--handler",
    default=None,
    help=f"module.function (default: <module>.lambda_handler for a .py file, else {DEFAULT_HANDLER}).",
)
@click.option("--runtime", default=None, help=f"Python runtime (default {DEFAULT_RUNTIME}).")
@click.option("--timeout", type=int, default=None, help=f"Seconds (default {DEFAULT_TIMEOUT}).")
@click.option("--memory", type=int, default=None, help=f"MemorySize in MB (default {DEFAULT_MEMORY}).")
@click.option(
    "--role", default=None, help="Execution role ARN (default arn:aws:iam::ACCOUNT:role/roost-function)."
)
@click.option(
    "--env", "env", multiple=True, metavar="KEY=VALUE", help="An environment variable (repeatable)."
)
@with_source
@click.pass_obj
def deploy(
    obj: CliContext,
    name: str,
    path: Path,
    handler: str | None,
    runtime: str | None,
    timeout: int | None,
    memory: int | None,
    role: str | None,
    env: tuple[str, ...],
    account: str | None,
    region: str | None,
) -> None:
    """Create the function NAME from PATH (a .py file, a directory or a .zip), or update it.

    On update, the code is replaced and only the settings given change (a .py file's handler
    included); the others keep their values.
    """
    source = obj.source(account, region)
    code, derived_handler = package(path)
    environment = _pairs(env, "--env")
    with _host(obj) as host:
        existing = host.store.functions.get(source, name)
        if existing is None:
            config = host.create(
                source,
                name=name,
                runtime=runtime or DEFAULT_RUNTIME,
                handler=handler or derived_handler,
                role=role or f"arn:aws:iam::{source.account_id}:role/roost-function",
                package=code,
                timeout=timeout,
                memory_size=memory,
                environment=environment,
            )
        else:
            wanted: dict[str, Any] = {
                "runtime": runtime,
                "handler": handler or (derived_handler if path.suffix == ".py" else None),
                "role": role,
                "timeout": timeout,
                "memory_size": memory,
                "environment": environment if env else None,
            }
            changes = {k: v for k, v in wanted.items() if v is not None and getattr(existing, k) != v}
            config = existing
            if changes:
                config = host.update_configuration(source, name, changes)
            if host.package(config) != code:
                config = host.update_code(source, name, code)
        if obj.output == "json":
            emit(_configuration(config), output="json")
        else:
            click.echo(config.arn)


@functions.command("list")
@with_source
@click.pass_obj
def list_functions(obj: CliContext, account: str | None, region: str | None) -> None:
    """The functions of an account and region."""
    source = obj.source(account, region)
    with _host(obj) as host:
        found = host.list(source)
    if obj.output == "json":
        emit([_configuration(c) for c in found], output="json")
        return
    rows = [
        {
            "name": c.name,
            "runtime": c.runtime,
            "handler": c.handler,
            "timeout": c.timeout,
            "memory": c.memory_size,
            "code size": c.code_size,
            "last modified": c.last_modified,
        }
        for c in found
    ]
    emit(rows, output="table", title=f"functions in {source}")


@functions.command()
@click.argument("name")
@with_source
@click.pass_obj
def show(obj: CliContext, name: str, account: str | None, region: str | None) -> None:
    """One function's configuration."""
    source = obj.source(account, region)
    with _host(obj) as host:
        config = host.get(source, name)
    emit(_configuration(config), output=obj.output, title=f"function {config.name}")


def _read_payload(payload: str) -> bytes:
    text = sys.stdin.read() if payload == "-" else payload
    try:
        json.loads(text)
    except ValueError as exc:
        fail(f"InvalidRequestContentException: Could not parse request body into json: {exc}")
    return text.encode()


@functions.command()
@click.argument("name")
@click.option(
    "--payload", default="{}", show_default=True, metavar="JSON|-", help="The event (- reads stdin)."
)
@click.option("--log", "show_log", is_flag=True, help="Also print the invocation's log (on stderr).")
@with_source
@click.pass_obj
def invoke(
    obj: CliContext, name: str, payload: str, show_log: bool, account: str | None, region: str | None
) -> None:
    """Run the function NAME now, print what it returned; exit status 1 if it failed."""
    source = obj.source(account, region)
    event = _read_payload(payload)
    with _host(obj) as host:
        invocation = host.invoke(host.get(source, name), event)
    result = invocation.payload.decode("utf-8", "replace")
    if obj.output == "json":
        document: dict[str, Any] = {
            "requestId": invocation.request_id,
            "outcome": invocation.outcome.value,
            "durationMs": round(invocation.duration_ms, 2),
            "payload": json.loads(result) if result else None,
        }
        if show_log:
            document["log"] = invocation.log
        emit(document, output="json")
    else:
        if show_log:
            click.echo(invocation.log, err=True, nl=False)
        click.echo(result)
    if invocation.failed:
        fail(f"{invocation.error_type}: {invocation.error_message}")


@functions.command()
@click.argument("name")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1), help="Invocations shown.")
@click.option("--request-id", default=None, help="Only this invocation.")
@with_source
@click.pass_obj
def logs(
    obj: CliContext, name: str, limit: int, request_id: str | None, account: str | None, region: str | None
) -> None:
    """The last invocations' logs, newest last (START ... END, REPORT as CloudWatch shows them)."""
    source = obj.source(account, region)
    with _host(obj) as host:
        config = host.get(source, name)
        where = AccountRegion(config.account_id, config.region)
        entries = host.store.functions.logs(where, config.name, limit=limit, request_id=request_id)
    if request_id is not None and not entries:
        fail(f"ResourceNotFoundException: no invocation {request_id} in the log of {config.name}")
    entries.reverse()
    if obj.output == "json":
        emit([_entry(e) for e in entries], output="json")
        return
    for entry in entries:
        click.echo(entry.log, nl=not entry.log.endswith("\n"))


@functions.command()
@click.argument("name")
@with_source
@click.pass_obj
def delete(obj: CliContext, name: str, account: str | None, region: str | None) -> None:
    """Delete a function, its code and its logs."""
    source = obj.source(account, region)
    with _host(obj) as host:
        config = host.get(source, name)
        host.delete(source, name)
    click.echo(f"function {config.name} deleted from {source}")


COMMANDS = [functions]
