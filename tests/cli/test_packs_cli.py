"""`roost packs` as a user runs it: a pack in AWS's published template format deployed over the
sandbox, listed, shown, updated with another parameter value, deleted; `check` before deploying."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from roost.cloud.sandbox import Sandbox
from tests.cli.test_remediation_cli import _fails

SG = "AWS::EC2::SecurityGroup"
OPEN_SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
SUFFIX = re.compile(r"^(?P<name>.+)-conformance-pack-[a-z0-9]{8}$")

# Written for roost's tests in the shape of AWS's published "Operational Best Practices" packs.
HYGIENE_PACK = """\
##############################################################################
#   Conformance pack (roost CLI test): account and network hygiene.
##############################################################################
AWSTemplateFormatVersion: '2010-09-09'
Description: Password policy, SSH exposure and certificate expiry.
Parameters:
  IamPasswordPolicyParamMinimumPasswordLength:
    Default: '14'
    Type: Number
    MinValue: 6
  IamPasswordPolicyParamRequireSymbols:
    Default: 'true'
    Type: String
    AllowedValues: ['true', 'false']
  IamPasswordPolicyParamMaxPasswordAge:
    Default: ''
    Type: String
  AcmCertificateExpirationCheckParamDaysToExpiration:
    Default: '30'
    Type: String
  AutomationRoleName:
    Default: SecurityGroupRemediationRole
    Type: String
Conditions:
  iamPasswordPolicyParamMaxPasswordAge:
    Fn::Not:
    - Fn::Equals:
      - ''
      - Ref: IamPasswordPolicyParamMaxPasswordAge
Resources:
  IamPasswordPolicy:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: iam-password-policy
      InputParameters:
        MinimumPasswordLength:
          Ref: IamPasswordPolicyParamMinimumPasswordLength
        RequireSymbols: !Ref IamPasswordPolicyParamRequireSymbols
        MaxPasswordAge:
          Fn::If:
          - iamPasswordPolicyParamMaxPasswordAge
          - Ref: IamPasswordPolicyParamMaxPasswordAge
          - Ref: AWS::NoValue
      Source:
        Owner: AWS
        SourceIdentifier: IAM_PASSWORD_POLICY
      MaximumExecutionFrequency: TwentyFour_Hours
  IncomingSshDisabled:
    Type: AWS::Config::ConfigRule
    Controls:
    - CIS.4.1
    - PCI.1.2.1
    Properties:
      ConfigRuleName: restricted-ssh
      Scope:
        ComplianceResourceTypes:
        - AWS::EC2::SecurityGroup
      Source:
        Owner: AWS
        SourceIdentifier: INCOMING_SSH_DISABLED
  AcmCertificateExpirationCheck:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: acm-certificate-expiration-check
      InputParameters:
        daysToExpiration: !Ref AcmCertificateExpirationCheckParamDaysToExpiration
      Scope:
        ComplianceResourceTypes:
        - AWS::ACM::Certificate
      Source:
        Owner: AWS
        SourceIdentifier: ACM_CERTIFICATE_EXPIRATION_CHECK
  RestrictedSshRemediation:
    Type: AWS::Config::RemediationConfiguration
    DependsOn: IncomingSshDisabled
    Properties:
      ConfigRuleName: !Ref IncomingSshDisabled
      ResourceType: AWS::EC2::SecurityGroup
      TargetId: AWS-DisablePublicAccessForSecurityGroup
      TargetType: SSM_DOCUMENT
      TargetVersion: '1'
      Parameters:
        AutomationAssumeRole:
          StaticValue:
            Values:
            - !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AutomationRoleName}
        GroupId:
          ResourceValue:
            Value: RESOURCE_ID
      Automatic: false
