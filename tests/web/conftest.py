"""The dashboard in real headless Chromium (Debian's, driven by Playwright) against a live roost:
the sandbox seeded with the lab's resources, roost's service recording it, and the API with the
dashboard on 127.0.0.1. Every test leaves screenshots under test-artifacts/screenshots/."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from roost.api.auth import KeyPair
from roost.cloud.lab_seed import LabResources, seed_lab
from roost.cloud.sandbox import Sandbox
from roost.service import Roost
from roost.settings import Settings

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    launched = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@dataclass
class LiveRoost:
    url: str
    roost: Roost
    resources: LabResources
    sandbox_url: str

    def cloud(self, service: str, region: str = "us-east-1") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.sandbox_url,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def config(self, region: str = "us-east-1") -> Any:
        return boto3.client(
            "config",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


@pytest.fixture
def live_roost(cloud: Sandbox, tmp_path: Path) -> Iterator[LiveRoost]:
    resources = seed_lab(cloud.endpoint_url, regions=("us-east-1", "ap-northeast-2"))
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'roost.db'}", interval_seconds=1.0)
    settings = settings.with_sandbox_account(cloud.endpoint_url, ("us-east-1",))
    roost = Roost(settings)
    roost.start()
    server = roost.serve_api([KeyPair("test", "test", "123456789012")], port=0)
    try:
        yield LiveRoost(server.url, roost, resources, cloud.endpoint_url)
    finally:
        server.stop()
        roost.stop()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """shot("rules-list"): a full-page screenshot of what the browser shows now, kept as an artefact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^\w-]+", "_", request.node.name)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{test}--{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def eventually(check: Callable[[], Any], *, timeout: float = 60.0, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(every)
