"""The dashboard's front page on a live roost."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