"""

# A pack some of whose rules roost cannot run, and one parameter with no default.
CHECKED_PACK = """\
{
  "Parameters": {
    "DaysToExpiration": {"Type": "Number"},
    "BlockedPorts": {"Type": "String", "Default": "20,21,3389"}
  },
  "Resources": {
    "CertificateExpiry": {
      "Type": "AWS::Config::ConfigRule",
      "Properties": {
        "ConfigRuleName": "certificate-expiry",
        "InputParameters": {"daysToExpiration": {"Ref": "DaysToExpiration"}},
        "Source": {"Owner": "AWS", "SourceIdentifier": "ACM_CERTIFICATE_EXPIRATION_CHECK"}
      }
    },
    "RestrictedSsh": {
      "Type": "AWS::Config::ConfigRule",
      "Properties": {"Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}}
    },
    "TaggedBuckets": {
      "Type": "AWS::Config::ConfigRule",
      "Properties": {
        "ConfigRuleName": "tagged-buckets",
        "Source": {
          "Owner": "CUSTOM_POLICY",
          "SourceDetails": [
            {"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}
          ],
          "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x", "PolicyText": "rule t { tags !empty }"}
        }
      }
    }
  }
}
"""


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def _rule_named(names: list[str], template_name: str) -> str:
    (found,) = [n for n in names if (m := SUFFIX.match(n)) and m["name"] == template_name]
    return found


@pytest.fixture
def recorded(roost: Callable[..., Result], cloud: Sandbox, aws: Callable[..., Any]) -> str:
    """Recording over the sandbox, one security group open to SSH from anywhere, and a password
    policy that meets the pack's defaults (14 characters, symbols, ...)."""
    ec2 = aws("ec2")
    aws("s3").create_bucket(Bucket="delivery")
    aws("iam").update_account_password_policy(
        MinimumPasswordLength=16,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        MaxPasswordAge=90,
        PasswordReusePrevention=24,
    )
    group: str = ec2.create_security_group(GroupName="open-ssh", Description="pack")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[OPEN_SSH])
    Path("roost.toml").write_text(
        f'[[accounts]]\naccount_id = "123456789012"\nregions = ["us-east-1"]\n'
        f'access_key_id = "test"\nsecret_access_key = "test"\nendpoint_url = "{cloud.endpoint_url}"\n'
    )
    Path("hygiene.yaml").write_text(HYGIENE_PACK)
    _ok(roost("recorder", "put"))
    _ok(roost("delivery-channel", "put", "--bucket", "delivery"))
    _ok(roost("recorder", "start"))
    _ok(roost("record", "--once", "--type", SG))
    return group


