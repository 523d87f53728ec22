"""Dashboard: the pages, who is looking at them, and how a page calls the API in-process.

Bound to 127.0.0.1 (the default) the dashboard needs no sign-in: it shows the first configured
account. Bound elsewhere it asks for an access key pair of roost.toml, keeps a signed session cookie,
and shows only that key's account. The region is chosen in the top bar and kept in a cookie.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from roost.api.app import ConfigApi
from roost.api.auth import Caller, KeyRing
from roost.errors import ApiError

HERE = Path(__file__).parent
SESSION_COOKIE = "roost_session"
REGION_COOKIE = "roost_region"
SESSION_SECONDS = 12 * 3600
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")

Endpoint = Callable[["Page"], Awaitable[Response] | Response]


@dataclass(frozen=True)
class PageRoute:
    path: str
    endpoint: Callable[[Page], Response]
    methods: tuple[str, ...] = ("GET",)
    nav: str | None = None
    """The top-bar entry this page belongs to (e.g. "Rules")."""


PAGES: list[PageRoute] = []


def page(
    path: str, *, methods: tuple[str, ...] = ("GET",), nav: str | None = None
) -> Callable[[Callable[[Page], Response]], Callable[[Page], Response]]:
    """Register a page: `@page("/rules", nav="Rules") def rules(p: Page) -> Response`."""

    def register(endpoint: Callable[[Page], Response]) -> Callable[[Page], Response]:
        PAGES.append(PageRoute(path, endpoint, methods, nav))
        return endpoint

    return register


NAV = [
    "Dashboard",
    "Rules",
    "Conformance packs",
    "Resources",
    "Query",
    "Aggregators",
    "Functions",
    "Recorder",
]
NAV_PATHS = {
    "Dashboard": "/",
    "Rules": "/rules",
    "Conformance packs": "/packs",
    "Resources": "/resources",
    "Query": "/query",
    "Aggregators": "/aggregators",
    "Functions": "/functions",
    "Recorder": "/recorder",
}


class Page:
    """One request to a page: who asks, the API to call as them, and rendering."""

    def __init__(self, dashboard: Dashboard, request: Request, caller: Caller, form: dict[str, Any]) -> None:
        self.dashboard = dashboard
        self.request = request
        self.caller = caller
        self.form = form
        self.messages: list[tuple[str, str]] = []

    @property
    def services(self) -> Any:
        return self.dashboard.api.services

    @property
    def store(self) -> Any:
        return self.dashboard.api.services.store

    def query(self, name: str, default: str = "") -> str:
        return str(self.request.query_params.get(name, default))

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name, default)
        return str(value) if not isinstance(value, list) else str(value[0] if value else default)

    def fields(self, name: str) -> list[str]:
        value = self.form.get(name, [])
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """An API operation as the signed-in account, in the chosen region."""
        return self.dashboard.api.call(operation, params, self.caller)

    def attempt(self, operation: str, **params: Any) -> dict[str, Any] | None:
        """Like `call`, but an API error becomes a message on the page (and None)."""
        try:
            return self.call(operation, **params)
        except ApiError as error:
            self.error(f"{error.code}: {error.message}")
            return None

    def error(self, text: str) -> None:
        self.messages.append(("error", text))

    def note(self, text: str) -> None:
        self.messages.append(("note", text))

    def render(self, template: str, **context: Any) -> HTMLResponse:
        body = self.dashboard.templates.get_template(template).render(
            page=self,
            nav=NAV,
            nav_paths=NAV_PATHS,
            account=self.caller.account_id,
            region=self.caller.region,
            regions=self.dashboard.regions(),
            other_regions=[r for r in self.dashboard.all_regions() if r not in self.dashboard.regions()],
            messages=self.messages,
            signed_in=self.dashboard.sign_in_required,
            **context,
        )
        return HTMLResponse(body)

    def redirect(self, to: str, *, note: str | None = None) -> RedirectResponse:
        target = to if note is None else f"{to}{'&' if '?' in to else '?'}note={_quote(note)}"
        return RedirectResponse(target, status_code=303)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


class Dashboard:
    def __init__(
        self,
        api: ConfigApi,
        keys: KeyRing,
        *,
        default_account: str,
        default_region: str,
        sign_in_required: bool = False,
    ) -> None:
        self.api = api
        self.keys = keys
        self.default_account = default_account
        self.default_region = default_region
        self.sign_in_required = sign_in_required
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
        )
        self.templates.filters["when"] = when
        self.templates.filters["pretty"] = lambda value: json.dumps(
            value, indent=2, sort_keys=True, default=str
        )
        from roost.registry import import_submodules

        import_submodules("roost.web.pages")

    # --- who is looking ----------------------------------------------------------------------

    def _secret(self) -> bytes:
        return str(self.api.services.store.rules.secret("dashboard-session")).encode()

    def _sign(self, payload: str) -> str:
        return hmac.new(self._secret(), payload.encode(), hashlib.sha256).hexdigest()

    def session_cookie(self, key_id: str, account_id: str) -> str:
        payload = base64.urlsafe_b64encode(
            json.dumps({"k": key_id, "a": account_id, "e": int(time.time()) + SESSION_SECONDS}).encode()
        ).decode()
        return f"{payload}.{self._sign(payload)}"

    def signed_in_account(self, request: Request) -> str | None:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        payload, _, signature = cookie.partition(".")
        if not payload or not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            document = json.loads(base64.urlsafe_b64decode(payload.encode()))
        except ValueError:
            return None
        if int(document.get("e", 0)) < time.time() or self.keys.get(str(document.get("k"))) is None:
            return None
        return str(document["a"])

    def caller(self, request: Request) -> Caller | None:
        account = self.signed_in_account(request) if self.sign_in_required else self.default_account
        if account is None:
            return None
        region = request.cookies.get(REGION_COOKIE) or self.default_region
        return Caller("dashboard", account, region)

    def regions(self) -> list[str]:
        """Regions that record (and the default), the ones a person mostly switches between."""
        found = {r.region for r in self.api.services.store.recorders.list()}
        found |= {s.region for s in self.api.services.store.items.sources()}
        found.add(self.default_region)
        return sorted(found)

    @staticmethod
    def all_regions() -> list[str]:
        """Every region AWS Config runs in (botocore's list): to set up recording in a new one."""
        return list(_config_regions())

    # --- routes ------------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = [
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
            Route("/sign-in", self._sign_in, methods=["GET", "POST"]),
            Route("/sign-out", self._sign_out, methods=["POST"]),
            Route("/region", self._region, methods=["POST"]),
        ]
        for registered in PAGES:
            routes.append(
                Route(registered.path, self._wrap(registered.endpoint), methods=list(registered.methods))
            )
        return routes

    def refusal(self, request: Request) -> Response | None:
        """A request the dashboard must not answer: a foreign Host on loopback (DNS rebinding), or a
        POST sent from another site's page (cross-site request forgery)."""
        host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]")
        if not self.sign_in_required and host not in LOOPBACK_NAMES:
            return HTMLResponse(
                "This dashboard answers only requests to 127.0.0.1 or localhost.", status_code=403
            )
        if request.method == "POST":
            sender = request.headers.get("origin") or request.headers.get("referer")
            if sender and urlparse(sender).netloc != request.headers.get("host"):
                return HTMLResponse("A form of another site cannot act on this dashboard.", status_code=403)
        return None

    def _wrap(self, endpoint: Callable[[Page], Response]) -> Callable[[Request], Awaitable[Response]]:
        async def serve(request: Request) -> Response:
            refused = self.refusal(request)
            if refused is not None:
                return refused
            caller = self.caller(request)
            if caller is None:
                return RedirectResponse(f"/sign-in?next={_quote(request.url.path)}", status_code=303)
            form: dict[str, Any] = {}
            if request.method == "POST":
                raw = await request.form()
                for key in raw:
                    values = raw.getlist(key)
                    form[key] = values if len(values) > 1 else values[0]
            current = Page(self, request, caller, form)
            note = request.query_params.get("note")
            if note:
                current.note(note)
            return await run_in_threadpool(endpoint, current)

        serve.__name__ = getattr(endpoint, "__name__", "page")
        return serve

    async def _sign_in(self, request: Request) -> Response:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        message = ""
        if request.method == "POST":
            form = await request.form()
            key = self.keys.get(str(form.get("key_id", "")))
            if key is not None and hmac.compare_digest(key.secret, str(form.get("secret", ""))):
                response = RedirectResponse(local_path(str(form.get("next") or "/")), status_code=303)
                response.set_cookie(
                    SESSION_COOKIE,
                    self.session_cookie(key.key_id, key.account_id),
                    httponly=True,
                    samesite="strict",
                )
                return response
            message = "That access key and secret do not match a key of roost.toml."
        body = self.templates.get_template("sign_in.html").render(
            message=message, next=request.query_params.get("next", "/")
        )
        return HTMLResponse(body, status_code=401 if message else 200)

    async def _sign_out(self, request: Request) -> Response:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        response = RedirectResponse("/sign-in", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    async def _region(self, request: Request) -> Response:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        form = await request.form()
        region = str(form.get("region", ""))
        response = RedirectResponse(local_path(str(form.get("back") or "/")), status_code=303)
        if region in self.regions() or region in self.all_regions():
            response.set_cookie(REGION_COOKIE, region, samesite="strict")
        return response


def local_path(target: str) -> str:
    """A redirect target on this dashboard only (never `//elsewhere` or a full URL): else `/`."""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


@functools.cache
def _config_regions() -> tuple[str, ...]:
    import boto3

    return tuple(sorted(boto3.session.Session().get_available_regions("config")))


def when(value: Any) -> str:
    """A time as the dashboard shows it: `2026-11-29 14:03:07 UTC` (epoch seconds or datetime)."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromtimestamp(float(value), tz=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
