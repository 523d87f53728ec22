"""The Conformance packs pages in a real browser on a live roost: a pack deployed by uploading its
template, checked first, listed with state, compliance and score, its rules (one roost does not
implement) and their resources down to a resource's page, its parameters updated, a broken
template refused with the message, and the pack deleted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from roost.model import AccountRegion
from tests.web.conftest import LiveRoost, eventually

SOURCE = AccountRegion("123456789012", "us-east-1")

# Written for this test in the shape of AWS's published packs (awslabs/aws-config-rules).
TEMPLATE = """\
##################################################################################
#   Conformance pack (roost dashboard test): account and network hygiene.
##################################################################################
Parameters:
  IamPasswordPolicyParamMaxPasswordAge:
    Default: '90'
    Type: String
  IamPasswordPolicyParamMinimumPasswordLength:
    Default: '14'
    Type: String
  IamPasswordPolicyParamRequireSymbols:
    Default: ''
    Type: String
Conditions:
  iamPasswordPolicyParamRequireSymbols:
    Fn::Not:
    - Fn::Equals:
      - ''
      - Ref: IamPasswordPolicyParamRequireSymbols
Resources:
  IamPasswordPolicy:
    Properties:
      ConfigRuleName: iam-password-policy
      InputParameters:
        MaxPasswordAge:
          Ref: IamPasswordPolicyParamMaxPasswordAge
        MinimumPasswordLength:
          Ref: IamPasswordPolicyParamMinimumPasswordLength
        RequireSymbols:
          Fn::If:
          - iamPasswordPolicyParamRequireSymbols
          - Ref: IamPasswordPolicyParamRequireSymbols
          - Ref: AWS::NoValue
      Source:
        Owner: AWS
        SourceIdentifier: IAM_PASSWORD_POLICY
      MaximumExecutionFrequency: TwentyFour_Hours
    Type: AWS::Config::ConfigRule
  RestrictedSsh:
    Controls:
    - NET.1
    - NET.4
    Properties:
      ConfigRuleName: restricted-ssh
      Scope:
        ComplianceResourceTypes:
        - AWS::EC2::SecurityGroup
      Source:
        Owner: AWS
        SourceIdentifier: INCOMING_SSH_DISABLED
    Type: AWS::Config::ConfigRule
  GuarddutyEnabledCentralized:
    Properties:
      ConfigRuleName: guardduty-enabled-centralized
      Source:
        Owner: AWS
        SourceIdentifier: GUARDDUTY_ENABLED_CENTRALIZED
      MaximumExecutionFrequency: TwentyFour_Hours
    Type: AWS::Config::ConfigRule
"""

BROKEN = """\
Parameters:
  Mode:
    Type: String
    AllowedValues: [strict, lenient]
    Default: loose
Resources:
  RestrictedSsh:
    Type: AWS::Config::ConfigRule
    Properties:
      Source:
        Owner: AWS
        SourceIdentifier: INCOMING_SSH_DISABLED
