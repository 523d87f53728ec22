"""FunctionHost: functions as Lambda has them (create, update, delete, permissions, invoke), run on
the warm worker pool, each invocation's log kept in the store.

Where a function's code reaches (its environment, fixed per worker):
- `boto3.client("config")` reaches roost's own Config API (AWS_ENDPOINT_URL_CONFIG_SERVICE), as do STS
  and Lambda when roost serves them; every other service reaches the function's account: the
  account's endpoint (AWS_ENDPOINT_URL, the sandbox) or real AWS, with the credentials roost records
  that account with. roost's API is told to accept those credentials (`grant_api_access`).
- Against a local cloud (the sandbox) a function may reach only 127.0.0.1.
"""

from __future__ import annotations

import builtins
import json
import logging
import re
import secrets
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from roost.clock import Clock, whole_millis
from roost.cloud import CloudConnector
from roost.errors import CloudError, FunctionError
from roost.functions.checks import check_config, validation_error
from roost.functions.code import CodeCache, check_package, code_sha256
from roost.functions.dispatch import FairQueue
from roost.functions.environment import RESERVED_VARIABLES, worker_environment
from roost.functions.model import (
    FUNCTION_NAME,
    LATEST,
    FunctionConfig,
    Invocation,
    InvocationLog,
    Outcome,
)
from roost.functions.permissions import Permissions
from roost.functions.pool import PoolClosed, PoolExhausted, WorkerPool, WorkerSpec
from roost.model import AccountRegion
from roost.store import Store

log = logging.getLogger(__name__)

ARN = re.compile(
    r"arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:(?P<name>[a-zA-Z0-9-_]+)"
    r"(:(?P<qualifier>[a-zA-Z0-9$_-]+))?"
)
PARTIAL_ARN = re.compile(
    r"(?P<account>\d{12}):function:(?P<name>[a-zA-Z0-9-_]+)(:(?P<qualifier>[a-zA-Z0-9$_-]+))?"
)
SID = re.compile(r"[a-zA-Z0-9-_.]+")
MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_ASYNC_PAYLOAD = 256 * 1024

Grant = Callable[[str, str, str], None]
"""grant(access_key_id, secret, account_id): roost's API accepts these credentials from now on."""


CANCELLED = "Roost.Cancelled"
"""errorType of an asynchronous invocation roost stopped before it ran."""


def not_run(request_id: str, error_type: str, message: str) -> Invocation:
    """An asynchronous invocation that never reached its function, as a failed invocation."""
    payload = json.dumps({"errorType": error_type, "errorMessage": message}).encode()
    return Invocation(request_id, Outcome.CRASH, payload, f"{error_type}: {message}\n", 0.0)


def not_found(arn: str) -> FunctionError:
    return FunctionError("ResourceNotFoundException", f"Function not found: {arn}", status=404)


