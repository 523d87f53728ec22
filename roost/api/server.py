"""Serving roost's HTTP endpoints with uvicorn, on a thread of this process."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from roost.api.app import ConfigApi, error_response
from roost.api.lambda_api import LambdaApi
from roost.api.sts import FORM_CONTENT_TYPE, StsApi
from roost.errors import ApiError


def build_app(
    config_api: ConfigApi,
    *,
    sts_api: StsApi | None = None,
    lambda_api: LambdaApi | None = None,
    pages: Sequence[BaseRoute] = (),
) -> Starlette:
    """The API (POST / with X-Amz-Target, STS forms, Lambda's REST paths) and, beside it, `pages`
    (the dashboard: GET /, /rules, ...)."""

    async def post_root(request: Request) -> Response:
        # Both APIs POST to "/": STS's Query protocol sends a form, Config's JSON protocol an X-Amz-Target.
        content_type = request.headers.get("content-type", "").lower()
        if (
            sts_api is not None
            and content_type.startswith(FORM_CONTENT_TYPE)
            and "x-amz-target" not in request.headers
        ):
            return await sts_api.handle(request)
        return await config_api.handle(request)

    async def not_found(request: Request) -> Response:
        return error_response(
            ApiError("UnknownOperationException", f"{request.method} {request.url.path} is not served here."),
            "-",
        )

    return Starlette(
        routes=[
            Route("/", post_root, methods=["POST"]),
            *(lambda_api.routes() if lambda_api is not None else []),
            *pages,
            Route(
                "/{path:path}",
                not_found,
                methods=["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"],
            ),
        ]
    )


class HttpServer:
    """uvicorn in a daemon thread; port 0 binds a free port (see `port` once started)."""

    def __init__(self, app: Starlette, *, host: str = "127.0.0.1", port: int = 7700) -> None:
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="roost-http", daemon=True)
        self.host = host

    def start(self, *, timeout: float = 30) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise OSError(f"the HTTP server could not start on {self.host} (is the port in use?)")
            if time.monotonic() > deadline:
                raise TimeoutError("the HTTP server did not start in time")
            time.sleep(0.01)

    @property
    def port(self) -> int:
        sockets = self._server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
