"""A worker outlives nothing: when the roost that started it is killed, even mid-invocation, the
worker and what it started end too."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.functions.conftest import gone, pid_alive, wait_for_file

pytestmark = pytest.mark.timeout(60)

ROOST = """
import sys, time
from roost.clock import SystemClock
from roost.functions.host import FunctionHost
from roost.model import AccountRegion
from roost.store import Store
from tests.functions.conftest import make_zip

store = Store.open(sys.argv[1])
host = FunctionHost(store, SystemClock())
source = AccountRegion("123456789012", "us-east-1")
code = '''
import os, subprocess
def lambda_handler(event, context):
    child = subprocess.Popen(["sleep", "600"])
    with open(event["pids"], "w") as out:
        out.write(f"{os.getpid()} {child.pid}")
    while True:
        pass
'''
config = host.create(source, name="stuck", runtime="python3.12", handler="lambda_function.lambda_handler",
                     role="arn:aws:iam::123456789012:role/r", package=make_zip({"lambda_function.py": code}),
                     timeout=600)
host.invoke_async(config, ('{"pids": "%s"}' % sys.argv[2]).encode())
time.sleep(600)
"""


def test_killing_roost_mid_invocation_ends_its_worker_and_the_worker_s_children(tmp_path: Path) -> None:
    pids_file = tmp_path / "pids"
    roost = subprocess.Popen(
        [sys.executable, "-c", ROOST, f"sqlite:///{tmp_path / 'roost.db'}", str(pids_file)],
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        text = wait_for_file(pids_file, within=30.0)
        worker, child = (int(p) for p in text.split())
        assert pid_alive(worker) and pid_alive(child)
        roost.send_signal(signal.SIGKILL)
        roost.wait(timeout=10)
        assert gone(worker, within=10.0), "the worker outlived roost"
        assert gone(child, within=10.0), "the function's child outlived roost"
    finally:
        if roost.poll() is None:
            roost.kill()
