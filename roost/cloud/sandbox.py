"""The sandbox cloud: moto's server, run in-process, as a simulated AWS account.

moto is a well-kept AWS simulator; where it differs from AWS in a way that matters to recording,
this module corrects it before the server starts, and tests/cloud/test_sandbox.py pins each case:

* moto 5.2.5 gives every RDS DB instance the same hard-coded `DbiResourceId`. AWS Config keys an
  RDS instance by that id, so two instances would collapse into one resource. In AWS each instance
  has its own; the sandbox gives each a unique one.

The sandbox account is 123456789012 (moto's default) with the key pair test/test. Other accounts
are reached by assuming a role in them through STS, as with real AWS (moto keeps accounts apart that
way).
"""

from __future__ import annotations

import logging
import secrets
import string
import threading
import urllib.request
from typing import Any

from roost.settings import SANDBOX_ACCOUNT_ID

SANDBOX_ACCESS_KEY = "test"
SANDBOX_SECRET_KEY = "test"

_corrections_applied = False
_corrections_lock = threading.Lock()


def _unique_dbi_resource_id() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "db-" + "".join(secrets.choice(alphabet) for _ in range(26))


def apply_corrections() -> None:
    """Patch moto where it differs from AWS in ways that matter to recording (idempotent)."""
    global _corrections_applied
    with _corrections_lock:
        if _corrections_applied:
            return
        from moto.rds import models as rds_models

        original_init = rds_models.DBInstance.__init__

        def init_with_unique_dbi_resource_id(self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(self, *args, **kwargs)
            self.dbi_resource_id = _unique_dbi_resource_id()

        rds_models.DBInstance.__init__ = init_with_unique_dbi_resource_id  # type: ignore[method-assign]
        _corrections_applied = True


class Sandbox:
    """moto's server on 127.0.0.1 in a thread of this process. Port 0 picks a free port."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._server: Any = None

    def start(self) -> str:
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer

        apply_corrections()
        # moto's request handler logs every request through werkzeug; keep the user's terminal quiet.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address=self._host, port=self._port, verbose=False)
        self._server.start()
        return self.endpoint_url

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    @property
    def account_id(self) -> str:
        return SANDBOX_ACCOUNT_ID

    def reset(self) -> None:
        """Forget every simulated resource (moto's reset endpoint)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
