"""Recorder settings in the browser: lab part 1, step 1 without a terminal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from roost.model import AccountRegion
from tests.web.conftest import LiveRoost, eventually

SOURCE = AccountRegion("123456789012", "us-east-1")


@pytest.mark.slow
def test_recording_is_set_up_started_and_stopped_from_the_recorder_page(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    page.goto(live_roost.url + "/recorder")
    assert page.title() == "Recorder · roost"
    assert "Nothing is recorded" in page.locator("[data-test=recorder-status]").inner_text()
    # The lab's defaults: all supported types, global ones included, the service-linked role.
    assert page.locator("input[name=scope][value=all]").is_checked()
    assert page.locator("input[name=include_global]").is_checked()
    assert "AWSServiceRoleForConfig" in page.locator("input[name=role]").input_value()
    assert page.locator("input[name=types][value='AWS::EC2::SecurityGroup']").count() == 1
    shot("recorder-empty")

    page.fill("input[name=bucket]", live_roost.resources.buckets[1])
    page.click("[data-test=save]")
    assert "Saved recorder default" in page.locator(".message.note").inner_text()
    recorder = live_roost.roost.store.recorders.get(SOURCE)
    assert recorder is not None and recorder.recording_group.all_supported
    assert recorder.recording_group.include_global_resource_types
    assert "stopped" in page.locator("[data-test=recording-state]").inner_text()

    page.click("[data-test=start]")
    assert page.locator("[data-test=recording-state]").inner_text().strip() == "recording"
    counts = eventually(lambda: live_roost.roost.store.items.resource_counts(SOURCE).get("AWS::IAM::User"))
    assert counts, "nothing was recorded after starting the recorder"
    assert eventually(
        lambda: page.reload() and "Success" in page.locator("[data-test=recorder-status]").inner_text(),
        timeout=30,
    )
    page.goto(live_roost.url + "/recorder")
    assert live_roost.resources.buckets[1] in page.locator("[data-test=channel-status]").inner_text()
    shot("recorder-recording")

    page.click("[data-test=stop]")
    assert "is stopped" in page.locator(".message.note").inner_text()
    assert page.locator("[data-test=recording-state]").inner_text().strip() == "stopped"
    page.click("[data-test=start]")
    assert page.locator("[data-test=recording-state]").inner_text().strip() == "recording"

    page.fill("input[name=days]", "90")
    page.click("text=Set retention")
    assert "90" in page.locator("[data-test=retention] .stat").inner_text()


def test_recorder_page_errors_show_as_messages(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    page.goto(live_roost.url + "/recorder")
    page.check("input[name=scope][value=types]")
    page.check("input[name=types][value='AWS::EC2::SecurityGroup']")
    page.fill("input[name=bucket]", "roost-no-such-bucket-anywhere")
    page.click("[data-test=save]")
    alert = page.locator("[role=alert]").inner_text()
    assert "NoSuchBucketException" in alert, alert
    # The form keeps what was typed.
    assert page.locator("input[name=bucket]").input_value() == "roost-no-such-bucket-anywhere"
    assert page.locator("input[name=types][value='AWS::EC2::SecurityGroup']").is_checked()
    shot("recorder-bad-bucket")
