"""FunctionHost with real worker processes over a real SQLite store: the function lifecycle, Lambda's
validation errors, runtimes, init errors, marshalling, the environment and context a function sees,
network confinement, isolation between functions, logs, asynchronous invocation and permissions."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time

import pytest

from roost.errors import FunctionError
from roost.functions.host import FunctionHost
from roost.functions.model import LATEST, Invocation, Outcome, PolicyStatement
from roost.model import AccountRegion
from tests.functions.conftest import HANDLER, ROLE, SOURCE, Create, Invoke, make_zip, payload
from tests.functions.conftest import gone as _gone

pytestmark = pytest.mark.timeout(60)

ECHO = """
import os

VERSION = "VERSION_MARK"


def lambda_handler(event, context):
    return {"version": VERSION, "event": event, "pid": os.getpid(), "greeting": os.environ.get("GREETING")}
"""


def echo(version: str) -> str:
    return ECHO.replace("VERSION_MARK", version)


def error_of(call: object) -> FunctionError:
    with pytest.raises(FunctionError) as caught:
        call()  # type: ignore[operator]
    return caught.value


# --- lifecycle -----------------------------------------------------------------------------------


def test_create_get_list(host: FunctionHost, create: Create) -> None:
    config = create(echo("1"), name="echo", timeout=7, memory_size=256, environment={"GREETING": "hi"})

    assert config.arn == f"arn:aws:lambda:us-east-1:{SOURCE.account_id}:function:echo"
    assert (config.runtime, config.handler, config.role) == ("python3.12", HANDLER, ROLE)
    assert (config.timeout, config.memory_size, config.environment) == (7, 256, {"GREETING": "hi"})
    assert config.code_size == len(host.package(config)) > 0
    assert host.get(SOURCE, "echo") == config
    assert host.get(SOURCE, config.arn) == config
    assert host.get(SOURCE, "echo", LATEST) == config
    assert host.find_arn(config.arn) == config
    assert host.find_arn(config.arn + ":7") is None

    other = create(echo("2"), name="another")
    assert [c.name for c in host.list(SOURCE)] == ["another", "echo"]
    assert host.list(AccountRegion(SOURCE.account_id, "eu-west-1")) == []
    assert create(echo("3"), name="echo", source=AccountRegion(SOURCE.account_id, "eu-west-1")).name == "echo"
    assert other.revision_id != config.revision_id


def test_defaults(create: Create) -> None:
    config = create(echo("1"))

    assert (config.timeout, config.memory_size, config.environment, config.description) == (3, 128, {}, "")


def test_update_code_runs_the_new_code_next(host: FunctionHost, create: Create, invoke: Invoke) -> None:
    config = create(echo("1"))
    first = payload(invoke(config))
    assert first["version"] == "1"

    new_package = make_zip({"lambda_function.py": echo("2")})
    updated = host.update_code(SOURCE, config.name, new_package)

    assert updated.revision_id != config.revision_id
    assert updated.code_sha256 != config.code_sha256
    assert host.pool.warm(config.arn) == 0  # the old revision's worker retired
    assert _gone(first["pid"])
    assert payload(invoke(host.get(SOURCE, config.name)))["version"] == "2"
    assert host.package(updated) == new_package


def test_update_configuration_reaches_the_code(host: FunctionHost, create: Create, invoke: Invoke) -> None:
    config = create(echo("1"), environment={"GREETING": "hello"})
    assert payload(invoke(config))["greeting"] == "hello"

    updated = host.update_configuration(SOURCE, config.name, {"environment": {"GREETING": "bonjour"}})

    assert updated.environment == {"GREETING": "bonjour"}
    assert payload(invoke(updated))["greeting"] == "bonjour"
    stale = error_of(
        lambda: host.update_configuration(SOURCE, config.name, {"timeout": 5}, revision_id=config.revision_id)
    )
    assert (stale.code, stale.status) == ("PreconditionFailedException", 412)


SLEEPER = """
import time


def lambda_handler(event, context):
    time.sleep(event["sleep"])
    return "rested"
