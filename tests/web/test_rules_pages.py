"""The Rules pages in a real browser on a live roost: the lab's rules added through the forms, their
resources by compliance, remediation set, run by hand and made automatic, and a custom rule."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from roost.model import AccountRegion
from tests.web.conftest import LiveRoost, eventually

SOURCE = AccountRegion("123456789012", "us-east-1")
ROLE = "arn:aws:iam::123456789012:role/remediation"


def start_recording(live_roost: LiveRoost) -> None:
    live_roost.roost.ensure_recording(SOURCE)
    passed = eventually(lambda: (p := live_roost.roost.store.recorders.last_pass(SOURCE)) and p.finished_time)
    assert passed, "the first recording pass did not finish"


def add_from_catalogue(page: Page, url: str, search: str, identifier: str, name: str) -> None:
    page.goto(url + "/rules")
    page.click("text=Add managed rule")
    page.fill("input[name=q]", search)
    page.press("input[name=q]", "Enter")
    page.click(f"[data-identifier={identifier}]")
    assert page.locator("input[name=name]").input_value() == name
    page.click("[data-test=add-rule] button[type=submit]")
    page.wait_for_url(f"**/rules/{name}**")


def rows_text(page: Page) -> str:
    return page.locator("[data-test=results]").inner_text()


def reload_until(page: Page, check: Callable[[], bool], *, timeout: float = 60) -> bool:
    def again() -> bool:
        page.reload()
        return check()

    return bool(check() or eventually(again, timeout=timeout, every=1.0))


def ssh_open_to_world(ec2: Any, group_id: str) -> bool:
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return any(
        p.get("IpProtocol") == "tcp"
        and p.get("FromPort") == 22
        and any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges") or [])
        for p in group.get("IpPermissions") or []
    )


@pytest.mark.slow
def test_a_managed_rule_from_the_catalogue_with_its_resources_by_compliance(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    start_recording(live_roost)
    page.goto(live_roost.url + "/rules")
    assert "No rules yet" in page.locator("[data-test=rules]").inner_text()
    shot("rules-empty")

    page.click("text=Add managed rule")
    page.fill("input[name=q]", "mfa iam user")
    page.press("input[name=q]", "Enter")
    catalogue = page.locator("[data-test=catalog]").inner_text()
    assert "iam-user-mfa-enabled" in catalogue and "in roost" in catalogue
    shot("rules-add-search")
    page.click("[data-identifier=IAM_USER_MFA_ENABLED]")
    assert page.locator("input[name=name]").input_value() == "iam-user-mfa-enabled"
    assert page.locator("select[name=frequency]").input_value() == "TwentyFour_Hours"
    shot("rules-add-form")
    page.click("[data-test=add-rule] button[type=submit]")
    page.wait_for_url("**/rules/iam-user-mfa-enabled**")
    assert "Rule iam-user-mfa-enabled added" in page.locator("[role=status]").inner_text()

    # Noncompliant (the default tab): bob and carol; Compliant: alice; All: the three.
    assert reload_until(page, lambda: {"bob", "carol"} <= set(rows_text(page).split()))
    assert "alice" not in rows_text(page)
    assert page.locator("[data-test=rule-compliance]").inner_text() == "non compliant"
    shot("rule-noncompliant")
    page.click("[data-tab=compliant]")
    assert "alice" in rows_text(page) and "bob" not in rows_text(page)
    page.click("[data-tab=all]")
    assert {"alice", "bob", "carol"} <= set(rows_text(page).split())
    assert "Last successful evaluation" in page.locator("[data-test=evaluation-status]").inner_text()
    shot("rule-all")

    # A page of one result at a time pages through the NextToken.
    page.goto(live_roost.url + "/rules/iam-user-mfa-enabled?tab=all&token=bogus")
    assert "InvalidNextTokenException" in page.locator("[role=alert]").inner_text()

    page.goto(live_roost.url + "/rules")
    row = page.locator("[data-rule=iam-user-mfa-enabled]").inner_text()
    assert "non compliant" in row and "IAM_USER_MFA_ENABLED" in row and "2 noncompliant" in row
    shot("rules-list")

    # Re-evaluate and delete; an unknown rule is a message, not a 500.
    page.goto(live_roost.url + "/rules/iam-user-mfa-enabled")
    page.click("text=Re-evaluate")
    assert "Evaluating iam-user-mfa-enabled" in page.locator("[role=status]").inner_text()
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("text=Delete rule")
    page.wait_for_url("**/rules?**")
    assert "Rule iam-user-mfa-enabled deleted" in page.locator("[role=status]").inner_text()
    response = page.goto(live_roost.url + "/rules/iam-user-mfa-enabled")
    assert response is not None and response.status == 404
    assert "NoSuchConfigRuleException" in page.locator("[role=alert]").inner_text()


@pytest.mark.slow
def test_remediation_set_run_by_hand_then_automatic_through_the_rule_page(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    start_recording(live_roost)
    group = live_roost.resources.security_groups["us-east-1"]
    ec2 = live_roost.cloud("ec2")
    add_from_catalogue(page, live_roost.url, "ssh", "INCOMING_SSH_DISABLED", "restricted-ssh")
    assert reload_until(page, lambda: group in rows_text(page))
    assert "Set a remediation action" in page.locator("#resources").inner_text()

    # The remediation action: AWS-DisablePublicAccessForSecurityGroup, GroupId = the resource ID.
    page.select_option("select[name=document]", "AWS-DisablePublicAccessForSecurityGroup")
    page.wait_for_url("**document=AWS-DisablePublicAccessForSecurityGroup**")
    form = page.locator("[data-test=remediation-form]")
    assert form.locator("[data-param=GroupId] input[value=resource]").is_checked()
    form.locator("[data-param=GroupId] input[value=resource]").check()
    assert form.locator("input[name=resource_type]").input_value() == "AWS::EC2::SecurityGroup"
    # Automatic without an AutomationAssumeRole: the API's error, the form kept as it was.
    form.locator("input[name=automatic]").check()
    shot("remediation-form")
    form.locator("button[type=submit]").click()
    assert "AutomationAssumeRole" in page.locator("[role=alert]").inner_text()
    assert page.locator("[data-test=remediation-form] input[name=automatic]").is_checked()
    shot("remediation-error")
    page.locator("[data-test=remediation-form] input[name=automatic]").uncheck()
    page.locator("[data-test=remediation-form] button[type=submit]").click()
    assert "Remediation action set" in page.locator("[role=status]").inner_text()
    remediation = page.locator("[data-test=remediation]").inner_text()
    assert "AWS-DisablePublicAccessForSecurityGroup" in remediation and "the resource ID" in remediation

    # Remediate with nothing ticked is a message; then tick the group and press Remediate.
    page.click("#resources button:has-text('Remediate')")
    assert "Tick the resources" in page.locator("[role=alert]").inner_text()
    page.goto(live_roost.url + "/rules/restricted-ssh")
    page.check(f"[data-resource-id={group}] input[name=resource]")
    page.click("#resources button:has-text('Remediate')")
    assert "Remediation started for 1 resource" in page.locator("[role=status]").inner_text()
    execution = page.locator(f"[data-execution={group}]")
    assert reload_until(page, lambda: execution.locator("[data-test=state]").inner_text() == "SUCCEEDED")
    assert "DisableFromAllIp" in execution.inner_text()
    assert not ssh_open_to_world(ec2, group)
    shot("remediation-succeeded")

    # Automatic, with a role: the SSH rule put back goes away by itself.
    form = page.locator("[data-test=remediation-form]")
    form.locator("[data-param=AutomationAssumeRole] input[value=static]").check()
    form.locator("input[name='value.AutomationAssumeRole']").fill(ROLE)
    form.locator("input[name=automatic]").check()
    form.locator("button[type=submit]").click()
    assert "(automatic)" in page.locator("[role=status]").inner_text()
    assert page.locator("[data-test=automatic]").inner_text().startswith("yes")
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    assert eventually(lambda: not ssh_open_to_world(ec2, group), timeout=60)

    # A rule with a remediation cannot be deleted; once it is removed, it can.
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("text=Delete rule")
    assert "ResourceInUseException" in page.locator("[role=alert]").inner_text()
    shot("rule-delete-refused")
    page.click("text=Remove remediation")
    assert "Remediation action removed" in page.locator("[role=status]").inner_text()
    assert "No remediation action" in page.locator("[data-test=remediation]").inner_text()


HANDLER = """
def handler(event, context):
    return None
