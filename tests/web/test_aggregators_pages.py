"""Aggregators in the browser: lab part 4 (an aggregator of this account in all regions shows the
second region's restricted-ssh rule), source status with a failed source, and authorizations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from roost.model import AccountRegion, service_linked_role
from tests.web.conftest import LiveRoost, eventually

ACCOUNT = "123456789012"
SEOUL = "ap-northeast-2"
STRANGER = "210987654321"


def record(live_roost: LiveRoost, region: str) -> None:
    config = live_roost.config(region)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": service_linked_role(ACCOUNT),
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": region == "us-east-1"},
        }
    )
    config.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": live_roost.resources.buckets[1]}
    )
    config.start_configuration_recorder(ConfigurationRecorderName="default")


@pytest.mark.slow
def test_lab_part_4_the_aggregated_view_shows_the_other_region(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    record(live_roost, "us-east-1")
    ec2 = live_roost.cloud("ec2", SEOUL)
    group = ec2.create_security_group(GroupName="open-in-seoul", Description="lab")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    record(live_roost, SEOUL)
    live_roost.config(SEOUL).put_config_rule(
        ConfigRule={
            "ConfigRuleName": "restricted-ssh",
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
        }
    )

    page.goto(live_roost.url + "/aggregators")
    assert page.title() == "Aggregators · roost"
    shot("aggregators-empty")
    page.fill("[data-test=aggregator-form] input[name=name]", "aggregator")
    assert page.locator("[data-test=aggregator-form] input[name=accounts]").input_value() == ACCOUNT
    assert page.locator("input[name=scope][value=all]").is_checked()
    page.click("[data-test=create]")
    assert "/aggregators/aggregator?" in page.url
    assert "Saved aggregator aggregator" in page.locator(".message.note").inner_text()

    rule = page.locator(f"[data-rule='{ACCOUNT}/{SEOUL}/restricted-ssh']")

    def seoul_noncompliant() -> bool:
        page.reload()
        return rule.count() == 1 and "NON_COMPLIANT" in rule.inner_text()

    assert eventually(seoul_noncompliant, timeout=90), page.locator(
        "[data-test=aggregate-rules]"
    ).inner_text()
    statuses = page.locator("[data-test=source-status]")
    for region in ("us-east-1", SEOUL):
        assert "SUCCEEDED" in statuses.locator(f"[data-source='{ACCOUNT}/{region}']").inner_text()
    shot("aggregator-detail")

    # The per-rule details in that account and region: the open group is NON_COMPLIANT.
    rule.locator("a").click()
    assert group in page.locator("[data-test=aggregate-results]").inner_text()
    shot("aggregator-rule")

    # Resources by region, and the security groups of every source.
    page.goto(live_roost.url + "/aggregators/aggregator?group=AWS_REGION")
    assert SEOUL in page.locator("[data-test=aggregate-resources]").inner_text()
    page.goto(live_roost.url + "/aggregators/aggregator?type=AWS::EC2::SecurityGroup")
    listed = page.locator("[data-test=aggregate-resource-list]").inner_text()
    assert group in listed and "us-east-1" in listed
    shot("aggregator-resources")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-test=delete]")
    assert "Deleted aggregator aggregator" in page.locator(".message.note").inner_text()
    assert "No aggregator" in page.locator("[data-test=aggregator-list]").inner_text()


@pytest.mark.slow
def test_an_unauthorized_account_shows_failed_and_authorizations_are_managed(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    record(live_roost, "us-east-1")
    page.goto(live_roost.url + "/aggregators")
    page.fill("[data-test=aggregator-form] input[name=name]", "two-accounts")
    page.fill("[data-test=aggregator-form] input[name=accounts]", f"{ACCOUNT}, {STRANGER}")
    page.check("input[name=scope][value=listed]")
    page.check("input[name=regions][value=us-east-1]")
    page.click("[data-test=create]")
    stranger = page.locator(f"[data-source='{STRANGER}/us-east-1']")

    def failed() -> bool:
        page.reload()
        return stranger.count() == 1 and "FAILED" in stranger.inner_text()

    assert eventually(failed, timeout=30), page.locator("[data-test=source-status]").inner_text()
    assert "authoriz" in stranger.inner_text().lower()
    shot("aggregator-failed-source")

    # A bad form is refused with a message and keeps what was typed.
    page.goto(live_roost.url + "/aggregators")
    page.fill("[data-test=aggregator-form] input[name=name]", "bad")
    page.fill("[data-test=aggregator-form] input[name=accounts]", "12345")
    page.click("[data-test=create]")
    assert "Not a 12-digit account id: 12345" in page.locator("[role=alert]").inner_text()
    assert page.locator("[data-test=aggregator-form] input[name=accounts]").input_value() == "12345"

    # The source side: authorize another account's aggregator, then revoke.
    store = live_roost.roost.store
    auth = page.locator("[data-test=authorizations]")
    page.fill("[data-test=authorizations] input[name=account]", STRANGER)
    page.fill("[data-test=authorizations] input[name=region]", "eu-west-1")
    auth.locator("button", has_text="Authorize").last.click()
    assert f"Authorized aggregators of {STRANGER} in eu-west-1" in page.locator(".message.note").inner_text()
    assert STRANGER in auth.inner_text()
    assert [
        a.authorized_account_id for a in store.aggregators.authorizations(AccountRegion(ACCOUNT, "us-east-1"))
    ] == [STRANGER]
    shot("aggregators-authorized")
    auth.locator("button", has_text="Revoke").click()
    assert "Revoked the authorization" in page.locator(".message.note").inner_text()
    assert "No account is authorized" in page.locator("[data-test=authorizations]").inner_text()