def test_deploy_list_show_update_and_delete_a_pack(roost: Callable[..., Result], recorded: str) -> None:
    group = recorded
    deployed = roost("packs", "deploy", "hygiene", "hygiene.yaml")
    out = _ok(deployed)
    assert "conformance pack hygiene CREATE_COMPLETE in 123456789012/us-east-1: NON_COMPLIANT" in out
    assert re.search(r"iam-password-policy-conformance-pack-[a-z0-9]{8}", out)
    assert re.search(r"restricted-ssh-conformance-pack-[a-z0-9]{8}", out)
    assert "warning: roost does not evaluate 1 of the pack's 3 rules yet" in deployed.stderr
    assert "acm-certificate-expiration-check-conformance-pack-" in deployed.stderr

    # list: one pack, its roll-up and score; JSON in AWS's casing.
    table = _ok(roost("packs", "list"))
    assert "hygiene" in table and "CREATE_COMPLETE" in table and "NON_COMPLIANT" in table
    (listed,) = json.loads(_ok(roost("-o", "json", "packs", "list")))
    assert listed["ConformancePackName"] == "hygiene"
    assert listed["ConformancePackState"] == "CREATE_COMPLETE"
    assert listed["ConformancePackComplianceStatus"] == "NON_COMPLIANT"
    assert listed["ConformancePackArn"].startswith(
        "arn:aws:config:us-east-1:123456789012:conformance-pack/hygiene/conformance-pack-"
    )
    names = listed["ConfigRuleNames"]
    assert len(names) == 3
    password, ssh, acm = (
        _rule_named(names, n)
        for n in ("iam-password-policy", "restricted-ssh", "acm-certificate-expiration-check")
    )

    # show: the rules with their compliance, controls and whether roost evaluates them.
    shown = json.loads(_ok(roost("-o", "json", "packs", "show", "hygiene")))
    assert shown["ConformancePackDetail"]["ConformancePackId"] == listed["ConformancePackId"]
    assert shown["ConformancePackStatusDetail"]["ConformancePackState"] == "CREATE_COMPLETE"
    by_rule = {r["ConfigRuleName"]: r for r in shown["ConformancePackRuleComplianceList"]}
    assert by_rule[password] == {"ConfigRuleName": password, "ComplianceType": "COMPLIANT", "Controls": []}
    assert by_rule[ssh] == {
        "ConfigRuleName": ssh,
        "ComplianceType": "NON_COMPLIANT",
        "Controls": ["CIS.4.1", "PCI.1.2.1"],
    }
    assert by_rule[acm]["ComplianceType"] == "INSUFFICIENT_DATA"
    assert shown["NotEvaluatedByRoost"] == [acm]
    # The score: compliant (rule, resource) pairs among those judged; the rule roost cannot run
    # counts one pair (no certificate is recorded) that is not known to be compliant.
    groups = json.loads(_ok(roost("-o", "json", "resources", "list", "--type", SG)))
    compliant = 1 + len(groups) - 1  # the password policy, and every group but the open one
    judged = 1 + len(groups) + 1
    assert shown["Score"] == listed["Score"] == f"{100 * compliant / judged:.2f}"

    text = _ok(roost("packs", "show", "hygiene"))
    assert "CIS.4.1, PCI.1.2.1" in text and "not yet" in text
    assert "an AWS managed rule roost does not implement yet" in text
    assert listed["ConformancePackId"] in text
    assert "IamPasswordPolicyParamMinimumPasswordLength=14" in text  # a default, as deployed

    # --resources: each rule's result per resource, in GetConformancePackComplianceDetails' shape.
    detailed = json.loads(
        _ok(roost("-o", "json", "packs", "show", "hygiene", "--resources", "--compliance", "NON_COMPLIANT"))
    )
    (result,) = detailed["ConformancePackRuleEvaluationResults"]
    qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
    assert (qualifier["ConfigRuleName"], qualifier["ResourceType"], qualifier["ResourceId"]) == (
        ssh,
        SG,
        group,
    )
    assert result["ComplianceType"] == "NON_COMPLIANT"
    assert [r["ConfigRuleName"] for r in detailed["ConformancePackRuleComplianceList"]] == [ssh]
    table = _ok(roost("packs", "show", "hygiene", "--resources"))
    assert "results per resource" in table and group in table

    # The remediation is the pack's, on its deployed rule.
    (remediation,) = json.loads(_ok(roost("-o", "json", "remediation", "list")))
    assert remediation["ConfigRuleName"] == ssh
    assert remediation["TargetId"] == "AWS-DisablePublicAccessForSecurityGroup"

    # A pack's rules are its own: a user cannot delete one.
    _fails(
        roost("rules", "delete", ssh), "You do not have permissions", "change or delete its conformance pack"
    )

    # Deploy again with another value: only the password rule changes, the others keep their names.
    updated = _ok(
        roost(
            "packs",
            "deploy",
            "hygiene",
            "hygiene.yaml",
            "--param",
            "IamPasswordPolicyParamMinimumPasswordLength=20",
        )
    )
    assert "conformance pack hygiene UPDATE_COMPLETE" in updated
    again = json.loads(_ok(roost("-o", "json", "packs", "list")))[0]
    assert again["ConfigRuleNames"] == names
    assert again["ConformancePackInputParameters"] == [
        {"ParameterName": "IamPasswordPolicyParamMinimumPasswordLength", "ParameterValue": "20"}
    ]
    rule = json.loads(_ok(roost("-o", "json", "rules", "show", password)))
    assert json.loads(rule["parameters"]) == {"MinimumPasswordLength": "20", "RequireSymbols": "true"}
    assert rule["compliance"] == "NON_COMPLIANT"  # 16 characters are not 20
    changes = json.loads(
        _ok(
            roost(
                "-o",
                "json",
                "packs",
                "deploy",
                "hygiene",
                "hygiene.yaml",
                "--param",
                "IamPasswordPolicyParamMinimumPasswordLength=20",
                "--param",
                "IamPasswordPolicyParamMaxPasswordAge=90",
            )
        )
    )
    assert {r["template name"]: r["change"] for r in changes["Rules"]} == {
        "iam-password-policy": "changed",
        "restricted-ssh": "unchanged",
        "acm-certificate-expiration-check": "unchanged",
    }
    assert changes["ConformancePackState"] == "UPDATE_COMPLETE"

    # Delete: the pack, its rules and its remediation go.
    assert "conformance pack hygiene deleted from 123456789012/us-east-1 with its 3 rules" in _ok(
        roost("packs", "delete", "hygiene")
    )
    assert json.loads(_ok(roost("-o", "json", "packs", "list"))) == []
    assert json.loads(_ok(roost("-o", "json", "remediation", "list"))) == []
    remaining = {r["rule"] for r in json.loads(_ok(roost("-o", "json", "rules", "list")))}
    assert not remaining & set(names)