"""


def test_a_timeout_change_is_enforced(host: FunctionHost, create: Create, invoke: Invoke) -> None:
    config = create(SLEEPER, timeout=3)
    assert invoke(config, {"sleep": 1.2}).outcome is Outcome.SUCCESS

    shorter = host.update_configuration(SOURCE, config.name, {"timeout": 1})

    result = invoke(shorter, {"sleep": 1.2})  # what passed under 3 seconds times out under 1
    assert result.outcome is Outcome.TIMEOUT
    assert result.error_type == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in result.log


def test_delete_removes_the_function_and_its_logs(host: FunctionHost, create: Create, invoke: Invoke) -> None:
    config = create(echo("1"), name="doomed")
    kept = create(echo("1"), name="kept")
    invoke(config)
    invoke(kept)
    assert len(host.logs(SOURCE, "doomed")) == 1

    host.delete(SOURCE, "doomed")

    gone = error_of(lambda: host.get(SOURCE, "doomed"))
    assert (gone.code, gone.status) == ("ResourceNotFoundException", 404)
    assert error_of(lambda: host.logs(SOURCE, "doomed")).code == "ResourceNotFoundException"
    assert host.store.functions.logs(SOURCE, "doomed") == []
    assert host.store.functions.code(SOURCE, "doomed") is None
    assert host.pool.warm(config.arn) == 0
    assert error_of(lambda: host.delete(SOURCE, "doomed")).code == "ResourceNotFoundException"
    assert [c.name for c in host.list(SOURCE)] == ["kept"]
    assert len(host.logs(SOURCE, "kept")) == 1

    again = create(echo("2"), name="doomed")  # the name is free again, with no history
    assert host.logs(SOURCE, "doomed") == []
    assert payload(invoke(again))["version"] == "2"


# --- validation ----------------------------------------------------------------------------------


def test_a_duplicate_name_conflicts(create: Create) -> None:
    create(echo("1"), name="twice")

    error = error_of(lambda: create(echo("2"), name="twice"))

    assert (error.code, error.status) == ("ResourceConflictException", 409)


def test_an_unknown_function_is_not_found(host: FunctionHost) -> None:
    for call in (
        lambda: host.get(SOURCE, "nobody"),
        lambda: host.update_code(SOURCE, "nobody", make_zip({"a.py": ""})),
        lambda: host.update_configuration(SOURCE, "nobody", {"timeout": 5}),
        lambda: host.delete(SOURCE, "nobody"),
        lambda: host.logs(SOURCE, "nobody"),
        lambda: host.policy(SOURCE, "nobody"),
    ):
        error = error_of(call)
        assert (error.code, error.status) == ("ResourceNotFoundException", 404)
        assert "nobody" in error.message


def _zip_with_path(path: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", "def lambda_handler(e, c):\n    return 1\n")
        archive.writestr(path, "escaped")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("changes", "code", "fragment"),
    [
        ({"environment": {"AWS_REGION": "eu-west-1"}}, "InvalidParameterValueException", "AWS_REGION"),
        ({"environment": {"_HANDLER": "x.y"}}, "InvalidParameterValueException", "_HANDLER"),
        ({"environment": {"1BAD": "x"}}, "ValidationException", "1BAD"),
        ({"environment": {"BIG": "x" * 5000}}, "InvalidParameterValueException", "4KB"),
        ({"runtime": "nodejs20.x"}, "InvalidParameterValueException", "nodejs20.x"),
        ({"runtime": "cobol"}, "InvalidParameterValueException", "cobol"),
        ({"role": "not-a-role"}, "ValidationException", "role"),
        ({"timeout": 901}, "ValidationException", "timeout"),
        ({"timeout": 0}, "ValidationException", "timeout"),
        ({"memory_size": 64}, "ValidationException", "memorySize"),
        ({"memory_size": 10241}, "ValidationException", "memorySize"),
        ({"handler": "has space.handler"}, "ValidationException", "handler"),
        ({"package": b"not a zip"}, "InvalidParameterValueException", "unzip"),
        ({"package": _zip_with_path("../escape.txt")}, "InvalidParameterValueException", "../escape.txt"),
        ({"package": _zip_with_path("/etc/escape.txt")}, "InvalidParameterValueException", "escape.txt"),
        ({"runtime": None}, "InvalidParameterValueException", "Runtime"),
        ({"handler": None}, "InvalidParameterValueException", "Handler"),
        ({"name": "bad name!"}, "ValidationException", "functionName"),
    ],
)
def test_invalid_functions_are_refused(
    host: FunctionHost, changes: dict[str, object], code: str, fragment: str
) -> None:
    arguments: dict[str, object] = {
        "name": "refused",
        "runtime": "python3.12",
        "handler": HANDLER,
        "role": ROLE,
        "package": make_zip({"lambda_function.py": echo("1")}),
        **changes,
    }

    error = error_of(lambda: host.create(SOURCE, **arguments))  # type: ignore[arg-type]

    assert (error.code, error.status) == (code, 400)
    assert fragment in error.message
    assert host.list(SOURCE) == []


def test_updates_are_validated_too(host: FunctionHost, create: Create) -> None:
    config = create(echo("1"), name="checked")

    assert error_of(lambda: host.update_configuration(SOURCE, "checked", {"timeout": 901})).code == (
        "ValidationException"
    )
    assert error_of(
        lambda: host.update_configuration(SOURCE, "checked", {"environment": {"AWS_SESSION_TOKEN": "x"}})
    ).code == ("InvalidParameterValueException")
    assert error_of(lambda: host.update_code(SOURCE, "checked", b"PK\x03\x04 broken")).code == (
        "InvalidParameterValueException"
    )
    assert host.get(SOURCE, "checked") == config


# --- runtimes ------------------------------------------------------------------------------------

VERSION_PROBE = """
import os
import sys