class FunctionHost(Permissions):
    def __init__(
        self,
        store: Store,
        clock: Clock,
        connector: CloudConnector | None = None,
        *,
        work_dir: Path | None = None,
        pool: WorkerPool | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.connector = connector
        self._own_dir = work_dir is None
        self.work_dir = work_dir or Path(tempfile.mkdtemp(prefix="roost-functions-"))
        self.pool = pool or WorkerPool(self.work_dir / "workers")
        self.code = CodeCache(self.work_dir / "code")
        self.api_endpoint: str | None = None
        """roost's own API (Config, and STS and Lambda when it serves them); set once it listens."""
        self.serves_sts = False
        self.grant_api_access: Grant | None = None
        self._code_dirs: dict[str, Path] = {}
        self._minted: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()
        self._changes = threading.RLock()
        # Asynchronous invocations take turns between functions: one slow function holds up no other.
        self._async = FairQueue(
            threads=self.pool.max_workers, per_function=max(1, self.pool.max_workers // 2)
        )

    def serve(self, api_endpoint: str, *, sts: bool, grant: Grant | None) -> None:
        """Point functions at roost's API at `api_endpoint`, which accepts what `grant` registers."""
        self.api_endpoint = api_endpoint
        self.serves_sts = sts
        self.grant_api_access = grant

    # --- finding functions -------------------------------------------------------------------

    @staticmethod
    def parse_name(source: AccountRegion, function_name: str) -> tuple[AccountRegion, str, str | None]:
        """(source, name, qualifier) of a FunctionName given as a name, an ARN or a partial ARN."""
        for pattern, whole in ((ARN, True), (PARTIAL_ARN, False)):
            match = pattern.fullmatch(function_name)
            if match:
                region = match["region"] if whole else source.region
                return AccountRegion(match["account"], region), match["name"], match["qualifier"]
        name, _, qualifier = function_name.partition(":")
        if not FUNCTION_NAME.fullmatch(name):
            raise validation_error(
                function_name,
                "functionName",
                "Member must satisfy regular expression pattern: "
                r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?"
                r"(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?",
            )
        return source, name, qualifier or None

    def get(self, source: AccountRegion, function_name: str, qualifier: str | None = None) -> FunctionConfig:
        where, name, named_qualifier = self.parse_name(source, function_name)
        found = self.store.functions.get(where, name)
        wanted = qualifier or named_qualifier
        if found is None or (wanted is not None and wanted != LATEST):
            arn = f"arn:aws:lambda:{where.region}:{where.account_id}:function:{name}"
            raise not_found(f"{arn}:{wanted}" if wanted and found is not None else arn)
        return found

    def find_arn(self, arn: str) -> FunctionConfig | None:
        """The function an ARN names (a custom rule's SourceIdentifier), or None."""
        match = ARN.fullmatch(arn)
        if match is None or (match["qualifier"] not in (None, LATEST)):
            return None
        return self.store.functions.get(AccountRegion(match["account"], match["region"]), match["name"])

    def find_own(self, source: AccountRegion, arn: str) -> FunctionConfig | None:
        """The function an ARN names if it is `source`'s own (a rule runs only its own account and
        region's functions: another account's function is as good as missing)."""
        found = self.find_arn(arn)
        if found is None or (found.account_id, found.region) != (source.account_id, source.region):
            return None
        return found

    def list(self, source: AccountRegion) -> list[FunctionConfig]:
        return self.store.functions.list(source)

    def package(self, config: FunctionConfig) -> bytes:
        code = self.store.functions.code(AccountRegion(config.account_id, config.region), config.name)
        if code is None:
            raise not_found(config.arn)
        return code

    # --- changing functions ------------------------------------------------------------------

    def create(
        self,
        source: AccountRegion,
        *,
        name: str,
        runtime: str | None,
        handler: str | None,
        role: str,
        package: bytes,
        timeout: int | None = None,
        memory_size: int | None = None,
        environment: dict[str, str] | None = None,
        description: str = "",
        tags: dict[str, str] | None = None,
    ) -> FunctionConfig:
        where, plain, qualifier = self.parse_name(source, name)
        if qualifier is not None or where != source:
            raise FunctionError(
                "InvalidParameterValueException", "A function is created in the caller's account and region."
            )
        if runtime is None:
            raise FunctionError(
                "InvalidParameterValueException", "Runtime must be provided for Zip package type."
            )
        if handler is None:
            raise FunctionError(
                "InvalidParameterValueException", "Handler must be provided for Zip package type."
            )
        check_package(package)
        config = FunctionConfig(
            account_id=source.account_id,
            region=source.region,
            name=plain,
            runtime=runtime,
            handler=handler,
            role=role,
            code_sha256=code_sha256(package),
            code_size=len(package),
            last_modified=whole_millis(self.clock.now()),
            revision_id=str(uuid.uuid4()),
            environment=dict(environment or {}),
            description=description,
            tags=dict(tags or {}),
        )
        config = replace(
            config,
            timeout=timeout if timeout is not None else config.timeout,
            memory_size=memory_size if memory_size is not None else config.memory_size,
        )
        check_config(config)
        if not self.store.functions.create(config, package):
            raise FunctionError("ResourceConflictException", f"Function already exist: {plain}", status=409)
        self.pool.retire(config.arn, keep_revision=config.revision_id)  # a function of that name before
        return config

    def update_code(self, source: AccountRegion, function_name: str, package: bytes) -> FunctionConfig:
        with self._changes:  # read, check, write: concurrent changes never lose one another
            current = self.get(source, function_name)
            check_package(package)
            config = replace(
                current,
                code_sha256=code_sha256(package),
                code_size=len(package),
                last_modified=whole_millis(self.clock.now()),
                revision_id=str(uuid.uuid4()),
            )
            self.store.functions.update(config, package)
            self.pool.retire(config.arn, keep_revision=config.revision_id)
            return config

    def update_configuration(
        self,
        source: AccountRegion,
        function_name: str,
        changes: dict[str, Any],
        *,
        revision_id: str | None = None,
    ) -> FunctionConfig:
        """Apply `changes` (FunctionConfig field names: runtime, handler, role, timeout, memory_size,
        environment, description, tags)."""
        with self._changes:  # read, check, write: concurrent changes never lose one another
            current = self.get(source, function_name)
            if revision_id is not None and revision_id != current.revision_id:
                raise FunctionError(
                    "PreconditionFailedException",
                    "The Revision Id provided does not match the latest Revision Id. "
                    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
                    status=412,
                )
            config = replace(
                current,
                **changes,
                last_modified=whole_millis(self.clock.now()),
                revision_id=str(uuid.uuid4()),
            )
            check_config(config)
            self.store.functions.update(config)
            self.pool.retire(config.arn, keep_revision=config.revision_id)
            return config

    def delete(self, source: AccountRegion, function_name: str) -> None:
        with self._changes:  # read, check, write: concurrent changes never lose one another
            config = self.get(source, function_name)
            self.store.functions.delete(AccountRegion(config.account_id, config.region), config.name)
            self.pool.retire(config.arn)

    # --- invoking ----------------------------------------------------------------------------

    def invoke(self, config: FunctionConfig, payload: bytes, *, trigger: str = "Invoke") -> Invocation:
        """Run the function now and wait for it; the invocation's log is stored."""
        if len(payload) > MAX_SYNC_PAYLOAD:
            raise FunctionError(
                "RequestTooLargeException",
                f"Request must be smaller than {MAX_SYNC_PAYLOAD} bytes for the InvokeFunction operation",
                status=413,
            )
        return self._run(config, payload, trigger=trigger, request_id=str(uuid.uuid4()))

    def invoke_async(
        self,
        config: FunctionConfig,
        payload: bytes,
        *,
        trigger: str = "Invoke",
        on_done: Callable[[Invocation], None] | None = None,
    ) -> str:
        """Queue an invocation (InvocationType Event); returns its request id at once."""
        if len(payload) > MAX_ASYNC_PAYLOAD:
            raise FunctionError(
                "RequestTooLargeException",
                f"Request must be smaller than {MAX_ASYNC_PAYLOAD} bytes for the InvokeFunction operation",
                status=413,
            )
        request_id = str(uuid.uuid4())

        def report(invocation: Invocation) -> None:
            if on_done is not None:
                try:
                    on_done(invocation)
                except Exception:
                    log.exception("after invocation %s of %s", request_id, config.name)

        def run() -> None:
            try:
                invocation = self._run(config, payload, trigger=trigger, request_id=request_id)
            except FunctionError as error:  # e.g. every worker busy for a minute: it is still a failure
                invocation = not_run(request_id, error.code, error.message)
            except Exception as exc:
                log.exception("invocation %s of %s failed to run", request_id, config.name)
                invocation = not_run(request_id, "ServiceException", f"{type(exc).__name__}: {exc}")
            report(invocation)

        def cancel() -> None:
            report(not_run(request_id, CANCELLED, "roost stopped before this invocation ran."))

        try:
            self._async.submit(config.arn, run, cancel)
        except RuntimeError:
            cancel()
        return request_id

    def _run(self, config: FunctionConfig, payload: bytes, *, trigger: str, request_id: str) -> Invocation:
        payload = payload or b"{}"  # Lambda hands a function invoked without a payload {}
        spec = WorkerSpec(
            arn=config.arn,
            revision_id=config.revision_id,
            code_dir=self._code_dir(config),
            environment=self._environment(config),
            timeout=float(config.timeout),
            memory_mb=config.memory_size,
        )
        started = self.clock.now()
        try:
            invocation = self.pool.invoke(spec, request_id=request_id, event=payload)
        except PoolExhausted as exc:
            raise FunctionError("TooManyRequestsException", f"Rate Exceeded. {exc}", status=429) from None
        except PoolClosed as exc:
            raise FunctionError("ServiceException", str(exc), status=500) from None
        self.store.functions.add_log(
            InvocationLog(
                account_id=config.account_id,
                region=config.region,
                function_name=config.name,
                request_id=request_id,
                started=started,
                duration_ms=invocation.duration_ms,
                outcome=invocation.outcome,
                error_type=invocation.error_type,
                error_message=invocation.error_message,
                log=invocation.log,
                trigger=trigger,
            )
        )
        return invocation

    def logs(
        self, source: AccountRegion, function_name: str, *, limit: int = 20
    ) -> builtins.list[InvocationLog]:
        config = self.get(source, function_name)
        return self.store.functions.logs(
            AccountRegion(config.account_id, config.region), config.name, limit=limit
        )

    def _code_dir(self, config: FunctionConfig) -> Path:
        found = self._code_dirs.get(config.code_sha256)
        if found is None:
            package = self.package(config)
            found = self.code.unpacked(package)
            # Keyed by the package actually read (an update may have landed since `config` was read).
            self._code_dirs[code_sha256(package)] = found
        return found

    def _environment(self, config: FunctionConfig) -> dict[str, str]:
        account = None
        if self.connector is not None:
            try:
                account = self.connector.account(config.account_id)
            except CloudError:
                account = None
        if account is not None and self.connector is not None:
            try:
                key, secret, token = self.connector.credentials(config.account_id, config.region)
            except CloudError as error:
                log.warning("no credentials for %s: %s", config.account_id, error)
                key, secret, token = (*self._minted_keys(config.account_id), None)
        else:
            key, secret, token = (*self._minted_keys(config.account_id), None)
        if self.grant_api_access is not None:
            self.grant_api_access(key, secret, config.account_id)
        cloud = account.endpoint_url if account is not None else None
        local_only = account is None or account.sandbox or (cloud is not None and _is_loopback(cloud))
        home = self.work_dir / "home"
        home.mkdir(exist_ok=True)
        return worker_environment(
            config,
            code_dir=self._code_dir(config),
            home=home,
            credentials=(key, secret, token),
            cloud_endpoint=cloud,
            api_endpoint=self.api_endpoint,
            serves_sts=self.serves_sts,
            local_only=local_only,
        )

    def _minted_keys(self, account_id: str) -> tuple[str, str]:
        """Credentials for an account roost has no cloud access to: good for roost's API only."""
        with self._lock:
            if account_id not in self._minted:
                self._minted[account_id] = (
                    f"ROOSTFN{secrets.token_hex(6).upper()}",
                    secrets.token_urlsafe(30),
                )
            return self._minted[account_id]

    def close(self) -> None:
        self._async.close()
        self.pool.close()
        if self._own_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)


def _is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


__all__ = ["RESERVED_VARIABLES", "FunctionHost", "Grant", "not_found"]