def test_check_lists_what_roost_evaluates_without_deploying(roost: Callable[..., Result]) -> None:
    Path("checked.json").write_text(CHECKED_PACK)
    out = _ok(roost("packs", "check", "checked.json"))
    assert "1 of 3 rules evaluated by roost; 2 not yet" in out
    assert "parameters without a value (give them with --param NAME=VALUE): DaysToExpiration" in out
    assert "a managed rule roost implements" in out
    assert "a Guard policy rule" in out

    checked = json.loads(
        _ok(roost("-o", "json", "packs", "check", "checked.json", "--param", "DaysToExpiration=45"))
    )
    assert checked["MissingParameters"] == []
    assert checked["Parameters"] == {"DaysToExpiration": "45", "BlockedPorts": "20,21,3389"}
    by_name = {r["name"]: r for r in checked["Rules"]}
    assert by_name["RestrictedSsh"] == {
        "name": "RestrictedSsh",
        "owner": "AWS",
        "identifier": "INCOMING_SSH_DISABLED",
        "evaluated": True,
        "why": "a managed rule roost implements",
    }
    assert by_name["certificate-expiry"]["evaluated"] is False
    assert by_name["tagged-buckets"]["owner"] == "CUSTOM_POLICY"
    assert checked["Summary"] == "1 of 3 rules evaluated by roost; 2 not yet"

    # Nothing was deployed (and no store or cloud was needed).
    assert not Path("roost.db").exists() or json.loads(_ok(roost("-o", "json", "packs", "list"))) == []


def test_a_wrong_template_is_one_line_naming_the_place(roost: Callable[..., Result], recorded: str) -> None:
    Path("wrong.yaml").write_text(
        HYGIENE_PACK.replace(
            "Owner: AWS\n        SourceIdentifier: INCOMING", "Owner: AWZ\n        SourceIdentifier: INCOMING"
        )
    )
    line = _fails(
        roost("packs", "deploy", "hygiene", "wrong.yaml"), "ConformancePackTemplateValidationException"
    )
    assert "Resources.IncomingSshDisabled.Properties.Source.Owner" in line
    _fails(
        roost("packs", "check", "wrong.yaml"),
        "wrong.yaml",
        "Resources.IncomingSshDisabled.Properties.Source.Owner",
    )
    assert json.loads(_ok(roost("-o", "json", "packs", "list"))) == []

    # A value for a parameter the template does not declare, or one its constraints refuse.
    _fails(
        roost("packs", "deploy", "hygiene", "hygiene.yaml", "--param", "Nope=1"),
        "ConformancePackTemplateValidationException",
        "Nope",
    )
    _fails(
        roost(
            "packs",
            "deploy",
            "hygiene",
            "hygiene.yaml",
            "--param",
            "IamPasswordPolicyParamRequireSymbols=maybe",
        ),
        "IamPasswordPolicyParamRequireSymbols",
    )
    _fails(roost("packs", "deploy", "hygiene", "hygiene.yaml", "--param", "novalue"), "NAME=VALUE")
    _fails(roost("packs", "check", "hygiene.yaml", "--param", "Nope=1"), "Nope")


