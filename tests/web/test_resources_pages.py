"""The Resources pages on a live roost: the inventory with its filters, one resource with its
relationship graph, timeline, side-by-side diff and compliance, and a resource roost never recorded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from roost.model import AccountRegion, ResourceKey
from roost.web.pages import resources as resources_page
from tests.web.conftest import LiveRoost, eventually

SOURCE = AccountRegion("123456789012", "us-east-1")
GROUP = "AWS::EC2::SecurityGroup"


def _recorded(live_roost: LiveRoost) -> None:
    live_roost.roost.ensure_recording(SOURCE)
    passed = eventually(lambda: (p := live_roost.roost.store.recorders.last_pass(SOURCE)) and p.finished_time)
    assert passed, "the first recording pass did not finish"


def _group_url(live_roost: LiveRoost) -> str:
    return f"{live_roost.url}/resources/{GROUP}/{live_roost.resources.security_groups['us-east-1']}"


@pytest.mark.slow
def test_the_inventory_lists_and_filters_what_is_recorded(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _recorded(live_roost)
    group_id = live_roost.resources.security_groups["us-east-1"]

    page.goto(live_roost.url + "/resources")
    assert page.title() == "Resources · roost"
    assert "123456789012" in page.locator("[data-test=scope]").inner_text()
    counts = page.locator("[data-test=type-counts]").inner_text()
    assert GROUP in counts and "AWS::IAM::User" in counts
    listed = page.locator("[data-test=resource-list]").inner_text()
    assert group_id in listed and "unrestricted-ssh" in listed
    assert all(user in listed for user in ("alice", "bob", "carol"))
    shot("inventory")

    page.select_option("[data-test=filters] select[name=type]", "AWS::IAM::User")
    page.click("[data-test=filters] button[type=submit]")
    listed = page.locator("[data-test=resource-list]").inner_text()
    assert all(user in listed for user in ("alice", "bob", "carol"))
    assert group_id not in listed
    assert "team=lab" in listed
    shot("inventory-users")

    page.goto(live_roost.url + "/resources")
    page.fill("[data-test=filters] input[name=tag]", "Name")
    page.fill("[data-test=filters] input[name=value]", "lab-vpc")
    page.click("[data-test=filters] button[type=submit]")
    rows = page.locator("[data-test=resource-list] tr[data-resource-id]")
    assert rows.count() == 1
    assert live_roost.resources.vpcs["us-east-1"] in rows.inner_text()
    shot("inventory-tag")

    # No rule yet: nothing is noncompliant.
    page.goto(live_roost.url + f"/resources?type={GROUP}&compliance=NON_COMPLIANT")
    assert "No resource on this page matches" in page.locator("[data-test=resource-list]").inner_text()

    # Paging: at 7 a page, following "Next page" across every type reaches each resource once.
    monkeypatch.setattr(resources_page, "PAGE_SIZE", 7)
    page.goto(live_roost.url + "/resources")
    seen: list[str] = []
    for _ in range(20):
        seen += page.locator("[data-test=resource-list] tr[data-resource-id]").evaluate_all(
            "rows => rows.map(r => r.dataset.resourceId)"
        )
        following = page.locator("[data-test=next-page]")
        if not following.count():
            break
        following.click()
    recorded = live_roost.roost.store.items.discovered(SOURCE)
    assert sorted(seen) == sorted(r.resource_id for r in recorded)
    shot("inventory-last-page")

    # A resource roost never recorded: a message and a 404, no traceback.
    answer = page.goto(f"{live_roost.url}/resources/{GROUP}/sg-0000000000doesnotexist")
    assert answer is not None and answer.status == 404
    assert "is not recorded" in page.locator("[role=alert]").inner_text()
    assert "Traceback" not in page.content()
    shot("not-recorded")


@pytest.mark.slow
def test_a_security_group_its_graph_its_versions_and_their_diff(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    _recorded(live_roost)
    group_id = live_roost.resources.security_groups["us-east-1"]

    page.goto(live_roost.url + f"/resources?type={GROUP}")
    page.click(f"[data-test=resource-list] a:text-is('{group_id}')")
    assert page.title() == "unrestricted-ssh · roost"
    configuration = page.locator("[data-test=configuration]").inner_text()
    assert "0.0.0.0/0" in configuration and group_id in configuration
    assert "Is contained in Vpc" in (page.locator("[data-test=graph]").text_content() or "")
    shot("group")

    vpc = page.locator("[data-test=graph] a.node-link[data-type='AWS::EC2::VPC']")
    assert vpc.count() == 1
    vpc_id = live_roost.roost.store.items.latest_item(SOURCE, ResourceKey(GROUP, group_id))
    assert vpc_id is not None and vpc_id.configuration is not None
    vpc.click()
    page.wait_for_url(f"**/resources/AWS::EC2::VPC/{vpc_id.configuration['vpcId']}")
    assert vpc_id.configuration["vpcId"] in page.locator("[data-test=summary]").inner_text()
    shot("vpc")

    live_roost.cloud("ec2").authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "IpRanges": [{"CidrIp": "10.9.0.0/16"}]}
        ],
    )
    assert eventually(
        lambda: len(live_roost.roost.store.items.history(SOURCE, ResourceKey(GROUP, group_id))) >= 2
    ), "the change was not recorded"

    page.goto(_group_url(live_roost))
    versions = page.locator("[data-test=timeline] tr[data-state]")
    assert versions.count() == 2
    assert "8443" in versions.first.inner_text()
    shot("group-timeline")

    page.click("[data-test=compare]")
    page.wait_for_url("**/diff?**")
    added = page.locator("[data-test=diff] td.added").all_inner_texts()
    assert any("8443" in line for line in added)
    assert any("10.9.0.0/16" in line for line in added)
    assert not any("8443" in line for line in page.locator("[data-test=diff] td.removed").all_inner_texts())
    shot("group-diff")

    answer = page.goto(_group_url(live_roost) + "/diff?a=1&b=2")
    assert answer is not None and answer.status == 404
    assert "has no version" in page.locator("[role=alert]").first.inner_text()


@pytest.mark.slow
def test_a_group_shows_its_compliance_and_its_compliance_timeline(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    _recorded(live_roost)
    group_id = live_roost.resources.security_groups["us-east-1"]
    config = live_roost.config()
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "restricted-ssh",
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
            "Scope": {"ComplianceResourceTypes": [GROUP]},
        }
    )

    def judged() -> bool:
        answer = config.describe_compliance_by_resource(ResourceType=GROUP, ResourceId=group_id)
        return any(
            r["Compliance"]["ComplianceType"] == "NON_COMPLIANT" for r in answer["ComplianceByResources"]
        )

    assert eventually(judged), "restricted-ssh did not judge the group"
    assert eventually(
        lambda: live_roost.roost.store.items.latest_item(
            SOURCE, ResourceKey("AWS::Config::ResourceCompliance", f"{GROUP}/{group_id}")
        )
    ), "no compliance history item"

    page.goto(_group_url(live_roost))
    assert page.locator("[data-test=overall-compliance]").inner_text() == "NON_COMPLIANT"
    now = page.locator("[data-test=compliance-now]").inner_text()
    assert "restricted-ssh" in now and "NON_COMPLIANT" in now
    timeline = page.locator("[data-test=compliance-timeline]").inner_text()
    assert "restricted-ssh" in timeline and "NON_COMPLIANT" in timeline
    shot("group-compliance")

    # The front page's link: noncompliant groups only.
    page.goto(live_roost.url + f"/resources?type={GROUP}&compliance=NON_COMPLIANT")
    rows = page.locator("[data-test=resource-list] tr[data-resource-id]")
    assert rows.count() == 1 and group_id in rows.inner_text()
    shot("inventory-noncompliant")