"""


def package(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("check.py", code)
    return buffer.getvalue()


def test_a_custom_rule_through_its_form(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    function = live_roost.roost.functions.create(
        SOURCE,
        name="noop-check",
        runtime="python3.12",
        handler="check.handler",
        role="arn:aws:iam::123456789012:role/noop",
        package=package(HANDLER),
    )
    page.goto(live_roost.url + "/rules")
    page.click("text=Add custom rule")
    page.fill("input[name=name]", "noop-custom")
    page.select_option("select[name=function]", function.arn)
    page.uncheck("input[name=on_change]")
    shot("rules-add-custom")
    page.click("[data-test=add-custom-rule] button[type=submit]")
    assert "Choose a trigger" in page.locator("[role=alert]").inner_text()
    assert page.locator("input[name=name]").input_value() == "noop-custom"

    page.check("input[name=periodic]")
    page.select_option("select[name=frequency]", "One_Hour")
    page.fill("textarea[name=parameters_json]", "{not json")
    page.click("[data-test=add-custom-rule] button[type=submit]")
    assert "not JSON" in page.locator("[role=alert]").inner_text()

    page.fill("textarea[name=parameters_json]", "")
    page.locator("input[name=param_key]").first.fill("maxAge")
    page.locator("input[name=param_value]").first.fill("90")
    page.check("input[name=on_change]")
    page.fill("input[name=resource_types]", "AWS::IAM::User")
    # Without a recorder AWS refuses a rule: the API's error, on the form as it was filled.
    page.click("[data-test=add-custom-rule] button[type=submit]")
    assert "NoAvailableConfigurationRecorderException" in page.locator("[role=alert]").inner_text()
    assert page.locator("input[name=param_value]").first.input_value() == "90"
    live_roost.roost.ensure_recording(SOURCE)
    page.click("[data-test=add-custom-rule] button[type=submit]")
    page.wait_for_url("**/rules/noop-custom**")
    details = page.locator("[data-test=rule-details]").inner_text()
    assert function.arn in details and "maxAge" in details
    assert "periodic: One_Hour" in details and "changes: AWS::IAM::User" in details
    shot("rule-custom")

    page.goto(live_roost.url + "/rules")
    row = page.locator("[data-rule=noop-custom]").inner_text()
    assert function.arn in row and "function" in row

    # A function ARN roost does not host: the API's error on the form.
    page.goto(live_roost.url + "/rules/add-custom")
    page.fill("input[name=name]", "elsewhere")
    page.fill("input[name=function_arn]", "arn:aws:lambda:us-east-1:123456789012:function:missing")
    page.click("[data-test=add-custom-rule] button[type=submit]")
    assert "InsufficientPermissionsException" in page.locator("[role=alert]").inner_text()
