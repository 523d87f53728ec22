"""A function's worker process: load one handler once, then run the invocations sent to it.

Run by the pool as `python -I -u -m roost.functions.worker IN_FD OUT_FD`, with the function's
environment (LAMBDA_TASK_ROOT, _HANDLER, AWS_* ...), stdout and stderr going to the worker's log file.
It imports nothing of roost: a warm worker is as close to a Lambda execution environment as a
process can be, and one function's modules never share an interpreter with another's.

Protocol, one JSON document per line:
    worker -> pool  {"ready": true, "baseline_kb": N} | {"init_error": {errorType, errorMessage, ...}}
    pool -> worker  {"id": REQUEST_ID, "event": JSON_TEXT, "deadline_ms": EPOCH_MS, "arn": ...}
    worker -> pool  {"id": ..., "ok": true, "payload": JSON_TEXT, "max_kb": N}
                  | {"id": ..., "ok": false, "error": {errorType, errorMessage, stackTrace, requestId}}
A worker that dies (os._exit, a signal, a segfault) simply stops answering: the pool sees the pipe close.
"""

from __future__ import annotations

import decimal
import faulthandler
import importlib
import ipaddress
import json
import logging
import os
import resource
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, BinaryIO

LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"


class NetworkBlocked(Exception):
    """Raised (not an OSError, so HTTP clients do not retry it) when sandboxed code reaches outside."""


class LambdaContext:
    """The context object a handler receives, with the attributes and method Lambda's has."""

    def __init__(self, request_id: str, deadline_ms: int, arn: str) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = arn
        # Lambda's Python runtime hands this over as the environment's string.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},function_name={self.function_name},"
            f"invoked_function_arn={self.invoked_function_arn}])"
        )


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


_request_filter = _RequestIdFilter()