def lambda_handler(event, context):
    return {"executable": sys.executable, "version": list(sys.version_info[:2]),
            "execution_env": os.environ["AWS_EXECUTION_ENV"]}
"""


@pytest.mark.parametrize("minor", range(8, 14))
def test_every_python_runtime_runs_on_roost_s_interpreter(create: Create, invoke: Invoke, minor: int) -> None:
    config = create(VERSION_PROBE, runtime=f"python3.{minor}")

    result = invoke(config)

    assert result.outcome is Outcome.SUCCESS, result.log
    assert payload(result) == {
        "executable": sys.executable,
        "version": list(sys.version_info[:2]),
        "execution_env": f"AWS_Lambda_python3.{minor}",
    }


# --- init errors, marshalling --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        (
            {"lambda_function.py": ECHO},
            "missing_module.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'missing_module'",
        ),
        (
            {"lambda_function.py": "import not_a_real_package_anywhere\n"},
            HANDLER,
            "Runtime.ImportModuleError",
            "No module named 'not_a_real_package_anywhere'",
        ),
        (
            {"lambda_function.py": ECHO},
            "lambda_function.nope",
            "Runtime.HandlerNotFound",
            "Handler 'nope' missing on module 'lambda_function'",
        ),
        (
            {"lambda_function.py": "HANDLER = 42\n"},
            "lambda_function.HANDLER",
            "Runtime.HandlerNotFound",
            "Handler 'HANDLER' missing",
        ),
        (
            {"lambda_function.py": "def lambda_handler(event, context:\n    return 1\n"},
            HANDLER,
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'lambda_function'",
        ),
        (
            {"lambda_function.py": "raise ValueError('no config at import')\n"},
            HANDLER,
            "ValueError",
            "no config at import",
        ),
        ({"lambda_function.py": ECHO}, "nodot", "Runtime.MalformedHandlerName", "Bad handler 'nodot'"),
        (
            {"pkg/__init__.py": "", "pkg/app.py": "def go(event, context):\n    return 'deep'\n"},
            "pkg/app.missing",
            "Runtime.HandlerNotFound",
            "missing on module 'pkg.app'",
        ),
    ],
    ids=[
        "no-module",
        "missing-dependency",
        "no-handler",
        "not-callable",
        "syntax",
        "raises-at-import",
        "malformed",
        "nested-module",
    ],
)
def test_init_errors(
    host: FunctionHost,
    create: Create,
    invoke: Invoke,
    files: dict[str, str],
    handler: str,
    error_type: str,
    message: str,
) -> None:
    config = create(files=files, handler=handler)

    results = [invoke(config), invoke(config)]

    for result in results:  # every invocation tries (and fails) to initialise again
        assert result.outcome is Outcome.INIT_ERROR, result.log
        assert result.error_type == error_type
        assert message in (result.error_message or "")
        assert f"START RequestId: {result.request_id}" in result.log
        assert f"REPORT RequestId: {result.request_id}" in result.log
        assert f"[ERROR] {error_type}" in result.log
    assert host.pool.warm(config.arn) == 0
    assert [entry.error_type for entry in host.logs(SOURCE, config.name)] == [error_type] * 2


def test_a_handler_in_a_package_directory(create: Create, invoke: Invoke) -> None:
    config = create(
        files={"pkg/__init__.py": "", "pkg/app.py": "def go(event, context):\n    return 'deep'\n"},
        handler="pkg/app.go",
    )

    assert payload(invoke(config)) == "deep"


RETURNS = """
from decimal import Decimal


