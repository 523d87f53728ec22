"""LambdaApi: the routes of Lambda's REST-JSON API (`/2015-03-31/functions...`, `/2017-03-31/tags/...`)
and what every request goes through: SigV4 for the service `lambda`, the handler in a worker thread
(the store and invocations block), and Lambda's error format for every failure."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

import anyio
import anyio.to_thread
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from roost.api.auth import KeyRing, authenticate_request
from roost.api.context import ApiServices
from roost.api.lambda_api import functions, invoke
from roost.api.lambda_api.call import Call, CodeLinks
from roost.api.lambda_api.wire import error_response, signing_path
from roost.errors import ApiError, FunctionError

log = logging.getLogger(__name__)

SIGNING_NAME = "lambda"
FUNCTIONS = "/2015-03-31/functions"
TAGS = "/2017-03-31/tags"
LAMBDA_THREADS = 64
"""Lambda requests answered at once (each synchronous Invoke holds one until its function ends)."""
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"]

Handler = Callable[[Call], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def no_functions() -> FunctionError:
    return FunctionError("ServiceException", "roost hosts no functions here", status=501)


class LambdaApi:
    """Answers Lambda API requests for the accounts in `keys`, with `services.functions` behind it."""

    def __init__(self, services: ApiServices, keys: KeyRing) -> None:
        self.services = services
        self.keys = keys
        self.links = CodeLinks()
        self._threads: anyio.CapacityLimiter | None = None

    def routes(self) -> list[Route]:
        one = FUNCTIONS + "/{name}"
        tags = TAGS + "/{arn}"
        table: list[tuple[str, str, Handler]] = [
            (FUNCTIONS, "POST", functions.create_function),
            (FUNCTIONS, "GET", functions.list_functions),
            (FUNCTIONS + "/", "GET", functions.list_functions),
            (one, "GET", functions.get_function),
            (one, "DELETE", functions.delete_function),
            (one + "/configuration", "GET", functions.get_function_configuration),
            (one + "/configuration", "PUT", functions.update_function_configuration),
            (one + "/code", "PUT", functions.update_function_code),
            (one + "/invocations", "POST", invoke.invoke),
            (one + "/policy", "POST", invoke.add_permission),
            (one + "/policy", "GET", invoke.get_policy),
            (one + "/policy/{sid}", "DELETE", invoke.remove_permission),
            (tags, "GET", invoke.list_tags),
            (tags, "POST", invoke.tag_resource),
            (tags, "DELETE", invoke.untag_resource),
        ]
        routes = [Route(path, self._endpoint(handler), methods=[method]) for path, method, handler in table]
        routes.append(Route(one + "/code-package", self._download, methods=["GET"]))
        for prefix in ("/2015-03-31", "/2017-03-31"):
            routes.append(Route(prefix + "/{rest:path}", self._unknown, methods=ALL_METHODS))
        return routes

    def _endpoint(self, handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            request_id = str(uuid.uuid4())
            try:
                body = await request.body()
                caller = authenticate_request(
                    self.keys,
                    request,
                    body,
                    now=self.services.clock.now(),
                    service=SIGNING_NAME,
                    path=signing_path(request),
                )
                host = self.services.functions
                if host is None:
                    raise no_functions()
                call = Call(self.services, host, caller, request, request_id, body, self.links)
                # Lambda calls wait on functions (Invoke, up to the function's Timeout): they run on
                # threads of their own, so they never starve the Config API (which functions call).
                return await anyio.to_thread.run_sync(handler, call, limiter=self._limiter())
            except ApiError as error:
                return error_response(error, request_id)
            except Exception:
                log.exception("internal error answering Lambda's %s", handler.__name__)
                failure = FunctionError(
                    "ServiceException", "roost failed to answer this request; its log says why.", status=500
                )
                return error_response(failure, request_id)

        endpoint.__name__ = handler.__name__
        return endpoint

    def _limiter(self) -> anyio.CapacityLimiter:
        if self._threads is None:  # made in the event loop, on the first request
            self._threads = anyio.CapacityLimiter(LAMBDA_THREADS)
        return self._threads

    async def _download(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            host = self.services.functions
            if host is None:
                raise no_functions()
            name = str(request.path_params["name"])
            return await run_in_threadpool(
                functions.download_code, host, self.links, name, request.query_params
            )
        except ApiError as error:
            return error_response(error, request_id)
        except Exception:
            log.exception("internal error serving a function's code package")
            failure = FunctionError(
                "ServiceException", "roost failed to answer this request; its log says why.", status=500
            )
            return error_response(failure, request_id)

    async def _unknown(self, request: Request) -> Response:
        error = FunctionError(
            "UnknownOperationException",
            f"{request.method} {request.url.path} is not an operation of the Lambda API roost serves.",
            status=404,
        )
        return error_response(error, str(uuid.uuid4()))