def _set_up_logging() -> None:
    """Lambda's root logger: a handler writing `[LEVEL] time request-id message` to stdout."""
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(LOG_FORMAT, "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.terminator = ""
    handler.addFilter(_request_filter)
    root = logging.getLogger()
    root.handlers = [handler]


def _is_local(host: object) -> bool:
    if host is None:
        return True
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text in ("localhost", "localhost.localdomain", ""):
        return True
    try:
        return ipaddress.ip_address(text.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_public_sts(host: object) -> bool:
    text = host.decode() if isinstance(host, bytes) else str(host)
    return text == "sts.amazonaws.com" or (text.startswith("sts.") and text.endswith(".amazonaws.com"))


def _confine(*, local_only: bool, also_allowed: frozenset[str], refuse_sts: bool) -> None:
    """In the sandbox a function may reach only this machine (and roost's API): anything else fails
    at once, with a reason, instead of waiting on (and retrying) an address that is not there. Where
    roost serves STS, AWS's public STS hosts are refused the same way: rdklib tries
    sts.<region>.amazonaws.com first and falls back to AWS_ENDPOINT_URL_STS only when that fails."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def allowed(host: object) -> bool:
        if refuse_sts and _is_public_sts(host):
            return False
        return not local_only or _is_local(host) or str(host) in also_allowed

    def refuse(host: object) -> NetworkBlocked:
        if refuse_sts and _is_public_sts(host):
            return NetworkBlocked(f"{host!s}: roost serves STS for functions (AWS_ENDPOINT_URL_STS)")
        return NetworkBlocked(
            f"roost's sandbox lets functions reach only 127.0.0.1; {host!s} is outside it "
            "(the sandbox cloud and roost's API are reached through AWS_ENDPOINT_URL*)"
        )

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not allowed(host):
            raise refuse(host)
        return real_getaddrinfo(host, *args, **kwargs)

    def checked(address: Any) -> None:
        if isinstance(address, tuple) and address and not allowed(address[0]):
            raise refuse(address[0])

    def connect(self: socket.socket, address: Any) -> None:
        checked(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        checked(address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]


def _rss_kb(field: str = "VmRSS") -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class InitError(Exception):
    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.document = {"errorType": error_type, "errorMessage": message, "stackTrace": trace or []}


def _load_handler(spec: str) -> Callable[[Any, LambdaContext], Any]:
    """Import the handler module and find the handler, with Lambda's errors when that fails."""
    module_path, dot, function = spec.rpartition(".")
    if not dot or not module_path or not function:
        raise InitError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': not enough values to unpack")
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as exc:
        raise InitError(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {exc}",
            traceback.format_exception_only(type(exc), exc),
        ) from None
    except ImportError as exc:
        raise InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from None
    except Exception as exc:
        raise InitError(type(exc).__name__, str(exc), _stack(exc)) from None
    handler = getattr(module, function, None)
    if handler is None or not callable(handler):
        raise InitError("Runtime.HandlerNotFound", f"Handler '{function}' missing on module '{module_name}'")
    return handler  # type: ignore[no-any-return]


def _stack(exc: BaseException) -> list[str]:
    """The traceback from the function's own code on (the worker's frames are roost's, not theirs)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    return traceback.format_list(frames)


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, decimal.Decimal):  # Lambda's runtime serialises Decimal as a number
            return int(o) if o == o.to_integral_value() else float(o)
        return super().default(o)


def _send(out: BinaryIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message).encode() + b"\n")
    out.flush()


def _run(handler: Callable[[Any, LambdaContext], Any], request: dict[str, Any]) -> dict[str, Any]:
    request_id = request["id"]
    _request_filter.request_id = request_id
    context = LambdaContext(request_id, int(request["deadline_ms"]), request["arn"])
    try:
        result = handler(json.loads(request["event"]), context)
        try:
            payload = json.dumps(result, cls=_Encoder)
        except (TypeError, ValueError) as exc:
            raise _MarshalError(f"Unable to marshal response: {exc}") from None
        return {"id": request_id, "ok": True, "payload": payload}
    except Exception as exc:
        error_type = "Runtime.MarshalError" if isinstance(exc, _MarshalError) else type(exc).__name__
        stack = [] if isinstance(exc, _MarshalError) else _stack(exc)
        # Lambda writes the failure into the function's log as well.
        sys.stderr.write(f"[ERROR] {error_type}: {exc}\nTraceback (most recent call last):\n{''.join(stack)}")
        sys.stderr.flush()
        return {
            "id": request_id,
            "ok": False,
            "error": {
                "errorMessage": str(exc),
                "errorType": error_type,
                "requestId": request_id,
                "stackTrace": stack,
            },
        }
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


class _MarshalError(Exception):
    pass


def _follow_parent() -> None:
    """End this worker (and what it started) when roost goes, even mid-invocation: an orphaned worker
    stuck in a loop would otherwise run for ever."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch, name="roost-follow-parent", daemon=True).start()


def main(argv: list[str]) -> int:
    _follow_parent()
    incoming = os.fdopen(int(argv[1]), "rb")
    outgoing = os.fdopen(int(argv[2]), "wb")
    faulthandler.enable()  # a segfault leaves its Python traceback in the function's log
    baseline_kb = _rss_kb()
    local_only = os.environ.get("ROOST_WORKER_LOCAL_ONLY") == "1"
    refuse_sts = os.environ.get("ROOST_WORKER_REFUSE_PUBLIC_STS") == "1"
    if local_only or refuse_sts:
        also = frozenset(h for h in os.environ.get("ROOST_WORKER_ALLOWED_HOSTS", "").split(",") if h)
        _confine(local_only=local_only, also_allowed=also, refuse_sts=refuse_sts)
    for name in [n for n in os.environ if n.startswith("ROOST_WORKER_")]:
        del os.environ[name]  # roost's own settings: not the function's business
    _set_up_logging()
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path.insert(0, task_root)
    os.chdir(task_root)
    try:
        handler = _load_handler(os.environ.get("_HANDLER", ""))
    except InitError as exc:
        sys.stderr.write(f"[ERROR] {exc.document['errorType']}: {exc.document['errorMessage']}\n")
        sys.stderr.flush()
        _send(outgoing, {"init_error": exc.document})
        return 1
    _send(outgoing, {"ready": True, "baseline_kb": baseline_kb})
    for line in incoming:
        request = json.loads(line)
        answer = _run(handler, request)
        # VmHWM, not ru_maxrss: Linux carries the parent's peak over into a new process's ru_maxrss.
        answer["max_kb"] = _rss_kb("VmHWM")
        _send(outgoing, answer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