def lambda_handler(event, context):
    kind = event["kind"]
    if kind == "set":
        return {1, 2}
    if kind == "decimal":
        return {"whole": Decimal("2"), "fraction": Decimal("1.5")}
    if kind == "none":
        return None
    return {"nested": [1, "two", {"three": 3.0}], "unicode": "h\\u00e9"}
"""


def test_a_result_that_is_not_json_is_a_marshal_error(create: Create, invoke: Invoke) -> None:
    config = create(RETURNS)

    failed = invoke(config, {"kind": "set"})

    assert failed.outcome is Outcome.ERROR
    assert failed.error_type == "Runtime.MarshalError"
    assert "Unable to marshal response" in (failed.error_message or "")
    assert payload(invoke(config, {"kind": "none"})) is None  # the worker lives on


def test_results_as_lambda_serialises_them(create: Create, invoke: Invoke) -> None:
    config = create(RETURNS)

    decimal = invoke(config, {"kind": "decimal"})
    assert decimal.outcome is Outcome.SUCCESS
    assert payload(decimal) == {"whole": 2, "fraction": 1.5}
    assert json.loads(decimal.payload)["whole"].__class__ is int
    assert payload(invoke(config, {"kind": "plain"})) == {
        "nested": [1, "two", {"three": 3.0}],
        "unicode": "hé",
    }


# --- the environment and context a function sees ---------------------------------------------------

PROBE = """
import os


def lambda_handler(event, context):
    return {
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
        "files": sorted(f for f in os.listdir(os.environ["LAMBDA_TASK_ROOT"]) if f != "__pycache__"),
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "aws_request_id": context.aws_request_id,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
            "identity": context.identity,
            "client_context": context.client_context,
        },
    }
"""


def test_the_environment_and_context_are_lambda_s(
    host: FunctionHost, create: Create, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROOST_TEST_SECRET", "must-not-leak")
    granted: list[tuple[str, str, str]] = []
    host.serve("http://127.0.0.1:9", sts=True, grant=lambda *args: granted.append(args))
    config = create(
        PROBE, name="probe", timeout=9, memory_size=256, environment={"MY_SETTING": "on", "OTHER": "x=y"}
    )

    result = invoke(config)

    assert result.outcome is Outcome.SUCCESS, result.log
    seen = payload(result)
    env = seen["environ"]
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "probe"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/probe"
    assert "[$LATEST]" in env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["_HANDLER"] == HANDLER
    assert env["MY_SETTING"] == "on" and env["OTHER"] == "x=y"
    assert seen["files"] == ["lambda_function.py"]  # LAMBDA_TASK_ROOT holds the code
    assert seen["cwd"] == env["LAMBDA_TASK_ROOT"]
    # Unchanged boto3 code reaches roost's API for Config and STS.
    assert env["AWS_ENDPOINT_URL_CONFIG_SERVICE"] == "http://127.0.0.1:9"
    assert env["AWS_ENDPOINT_URL_STS"] == "http://127.0.0.1:9"
    assert "AWS_ENDPOINT_URL" not in env  # no connector: no cloud endpoint for the account
    # ... with credentials roost's API was told to accept.
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], SOURCE.account_id) in granted
    assert env["AWS_ACCESS_KEY_ID"] != os.environ["AWS_ACCESS_KEY_ID"]
    # Nothing of roost's own environment leaks in, and no ~/.aws of the user running roost.
    assert "ROOST_TEST_SECRET" not in env
    assert not [k for k in env if k.startswith("ROOST_")]  # its own settings are read and removed
    real_home = os.path.expanduser("~")
    assert env["HOME"] != real_home
    for variable in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        assert not env[variable].startswith(os.path.join(real_home, ".aws"))
        assert not os.path.exists(env[variable])
    assert "AWS_PROFILE" not in env

    context = seen["context"]
    assert context["function_name"] == "probe"
    assert context["function_version"] == "$LATEST"
    assert context["aws_request_id"] == result.request_id
    assert context["invoked_function_arn"] == config.arn
    assert context["memory_limit_in_mb"] == "256"  # a string, as Lambda's Python runtime gives it
    assert context["log_group_name"] == "/aws/lambda/probe"
    assert context["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert 0 < context["remaining"] <= 9000
    assert context["remaining"] > 5000  # the function just started
    assert context["identity"] is None and context["client_context"] is None


def test_without_serve_no_api_endpoint_is_set(create: Create, invoke: Invoke) -> None:
    env = payload(invoke(create(PROBE)))["environ"]

    assert not [k for k in env if k.startswith("AWS_ENDPOINT_URL")]
    assert env["AWS_ACCESS_KEY_ID"].startswith("ROOSTFN")


def test_the_remaining_time_counts_down(create: Create, invoke: Invoke) -> None:
    config = create(
        """
        import time


        def lambda_handler(event, context):
            before = context.get_remaining_time_in_millis()
            time.sleep(0.3)
            return [before, context.get_remaining_time_in_millis()]
        """,
        timeout=2,
    )

    before, after = payload(invoke(config))

    assert 0 < before <= 2000
    assert before - after >= 250


# --- network confinement -------------------------------------------------------------------------

REACHER = """
import socket
import time
import urllib.request


