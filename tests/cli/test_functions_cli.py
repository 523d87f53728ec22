"""`roost functions` as a user runs it: deploy code from a file, a directory or a zip, run it, read
its logs, change it, delete it."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from roost.cli.main import cli

ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"

ECHO = """
    def lambda_handler(event, context):
        print("echoing for", context.function_name)
        return {"echo": event, "name": context.function_name}
"""


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def _one_line_error(result: Result, *, starts: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(starts), result.stderr


def test_a_py_file_is_deployed_listed_shown_invoked_and_logged(
    roost: Callable[..., Result], tmp_path: Path
) -> None:
    source = _write(tmp_path / "rds_ca_2019.py", ECHO)
    assert _ok(roost("functions", "deploy", "rds-ca-2019", str(source))).strip() == ARN.format("rds-ca-2019")

    (listed,) = json.loads(_ok(roost("-o", "json", "functions", "list")))
    assert listed["FunctionName"] == "rds-ca-2019"
    assert listed["Handler"] == "rds_ca_2019.lambda_handler"  # derived from the file's name
    assert (listed["Runtime"], listed["Timeout"], listed["MemorySize"]) == ("python3.12", 3, 128)
    assert listed["Role"] == "arn:aws:iam::123456789012:role/roost-function"
    assert "rds-ca-2019" in _ok(roost("functions", "list"))
    shown = json.loads(_ok(roost("-o", "json", "functions", "show", "rds-ca-2019")))
    assert shown["FunctionArn"] == ARN.format("rds-ca-2019")
    assert "rds_ca_2019.lambda_handler" in _ok(roost("functions", "show", "rds-ca-2019"))

    answer = _ok(roost("functions", "invoke", "rds-ca-2019", "--payload", '{"a": 1}'))
    assert json.loads(answer) == {"echo": {"a": 1}, "name": "rds-ca-2019"}
    with_log = roost("functions", "invoke", "rds-ca-2019", "--log")
    assert with_log.exit_code == 0
    assert json.loads(with_log.stdout) == {"echo": {}, "name": "rds-ca-2019"}
    assert "START RequestId:" in with_log.stderr and "echoing for rds-ca-2019" in with_log.stderr

    text = _ok(roost("functions", "logs", "rds-ca-2019"))
    assert text.count("START RequestId: ") == 2 and text.count("REPORT RequestId: ") == 2
    assert text.count("echoing for rds-ca-2019") == 2
    entries = json.loads(_ok(roost("-o", "json", "functions", "logs", "rds-ca-2019")))
    assert [e["outcome"] for e in entries] == ["Success", "Success"]
    assert entries[0]["started"] <= entries[1]["started"]  # newest last
    newest = entries[1]["requestId"]
    (last,) = json.loads(_ok(roost("-o", "json", "functions", "logs", "rds-ca-2019", "--limit", "1")))
    assert last["requestId"] == newest
    only = _ok(roost("functions", "logs", "rds-ca-2019", "--request-id", entries[0]["requestId"]))
    assert entries[0]["requestId"] in only and newest not in only


def test_a_directory_with_two_modules_and_its_redeploy(roost: Callable[..., Result], tmp_path: Path) -> None:
    code = tmp_path / "rule"
    _write(
        code / "lambda_function.py",
        "from helpers import verdict\ndef lambda_handler(e, c):\n    return verdict(e)\n",
    )
    _write(code / "helpers.py", "def verdict(event):\n    return 'COMPLIANT'\n")
    _write(code / "__pycache__" / "junk.py", "raise SystemExit('must not be deployed')\n")
    _write(code / ".secret", "not deployed\n")
    _ok(
        roost(
            "functions", "deploy", "rule", str(code), "--timeout", "10", "--memory", "256", "--env", "MODE=x"
        )
    )
    shown = json.loads(_ok(roost("-o", "json", "functions", "show", "rule")))
    assert shown["Handler"] == "lambda_function.lambda_handler"
    assert (shown["Timeout"], shown["MemorySize"]) == (10, 256)
    assert shown["Environment"] == {"Variables": {"MODE": "x"}}
    assert json.loads(_ok(roost("functions", "invoke", "rule"))) == "COMPLIANT"

    # Redeploying the same code with no option changes nothing.
    _ok(roost("functions", "deploy", "rule", str(code)))
    again = json.loads(_ok(roost("-o", "json", "functions", "show", "rule")))
    assert again["RevisionId"] == shown["RevisionId"]

    # New code: new behaviour; settings not given keep their values.
    _write(code / "helpers.py", "def verdict(event):\n    return 'NON_COMPLIANT'\n")
    _ok(roost("functions", "deploy", "rule", str(code), "--timeout", "20"))
    changed = json.loads(_ok(roost("-o", "json", "functions", "show", "rule")))
    assert changed["CodeSha256"] != shown["CodeSha256"]
    assert (changed["Timeout"], changed["MemorySize"]) == (20, 256)
    assert changed["Environment"] == {"Variables": {"MODE": "x"}}
    assert json.loads(_ok(roost("functions", "invoke", "rule"))) == "NON_COMPLIANT"


def test_a_zip_and_a_payload_from_stdin(roost: Callable[..., Result], tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app/main.py", "def handle(event, context):\n    return sum(event['numbers'])\n")
    (tmp_path / "code.zip").write_bytes(buffer.getvalue())
    _ok(roost("functions", "deploy", "adder", str(tmp_path / "code.zip"), "--handler", "app.main.handle"))
    db = f"sqlite:///{tmp_path / 'roost.db'}"
    piped = CliRunner().invoke(
        cli, ["--db", db, "functions", "invoke", "adder", "--payload", "-"], input='{"numbers": [1, 2, 3]}'
    )
    assert piped.exit_code == 0, piped.output
    assert piped.stdout.strip() == "6"


def test_a_failing_function_exits_non_zero_with_its_error(
    roost: Callable[..., Result], tmp_path: Path
) -> None:
    source = _write(
        tmp_path / "broken.py",
        """
        def lambda_handler(event, context):
            print("about to fail")
            return event["missing"]
        """,
    )
    _ok(roost("functions", "deploy", "broken", str(source)))
    failed = roost("functions", "invoke", "broken")
    assert failed.exit_code == 1
    assert json.loads(failed.stdout)["errorType"] == "KeyError"
    assert failed.stderr.strip() == "roost: KeyError: 'missing'"
    document = json.loads(roost("-o", "json", "functions", "invoke", "broken").stdout)
    assert document["outcome"] == "Error" and document["payload"]["errorType"] == "KeyError"
    (entry, _) = json.loads(_ok(roost("-o", "json", "functions", "logs", "broken")))
    assert entry["errorType"] == "KeyError" and "about to fail" in entry["log"]

    _write(tmp_path / "syntax.py", "def lambda_handler(event, context)\n    return 1\n")
    _ok(roost("functions", "deploy", "syntax", str(tmp_path / "syntax.py")))
    init = roost("functions", "invoke", "syntax")
    assert init.exit_code == 1 and init.stderr.startswith("roost: Runtime.UserCodeSyntaxError: ")


def test_delete_and_errors_are_one_line(roost: Callable[..., Result], tmp_path: Path) -> None:
    source = _write(tmp_path / "gone.py", ECHO)
    _ok(roost("functions", "deploy", "gone", str(source)))
    _ok(roost("functions", "invoke", "gone"))
    assert "function gone deleted" in _ok(roost("functions", "delete", "gone"))
    assert json.loads(_ok(roost("-o", "json", "functions", "list"))) == []

    for args in (("invoke", "gone"), ("show", "gone"), ("logs", "gone"), ("delete", "gone")):
        _one_line_error(
            roost("functions", *args), starts="roost: ResourceNotFoundException: Function not found"
        )
    _one_line_error(
        roost("functions", "deploy", "js", str(source), "--runtime", "nodejs20.x"),
        starts="roost: InvalidParameterValueException: roost runs Python functions only",
    )
    _one_line_error(
        roost("functions", "deploy", "big", str(source), "--memory", "64"),
        starts="roost: ValidationException: ",
    )
    _one_line_error(
        roost("functions", "deploy", "x", str(source), "--env", "NOEQUALS"), starts="roost: --env"
    )
    (tmp_path / "notes.txt").write_text("hi")
    _one_line_error(roost("functions", "deploy", "x", str(tmp_path / "notes.txt")), starts="roost: ")
    _ok(roost("functions", "deploy", "again", str(source)))
    _one_line_error(
        roost("functions", "invoke", "again", "--payload", "{not json"),
        starts="roost: InvalidRequestContentException: ",
    )