def test_an_unknown_pack_is_a_clear_error(roost: Callable[..., Result], recorded: str) -> None:
    _fails(roost("packs", "show", "nope"), "NoSuchConformancePackException", "nope")
    _fails(roost("packs", "delete", "nope"), "NoSuchConformancePackException", "nope")
    _ok(roost("packs", "deploy", "hygiene", "hygiene.yaml"))
    _fails(
        roost("packs", "show", "hygiene", "--rule", "restricted-ssh"),
        "NoSuchConfigRuleInConformancePackException",
    )


def _long_pack(rules: int) -> str:
    """A pack as long as AWS's bigger published ones (process checks with long descriptions) and a
    remediation whose document roost does not run: more than an inline TemplateBody may hold."""
    lines = ["Resources:"]
    for n in range(rules):
        lines += [
            f"  ProcessCheck{n}:",
            "    Type: AWS::Config::ConfigRule",
            "    Properties:",
            f"      ConfigRuleName: manual-control-{n}",
            "      Description: " + f"Ensure the manual control number {n} is reviewed. " * 5,
            "      Source:",
            "        Owner: AWS",
            "        SourceIdentifier: AWS_CONFIG_PROCESS_CHECK",
        ]
    lines += [
        "  LoggingRemediation:",
        "    Type: 'AWS::Config::RemediationConfiguration'",
        "    Properties:",
        "      ConfigRuleName: manual-control-0",
        "      TargetId: AWS-ConfigureS3BucketLogging",
        "      TargetType: SSM_DOCUMENT",
        "      Parameters:",
        "        BucketName: {ResourceValue: {Value: RESOURCE_ID}}",
        "        AutomationAssumeRole:",
        "          StaticValue:",
        "            Values: ['arn:aws:iam::<Account-Id>:role/S3OperationsAutomationsExecutionRole']",
    ]
    return "\n".join(lines) + "\n"


def test_a_pack_longer_than_an_inline_template_body_deploys_from_its_file(
    roost: Callable[..., Result], recorded: str
) -> None:
    body = _long_pack(120)
    assert len(body) > 51_200  # what PutConformancePack's TemplateBody may hold
    Path("long.yaml").write_text(body)

    checked = json.loads(_ok(roost("-o", "json", "packs", "check", "long.yaml")))
    assert checked["Summary"] == "120 of 120 rules evaluated by roost; 0 not yet"
    assert checked["Remediations"] == [
        {"rule_name": "manual-control-0", "document": "AWS-ConfigureS3BucketLogging", "runs": False}
    ]
    assert "AWS-ConfigureS3BucketLogging (roost does not implement it yet" in _ok(
        roost("packs", "check", "long.yaml")
    )

    _ok(roost("packs", "deploy", "manual", "long.yaml"))
    (listed,) = json.loads(_ok(roost("-o", "json", "packs", "list")))
    assert (listed["ConformancePackName"], listed["ConformancePackState"]) == ("manual", "CREATE_COMPLETE")
    assert len(listed["ConfigRuleNames"]) == 120
    (remediation,) = json.loads(_ok(roost("-o", "json", "remediation", "list")))
    assert remediation["TargetId"] == "AWS-ConfigureS3BucketLogging"
    assert remediation["ConfigRuleName"].startswith("manual-control-0-conformance-pack-")