def lambda_handler(event, context):
    began = time.monotonic()
    try:
        if event["how"] == "urllib":
            urllib.request.urlopen("https://sts.us-east-1.amazonaws.com", timeout=30)
        elif event["how"] == "boto3":
            import boto3

            boto3.client(
                "sts", endpoint_url="https://sts.us-east-1.amazonaws.com", region_name="us-east-1"
            ).get_caller_identity()
        elif event["how"] == "ip":
            socket.create_connection(("8.8.8.8", 53), timeout=30)
        elif event["how"] == "loopback":
            with socket.create_connection(("127.0.0.1", event["port"]), timeout=5) as conn:
                conn.sendall(b"hello from the function")
        elif event["how"] == "localhost":
            with socket.create_connection(("localhost", event["port"]), timeout=5) as conn:
                conn.sendall(b"hello again")
    except Exception as exc:
        return {"ok": False, "type": type(exc).__name__, "message": str(exc),
                "seconds": time.monotonic() - began}
    return {"ok": True, "seconds": time.monotonic() - began}
"""

BLOCKED = "roost's sandbox lets functions reach only 127.0.0.1"


@pytest.mark.parametrize("how", ["urllib", "boto3", "ip"])
def test_a_local_only_function_never_reaches_outside(create: Create, invoke: Invoke, how: str) -> None:
    config = create(REACHER, timeout=20, memory_size=256)

    began = time.monotonic()
    result = invoke(config, {"how": how})

    assert result.outcome is Outcome.SUCCESS, result.log
    answer = payload(result)
    assert answer["ok"] is False
    assert BLOCKED in answer["message"]
    assert answer["seconds"] < 3
    assert time.monotonic() - began < 5  # boto3's import included
    if how == "boto3":
        assert answer["type"] in ("HTTPClientError", "NetworkBlocked")


def test_a_local_only_function_reaches_loopback(create: Create, invoke: Invoke) -> None:
    config = create(REACHER, timeout=10)
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        server.settimeout(5)

        for how, greeting in (("loopback", b"hello from the function"), ("localhost", b"hello again")):
            result = invoke(config, {"how": how, "port": port})
            assert payload(result) == {"ok": True, "seconds": pytest.approx(0, abs=2)}, result.log
            conn, _ = server.accept()
            with conn:
                assert conn.recv(100) == greeting


def test_an_unhandled_network_block_is_the_function_s_error(create: Create, invoke: Invoke) -> None:
    config = create(
        """
        import urllib.request


        def lambda_handler(event, context):
            return urllib.request.urlopen("http://example.com").read()
        """
    )

    failed = invoke(config)

    assert failed.outcome is Outcome.ERROR
    assert failed.error_type in ("NetworkBlocked", "URLError")
    assert BLOCKED in (failed.error_message or "")


# --- isolation between functions -----------------------------------------------------------------

SAME_MODULE = """
import os

