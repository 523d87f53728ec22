"""The dashboard's front page on a live roost."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from roost.model import AccountRegion
from tests.web.conftest import LiveRoost, eventually

SOURCE = AccountRegion("123456789012", "us-east-1")


def test_the_front_page_shows_what_is_recorded(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    live_roost.roost.ensure_recording(SOURCE)
    passed = eventually(lambda: (p := live_roost.roost.store.recorders.last_pass(SOURCE)) and p.finished_time)
    assert passed, "the first recording pass did not finish"

    page.goto(live_roost.url + "/")

    assert page.title() == "Dashboard · roost"
    assert "recording" in page.locator("[data-test=recording]").inner_text()
    shown = int(page.locator("[data-test=inventory-summary] .stat").inner_text().split()[0])
    assert shown == sum(live_roost.roost.store.items.resource_counts(SOURCE).values())
    newest = next(
        i
        for i in live_roost.roost.store.items.recent(SOURCE, limit=40)
        if not i.resource_type.startswith("AWS::Config")
    )
    assert (newest.resource_name or newest.resource_id) in page.locator("text=Recent changes").locator(
        ".."
    ).inner_text()
    shot("home")


def test_off_loopback_the_dashboard_asks_for_a_key_pair(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    from roost.api.app import ConfigApi
    from roost.api.auth import KeyPair, KeyRing
    from roost.api.context import ApiServices
    from roost.api.server import HttpServer, build_app
    from roost.web.app import Dashboard

    roost = live_roost.roost
    keys = KeyRing([KeyPair("AKIAEXAMPLE", "s3cret", "123456789012")])
    api = ConfigApi(ApiServices(store=roost.store, clock=roost.clock, rules=roost.rules), keys)
    dashboard = Dashboard(
        api, keys, default_account="123456789012", default_region="us-east-1", sign_in_required=True
    )
    server = HttpServer(build_app(api, pages=dashboard.routes()), port=0)
    server.start()
    try:
        page.goto(server.url + "/")
        assert "/sign-in" in page.url
        page.fill("input[name=key_id]", "AKIAEXAMPLE")
        page.fill("input[name=secret]", "wrong")
        page.click("button[type=submit]")
        assert "do not match" in page.locator("[role=alert]").inner_text()
        shot("sign-in-refused")
        page.fill("input[name=key_id]", "AKIAEXAMPLE")
        page.fill("input[name=secret]", "s3cret")
        page.click("button[type=submit]")
        page.goto(server.url + "/")
        assert page.title() == "Dashboard · roost"
        assert "123456789012" in page.locator(".scope").inner_text()
        page.click("text=Sign out")
        assert "/sign-in" in page.url
    finally:
        server.stop()


def test_foreign_sites_and_hosts_are_refused(live_roost: LiveRoost) -> None:
    """Another site's page cannot post to the dashboard (forgery), a foreign Host name is refused on
    loopback (DNS rebinding), and redirects stay on the dashboard."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlencode, urlparse

    def send(path: str, *, data: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Any:
        request = urllib.request.Request(
            live_roost.url + path,
            data=urlencode(data).encode() if data is not None else None,
            headers=headers or {},
        )
        opener = urllib.request.build_opener(NoRedirect())
        try:
            return opener.open(request)
        except urllib.error.HTTPError as answer:
            return answer

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    own = urlparse(live_roost.url).netloc
    forged = send(
        "/region", data={"region": "eu-west-1", "back": "/"}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status == 403
    rebound = send("/", headers={"Host": "evil.example"})
    assert rebound.status == 403
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        answer = send(
            "/region", data={"region": "us-east-1", "back": target}, headers={"Origin": f"http://{own}"}
        )
        assert answer.status == 303 and answer.headers["location"] == "/"
    fine = send(
        "/region", data={"region": "us-east-1", "back": "/rules"}, headers={"Origin": f"http://{own}"}
    )
    assert fine.status == 303 and fine.headers["location"] == "/rules"