"""


def start_recording(live_roost: LiveRoost) -> None:
    live_roost.roost.ensure_recording(SOURCE)
    passed = eventually(lambda: (p := live_roost.roost.store.recorders.last_pass(SOURCE)) and p.finished_time)
    assert passed, "the first recording pass did not finish"


def reload_until(page: Page, check: Callable[[], bool], *, timeout: float = 60) -> bool:
    def again() -> bool:
        page.reload()
        return check()

    return bool(check() or eventually(again, timeout=timeout, every=1.0))


@pytest.mark.slow
def test_a_pack_deployed_from_a_file_scored_drilled_into_updated_and_deleted(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path], tmp_path: Path
) -> None:
    start_recording(live_roost)
    template = tmp_path / "roost-hygiene.yaml"
    template.write_text(TEMPLATE)
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN)
    open_group = live_roost.resources.security_groups["us-east-1"]

    page.goto(live_roost.url + "/packs")
    assert page.title() == "Conformance packs · roost"
    assert page.locator("[data-nav='Conformance packs']").get_attribute("class") == "active"
    assert "No conformance pack" in page.locator("[data-test=packs]").inner_text()

    # Check template: which rules roost evaluates, nothing deployed.
    form = page.locator("[data-test=deploy-form]")
    form.locator("input[name=name]").fill("hygiene")
    form.locator("input[name=template_file]").set_input_files(str(template))
    form.locator("[data-test=check]").click()
    checked = page.locator("[data-test=check-result]")
    assert "roost evaluates 2 of the template's 3 rules" in checked.inner_text()
    assert "evaluated" in checked.locator("[data-check-rule=restricted-ssh]").inner_text()
    assert "not yet" in checked.locator("[data-check-rule=guardduty-enabled-centralized]").inner_text()
    assert "IamPasswordPolicyParamMaxPasswordAge" in checked.inner_text()
    assert "No conformance pack" in page.locator("[data-test=packs]").inner_text()
    # The uploaded file came back as text, with the name typed: deploying needs no new upload.
    assert form.locator("input[name=name]").input_value() == "hygiene"
    assert "INCOMING_SSH_DISABLED" in form.locator("textarea[name=template_text]").input_value()
    shot("packs-check")

    # Deploy, uploading the file again with a parameter.
    form.locator("input[name=template_file]").set_input_files(str(template))
    form.locator("textarea[name=parameters]").fill("IamPasswordPolicyParamMaxPasswordAge=60\n")
    form.locator("[data-test=deploy]").click()
    page.wait_for_url("**/packs/hygiene?**")
    assert "Deployed conformance pack hygiene" in page.locator(".message.note").inner_text()
    assert "CREATE_COMPLETE" in page.locator("[data-test=pack-details] [data-test=state]").inner_text()
    assert "IamPasswordPolicyParamMaxPasswordAge = 60" in page.locator("[data-test=parameters]").inner_text()

    ssh = page.locator("[data-test=pack-rules] [data-rule=restricted-ssh]")
    assert reload_until(
        page, lambda: "non compliant" in ssh.locator("[data-test=rule-compliance]").inner_text()
    )
    assert "NET.1" in ssh.inner_text() and "NET.4" in ssh.inner_text()
    assert "non compliant" in page.locator("[data-test=pack-compliance]").inner_text()
    unimplemented = page.locator("[data-test=pack-rules] [data-rule=guardduty-enabled-centralized]")
    assert "not evaluated by roost yet" in unimplemented.inner_text()
    assert "insufficient data" in unimplemented.locator("[data-test=rule-compliance]").inner_text()
    assert page.locator("[data-test=pack-rules] [data-test=not-evaluated]").count() == 1
    assert "%" in page.locator("[data-test=pack-score]").inner_text()
    # Noncompliant resources of every rule by default: the open group is one of them.
    assert open_group in page.locator("[data-test=pack-results]").inner_text()
    shot("pack-detail")

    # The list: state, compliance, score, rules.
    page.goto(live_roost.url + "/packs")
    row = page.locator("[data-test=packs] [data-pack=hygiene]")
    assert "CREATE_COMPLETE" in row.locator("[data-test=state]").inner_text()
    assert "non compliant" in row.locator("[data-test=compliance]").inner_text()
    assert "%" in row.locator("[data-test=score]").inner_text()
    assert "\t3\t" in row.inner_text()
    shot("packs-list")

    # Drill down: the rule's resources, then the open group's own page.
    row.locator("a").click()
    ssh.locator("[data-test=drill]").click()
    results = page.locator("[data-test=pack-results]")
    assert open_group in results.inner_text()
    assert "restricted-ssh" in page.locator("#resources h2").inner_text()
    assert (
        page.locator("[data-test=rule-filter]").input_value().startswith("restricted-ssh-conformance-pack-")
    )
    page.click("[data-tab=compliant]")
    assert open_group not in results.inner_text()
    page.click("[data-tab=noncompliant]")
    results.locator(f"[data-resource-id='{open_group}'] a").first.click()
    page.wait_for_url(f"**/resources/AWS::EC2::SecurityGroup/{open_group}")
    assert open_group in page.content()

    # The deployed rule's own page is one click from the pack.
    page.go_back()
    ssh.locator("td a").first.click()
    page.wait_for_url("**/rules/restricted-ssh-conformance-pack-*")
    page.go_back()

    # Update the parameters (the template stays); a parameter the template lacks is refused first.
    update = page.locator("[data-test=update-form]")
    assert (
        "IamPasswordPolicyParamMaxPasswordAge=60" in update.locator("textarea[name=parameters]").input_value()
    )
    assert "INCOMING_SSH_DISABLED" in (update.locator("[data-test=current-template]").text_content() or "")
    update.locator("textarea[name=parameters]").fill("NoSuchParameter=1")
    update.locator("[data-test=update]").click()
    assert "NoSuchParameter" in page.locator(".message.error").inner_text()
    assert update.locator("textarea[name=parameters]").input_value() == "NoSuchParameter=1"
    assert "CREATE_COMPLETE" in page.locator("[data-test=pack-details] [data-test=state]").inner_text()
    update.locator("textarea[name=parameters]").fill("IamPasswordPolicyParamMaxPasswordAge=45")
    update.locator("[data-test=update]").click()
    assert "Updated conformance pack hygiene" in page.locator(".message.note").inner_text()
    assert "UPDATE_COMPLETE" in page.locator("[data-test=pack-details] [data-test=state]").inner_text()
    assert "IamPasswordPolicyParamMaxPasswordAge = 45" in page.locator("[data-test=parameters]").inner_text()
    assert page.locator("[data-test=pack-rules] tr[data-rule]").count() == 3

    # A broken template is refused with AWS's error and the message; what was typed stays.
    page.goto(live_roost.url + "/packs")
    form.locator("input[name=name]").fill("broken")
    form.locator("input[name=template_file]").set_input_files(str(broken))
    form.locator("textarea[name=parameters]").fill("Mode=strict\nnot a parameter line")
    form.locator("[data-test=deploy]").click()
    error = page.locator(".message.error")
    assert "line 2" in error.first.inner_text()
    form.locator("input[name=template_file]").set_input_files(str(broken))
    form.locator("textarea[name=parameters]").fill("")
    form.locator("[data-test=deploy]").click()
    assert "ConformancePackTemplateValidationException" in error.inner_text()
    assert "loose" in error.inner_text()
    assert form.locator("input[name=name]").input_value() == "broken"
    assert "AllowedValues: [strict, lenient]" in form.locator("textarea[name=template_text]").input_value()
    assert page.locator("[data-test=packs] [data-pack=broken]").count() == 0
    shot("packs-template-error")

    # Delete, confirmed.
    page.click("[data-pack=hygiene] a")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-test=delete]")
    page.wait_for_url("**/packs?**")
    assert "Deleted conformance pack hygiene" in page.locator(".message.note").inner_text()
    assert "No conformance pack" in page.locator("[data-test=packs]").inner_text()
    assert not [
        r
        for r in live_roost.config().describe_config_rules()["ConfigRules"]
        if "conformance-pack" in r["ConfigRuleName"]
    ]


def test_a_published_size_pack_deploys_from_its_file(
    live_roost: LiveRoost, page: Page, tmp_path: Path
) -> None:
    """The longer published packs exceed an inline TemplateBody (51,200 characters): the dashboard
    takes the file as AWS takes a template from S3."""
    rules = "".join(
        f"""  Manual{n}:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: manual-control-{n}
      Description: {f"Ensure the manual control number {n} is reviewed. " * 5}
      Source:
        Owner: AWS
        SourceIdentifier: AWS_CONFIG_PROCESS_CHECK
"""
        for n in range(120)
    )
    template = tmp_path / "long.yaml"
    template.write_text("Resources:\n" + rules)
    assert template.stat().st_size > 51_200
    start_recording(live_roost)

    page.goto(live_roost.url + "/packs")
    form = page.locator("[data-test=deploy-form]")
    form.locator("input[name=name]").fill("manual")
    form.locator("input[name=template_file]").set_input_files(str(template))
    form.locator("[data-test=deploy]").click()
    page.wait_for_url("**/packs/manual?**")
    assert "CREATE_COMPLETE" in page.locator("[data-test=pack-details] [data-test=state]").inner_text()
    assert page.locator("[data-test=pack-rules] [data-rule]").count() == 120