VALUE = "VALUE_MARK"
SEEN = []


def lambda_handler(event, context):
    SEEN.append(event)
    return {"value": VALUE, "seen": SEEN, "pid": os.getpid()}
"""


def test_functions_with_the_same_module_never_share_an_interpreter(create: Create, invoke: Invoke) -> None:
    first = create(SAME_MODULE.replace("VALUE_MARK", "first"), name="first")
    second = create(SAME_MODULE.replace("VALUE_MARK", "second"), name="second")

    answers = [payload(invoke(config, n)) for n, config in enumerate([first, second, first, second])]

    assert [a["value"] for a in answers] == ["first", "second", "first", "second"]
    assert answers[2]["seen"] == [0, 2]
    assert answers[3]["seen"] == [1, 3]
    assert answers[0]["pid"] == answers[2]["pid"] != answers[1]["pid"] == answers[3]["pid"]


# --- logs ----------------------------------------------------------------------------------------

CHATTY = """
import logging
import sys

logger = logging.getLogger()
logger.setLevel(logging.INFO)
print("initialising")


def lambda_handler(event, context):
    print("printed", event["n"])
    logger.info("logged %s", event["n"])
    logging.getLogger("quiet").debug("not shown")
    sys.stderr.write("to stderr\\n")
    if event.get("fail"):
        raise RuntimeError("failing on purpose")
    return event["n"]
