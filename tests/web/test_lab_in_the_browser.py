"""The whole lab (../shared/lab/LAB.md) through the dashboard only, as a person would click it, in order.

No lab step calls roost's API. What the dashboard cannot do because it is not roost's job is done on
the sandbox itself (the simulated AWS account), as the lab does in the AWS console of EC2 and Lambda:
uploading the function's code (the dashboard has no upload form), putting the SSH rule back on the
group, and creating an open group in the second region. Every step leaves a screenshot."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from roost.model import AccountRegion
from tests.rules.custom.test_lab_rds_ca_2019 import LAB_FUNCTION
from tests.web.conftest import LiveRoost, eventually

ACCOUNT = "123456789012"
HOME = "us-east-1"
SEOUL = "ap-northeast-2"
ROLE = "arn:aws:iam::123456789012:role/remediation"
SSH_FROM_ANYWHERE = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def reload_until(page: Page, check: Callable[[], Any], *, timeout: float = 45) -> bool:
    """Reload the page (about once a second, for at most `timeout` seconds) until `check` holds."""

    def again() -> Any:
        page.reload()
        return check()

    return bool(check() or eventually(again, timeout=timeout, every=1.0))


def rows_text(page: Page) -> str:
    return page.locator("[data-test=results]").inner_text()


def message(page: Page) -> str:
    """What the page says at its top: notes and errors alike."""
    return " | ".join(page.locator("main > .message").all_inner_texts())


def ssh_open_to_world(ec2: Any, group_id: str) -> bool:
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return any(
        p.get("IpProtocol") == "tcp"
        and p.get("FromPort") == 22
        and any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges") or [])
        for p in group.get("IpPermissions") or []
    )


def zipped(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", code)
    return buffer.getvalue()


def choose_region(page: Page, region: str) -> None:
    """The region picker of the top bar (it submits itself when changed): recording regions first,
    then every other region AWS Config runs in."""
    picker = page.locator("select[aria-label=region]")
    assert region in picker.locator("option").all_inner_texts()
    with page.expect_navigation():
        picker.select_option(region)
    assert picker.input_value() == region, f"the picker shows {picker.input_value()!r}"


def set_up_recording(page: Page, url: str, bucket: str, *, include_global: bool) -> None:
    page.goto(url + "/recorder")
    assert page.locator("input[name=scope][value=all]").is_checked()
    page.locator("input[name=include_global]").set_checked(include_global)
    page.fill("input[name=bucket]", bucket)
    page.click("[data-test=save]")
    assert "Saved recorder default" in message(page), message(page)
    page.click("[data-test=start]")
    assert page.locator("[data-test=recording-state]").inner_text().strip() == "recording", message(page)


def add_from_catalogue(page: Page, url: str, search: str, identifier: str, name: str) -> None:
    page.goto(url + "/rules")
    page.click("text=Add managed rule")
    page.fill("input[name=q]", search)
    page.press("input[name=q]", "Enter")
    assert name in page.locator("[data-test=catalog]").inner_text(), f"searching {search!r}"
    page.click(f"[data-identifier={identifier}]")
    assert page.locator("input[name=name]").input_value() == name
    page.click("[data-test=add-rule] button[type=submit]")
    page.wait_for_url(f"**/rules/{name}**")
    assert f"Rule {name} added" in message(page), message(page)


@pytest.mark.slow
def test_the_whole_lab_in_the_dashboard(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    url = live_roost.url
    bucket = live_roost.resources.buckets[1]

    # --- Part 1: recording and iam-user-mfa-enabled ------------------------------------------------
    page.goto(url + "/recorder")
    assert "Nothing is recorded" in page.locator("[data-test=recorder-status]").inner_text()
    assert page.locator("input[name=include_global]").is_checked()
    shot("1-recorder-empty")
    set_up_recording(page, url, bucket, include_global=True)
    assert bucket in page.locator("[data-test=channel-status]").inner_text()
    shot("1-recorder-recording")

    page.goto(url + "/resources?type=AWS::IAM::User")
    users = page.locator("[data-test=resource-list]")
    assert reload_until(page, lambda: {"alice", "bob", "carol"} <= set(users.inner_text().split())), (
        f"IAM users not listed on /resources: {users.inner_text()}"
    )
    shot("1-resources-iam-users")

    page.goto(url + "/rules/add")
    page.fill("input[name=q]", "mfa")
    page.press("input[name=q]", "Enter")
    assert "iam-user-mfa-enabled" in page.locator("[data-test=catalog]").inner_text()
    shot("1-catalogue-mfa")
    page.click("[data-identifier=IAM_USER_MFA_ENABLED]")
    assert page.locator("input[name=name]").input_value() == "iam-user-mfa-enabled"
    page.click("[data-test=add-rule] button[type=submit]")
    page.wait_for_url("**/rules/iam-user-mfa-enabled**")
    assert reload_until(page, lambda: {"bob", "carol"} <= set(rows_text(page).split())), rows_text(page)
    assert "alice" not in rows_text(page)
    assert page.locator("[data-tab=noncompliant]").get_attribute("class") == "active"
    shot("1-mfa-noncompliant")
    page.click("[data-tab=compliant]")
    assert "alice" in rows_text(page) and "bob" not in rows_text(page) and "carol" not in rows_text(page)
    shot("1-mfa-compliant")

    # --- Part 2: the rds-ca-2019 custom rule -------------------------------------------------------
    # Sandbox setup, not a lab step in the dashboard: the dashboard has no form to upload a function's
    # code, so the lab's function (byte for byte, python3.8 as the lab says) is created on roost's host.
    function = live_roost.roost.functions.create(
        AccountRegion(ACCOUNT, HOME),
        name="rds-ca-2019",
        runtime="python3.8",
        handler="lambda_function.lambda_handler",
        role="arn:aws:iam::123456789012:role/rds-ca-2019-role",
        package=zipped(LAB_FUNCTION),
        timeout=30,
    )
    instances = live_roost.cloud("rds").describe_db_instances()["DBInstances"]
    resource_id = {i["DBInstanceIdentifier"]: i["DbiResourceId"] for i in instances}
    on_2019, on_2015 = resource_id["lab-db-ca-2019"], resource_id["lab-db-ca-2015"]

    page.goto(url + "/rules")
    page.click("text=Add custom rule")
    page.wait_for_url("**/rules/add-custom")
    page.fill("input[name=name]", "rds-ca-2019")
    page.select_option("select[name=function]", function.arn)
    page.uncheck("input[name=on_change]")
    page.check("input[name=periodic]")
    page.select_option("select[name=frequency]", "TwentyFour_Hours")
    shot("2-custom-rule-form")
    page.click("[data-test=add-custom-rule] button[type=submit]")
    page.wait_for_url("**/rules/rds-ca-2019**")
    details = page.locator("[data-test=rule-details]").inner_text()
    assert function.arn in details and "TwentyFour_Hours" in details, details
    page.click("[data-tab=all]")

    def judged(dbi: str) -> str:
        row = page.locator(f"[data-test=results] tr[data-resource-id='{dbi}'] .badge")
        return (row.get_attribute("class") or "").split()[-1] if row.count() == 1 else ""

    assert reload_until(page, lambda: judged(on_2019) and judged(on_2015)), (
        f"the instances were not judged: {rows_text(page)}; {message(page)}"
    )
    assert judged(on_2019) == "COMPLIANT", rows_text(page)
    assert judged(on_2015) == "NON_COMPLIANT", rows_text(page)
    shot("2-rds-ca-2019-all")

    # --- Part 3: restricted-ssh and its remediation ------------------------------------------------
    group = live_roost.resources.security_groups[HOME]
    ec2 = live_roost.cloud("ec2")
    add_from_catalogue(page, url, "ssh", "INCOMING_SSH_DISABLED", "restricted-ssh")
    assert reload_until(page, lambda: group in rows_text(page)), rows_text(page)
    assert "unrestricted-ssh" in page.locator(f"[data-resource-id={group}]").inner_text()
    shot("3-restricted-ssh-noncompliant")

    page.select_option("select[name=document]", "AWS-DisablePublicAccessForSecurityGroup")
    page.wait_for_url("**document=AWS-DisablePublicAccessForSecurityGroup**")
    form = page.locator("[data-test=remediation-form]")
    form.locator("[data-param=GroupId] input[value=resource]").check()
    shot("3-remediation-form")
    form.locator("button[type=submit]").click()
    assert "Remediation action set" in message(page), message(page)
    remediation = page.locator("[data-test=remediation]").inner_text()
    assert "AWS-DisablePublicAccessForSecurityGroup" in remediation and "the resource ID" in remediation
    shot("3-remediation-set")

    page.check(f"[data-resource-id={group}] input[name=resource]")
    page.click("#resources button:has-text('Remediate')")
    assert "Remediation started for 1 resource" in message(page), message(page)
    state = page.locator(f"[data-execution={group}] [data-test=state]")
    assert reload_until(page, lambda: state.count() == 1 and state.inner_text() == "SUCCEEDED"), page.locator(
        "[data-test=executions]"
    ).inner_text()
    assert not ssh_open_to_world(ec2, group), "Remediate SUCCEEDED but SSH from 0.0.0.0/0 is still open"
    shot("3-remediation-succeeded")

    form = page.locator("[data-test=remediation-form]")
    form.locator("[data-param=AutomationAssumeRole] input[value=static]").check()
    form.locator("input[name='value.AutomationAssumeRole']").fill(ROLE)
    form.locator("input[name=automatic]").check()
    form.locator("button[type=submit]").click()
    assert "(automatic)" in message(page), message(page)
    assert page.locator("[data-test=automatic]").inner_text().startswith("yes")
    shot("3-remediation-automatic")
    # In the sandbox, as one would in EC2's console: the SSH-from-anywhere rule goes back on the group.
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[SSH_FROM_ANYWHERE])
    assert ssh_open_to_world(ec2, group)
    assert reload_until(page, lambda: not ssh_open_to_world(ec2, group), timeout=60), (
        "automatic remediation did not remove the SSH rule put back: "
        + page.locator("[data-test=executions]").inner_text()
    )
    shot("3-remediated-automatically")

    # --- Part 4: a second region and the aggregator ------------------------------------------------
    account = page.locator("header .account").inner_text().strip()
    assert account == ACCOUNT  # the account number, noted from the top bar
    # Sandbox setup: a group open to SSH in the second region.
    seoul_ec2 = live_roost.cloud("ec2", SEOUL)
    open_group = seoul_ec2.create_security_group(GroupName="open-in-seoul", Description="lab")["GroupId"]
    seoul_ec2.authorize_security_group_ingress(GroupId=open_group, IpPermissions=[SSH_FROM_ANYWHERE])

    page.goto(url + "/recorder")
    choose_region(page, SEOUL)
    page.goto(url + "/recorder")
    assert SEOUL in page.locator("h1").inner_text()
    assert "Nothing is recorded" in page.locator("[data-test=recorder-status]").inner_text()
    shot("4-seoul-recorder-empty")
    # The first region records the global types (IAM); this one does not record them again.
    set_up_recording(page, url, bucket, include_global=False)
    # Now that it records, the picker lists the region and shows it as the one chosen.
    assert page.locator("select[aria-label=region]").input_value() == SEOUL
    shot("4-seoul-recorder-recording")

    add_from_catalogue(page, url, "ssh", "INCOMING_SSH_DISABLED", "restricted-ssh")
    assert SEOUL in page.locator("[data-test=rule-details]").inner_text()
    assert reload_until(page, lambda: open_group in rows_text(page)), rows_text(page)
    shot("4-seoul-restricted-ssh")

    choose_region(page, HOME)
    page.goto(url + "/aggregators")
    assert HOME in page.locator("h1").inner_text()
    page.fill("[data-test=aggregator-form] input[name=name]", "aggregator")
    page.fill("[data-test=aggregator-form] input[name=accounts]", account)
    page.check("input[name=scope][value=all]")
    shot("4-aggregator-form")
    page.click("[data-test=create]")
    assert "Saved aggregator aggregator" in message(page), message(page)
    page.goto(url + "/aggregators")
    page.click("[data-test=aggregator-list] a:text-is('aggregator')")
    page.wait_for_url("**/aggregators/aggregator**")

    rule = page.locator(f"[data-rule='{ACCOUNT}/{SEOUL}/restricted-ssh']")
    statuses = page.locator("[data-test=source-status]")

    def source_succeeded(region: str) -> bool:
        row = statuses.locator(f"[data-source='{ACCOUNT}/{region}']")
        return row.count() == 1 and "SUCCEEDED" in row.inner_text()

    def seen() -> bool:
        return (
            rule.count() == 1
            and "NON_COMPLIANT" in rule.inner_text()
            and source_succeeded(HOME)
            and source_succeeded(SEOUL)
        )

    assert reload_until(page, seen, timeout=60), (
        f"rules: {page.locator('[data-test=aggregate-rules]').inner_text()}\nsources: {statuses.inner_text()}"
    )
    shot("4-aggregator")
    rule.locator("a").first.click()
    assert open_group in page.locator("[data-test=aggregate-results]").inner_text()
    shot("4-aggregator-seoul-rule")