"""


def test_logs_are_kept_per_invocation_newest_first(
    host: FunctionHost, create: Create, invoke: Invoke
) -> None:
    config = create(CHATTY, name="chatty")

    first = invoke(config, {"n": 1})
    second = invoke(config, {"n": 2, "fail": True}, trigger="config-rule/my-rule")

    logs = host.logs(SOURCE, "chatty")
    assert [entry.request_id for entry in logs] == [second.request_id, first.request_id]
    newest, oldest = logs
    assert (oldest.outcome, oldest.trigger, oldest.error_type) == (Outcome.SUCCESS, "Invoke", None)
    assert (newest.outcome, newest.trigger) == (Outcome.ERROR, "config-rule/my-rule")
    assert (newest.error_type, newest.error_message) == ("RuntimeError", "failing on purpose")
    assert oldest.log == first.log and newest.log == second.log
    assert (oldest.account_id, oldest.region, oldest.function_name) == (
        SOURCE.account_id,
        "us-east-1",
        "chatty",
    )
    assert oldest.started <= newest.started
    assert oldest.duration_ms == pytest.approx(first.duration_ms)

    lines = first.log.splitlines()
    rid = first.request_id
    assert lines[0] == "initialising"  # the cold start's init output comes first
    assert lines[1] == f"START RequestId: {rid} Version: $LATEST"
    assert "printed 1" in lines
    assert any(line.startswith("[INFO]\t") and line.endswith(f"\t{rid}\tlogged 1") for line in lines)
    assert "to stderr" in lines
    assert "not shown" not in first.log
    assert lines[-2] == f"END RequestId: {rid}"
    assert lines[-1].startswith(f"REPORT RequestId: {rid}\tDuration: ")
    assert "Memory Size: 128 MB" in lines[-1] and "Max Memory Used:" in lines[-1]

    text = second.log
    assert "initialising" not in text  # warm: no init output
    assert "printed 2" in text and f"\t{second.request_id}\tlogged 2" in text
    assert "[ERROR] RuntimeError: failing on purpose" in text
    assert "Traceback (most recent call last):" in text
    assert 'raise RuntimeError("failing on purpose")' in text
    assert rid not in text

    assert [entry.request_id for entry in host.logs(SOURCE, "chatty", limit=1)] == [second.request_id]


def test_a_timeout_is_in_the_log(host: FunctionHost, create: Create, invoke: Invoke) -> None:
    config = create(
        """
        def lambda_handler(event, context):
            print("about to loop", flush=True)
            while True:
                pass
        """,
        timeout=1,
    )

    result = invoke(config)

    (entry,) = host.logs(SOURCE, config.name)
    assert entry.outcome is Outcome.TIMEOUT
    assert entry.error_type == "Sandbox.Timedout"
    assert "about to loop" in entry.log
    assert f"{result.request_id} Task timed out after 1.00 seconds" in entry.log


# --- asynchronous invocation ---------------------------------------------------------------------


def test_invoke_async_runs_later_and_reports(host: FunctionHost, create: Create) -> None:
    config = create(SLEEPER, timeout=5)
    done = threading.Event()
    finished: list[Invocation] = []

    def on_done(invocation: Invocation) -> None:
        finished.append(invocation)
        done.set()

    request_id = host.invoke_async(config, json.dumps({"sleep": 2.0}).encode(), on_done=on_done)
    assert not done.is_set()  # answered at once: the function is still asleep

    assert done.wait(10)
    (invocation,) = finished
    assert invocation.request_id == request_id
    assert invocation.outcome is Outcome.SUCCESS
    assert payload(invocation) == "rested"
    assert [entry.request_id for entry in host.logs(SOURCE, config.name)] == [request_id]


def test_oversized_payloads_are_refused(host: FunctionHost, create: Create) -> None:
    config = create(echo("1"))

    too_big = error_of(lambda: host.invoke_async(config, b'"' + b"x" * (256 * 1024) + b'"'))
    assert (too_big.code, too_big.status) == ("RequestTooLargeException", 413)
    assert error_of(lambda: host.invoke(config, b"x" * (6 * 1024 * 1024 + 1))).status == 413


# --- permissions ---------------------------------------------------------------------------------


def test_permissions_round_trip(host: FunctionHost, create: Create) -> None:
    config = create(echo("1"), name="guarded")
    assert error_of(lambda: host.policy(SOURCE, "guarded")).code == "ResourceNotFoundException"

    statement = host.add_permission(
        SOURCE,
        "guarded",
        PolicyStatement(
            "config",
            "lambda:InvokeFunction",
            "config.amazonaws.com",
            source_account=SOURCE.account_id,
        ),
    )
    assert statement == {
        "Sid": "config",
        "Effect": "Allow",
        "Principal": {"Service": "config.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": config.arn,
        "Condition": {"StringEquals": {"AWS:SourceAccount": SOURCE.account_id}},
    }
    host.add_permission(SOURCE, "guarded", PolicyStatement("other", "lambda:InvokeFunction", "444455556666"))

    duplicate = error_of(
        lambda: host.add_permission(SOURCE, "guarded", PolicyStatement("config", "lambda:*", "*"))
    )
    assert (duplicate.code, duplicate.status) == ("ResourceConflictException", 409)
    bad_sid = error_of(lambda: host.add_permission(SOURCE, "guarded", PolicyStatement("no spaces", "x", "*")))
    assert bad_sid.code == "ValidationException"

    policy = host.policy(SOURCE, "guarded")
    assert (policy["Version"], policy["Id"]) == ("2012-10-17", "default")
    assert [s["Sid"] for s in policy["Statement"]] == ["config", "other"]
    assert policy["Statement"][1]["Principal"] == {"AWS": "arn:aws:iam::444455556666:root"}

    host.remove_permission(SOURCE, "guarded", "config")
    assert [s["Sid"] for s in host.policy(SOURCE, "guarded")["Statement"]] == ["other"]
    missing = error_of(lambda: host.remove_permission(SOURCE, "guarded", "config"))
    assert (missing.code, missing.status) == ("ResourceNotFoundException", 404)
    host.remove_permission(SOURCE, "guarded", "other")
    assert error_of(lambda: host.policy(SOURCE, "guarded")).code == "ResourceNotFoundException"


def test_the_code_cache_unpacks_each_package_once(host: FunctionHost, create: Create, invoke: Invoke) -> None:
    first = create(echo("same"), name="one")
    second = create(echo("same"), name="two")
    invoke(first)
    invoke(second)

    unpacked = [p for p in (host.work_dir / "code").iterdir() if not p.name.startswith(".")]

    assert first.code_sha256 == second.code_sha256
    assert len(unpacked) == 1
    assert (unpacked[0] / "lambda_function.py").read_text().strip().startswith("import os")
