"""The conformance pack template engine: AWS's published template format rendered to rules and
remediations, as a user would see them (names, properties, error messages)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from roost.packs.model import PackTemplate, TemplateRule
from roost.packs.template import MAX_TEMPLATE_FILE, TemplateError, parse_template, render_template

TEMPLATES = Path(__file__).parent / "templates"
ACCOUNT = "123456789012"


def render(body: str, parameters: dict[str, str] | None = None, **options: Any) -> PackTemplate:
    options.setdefault("region", "us-east-1")
    return render_template(body, parameters or {}, account_id=ACCOUNT, **options)


def template(name: str) -> str:
    return (TEMPLATES / name).read_text()


def by_name(pack: PackTemplate) -> dict[str, TemplateRule]:
    return {rule.name: rule for rule in pack.rules}


def one_rule(properties: str = "", *, head: str = "", resource: str = "") -> str:
    """A template of one managed rule, with extra YAML for its Properties, resource and sections."""
    return (
        textwrap.dedent(head)
        + "Resources:\n  MyRule:\n    Type: AWS::Config::ConfigRule\n"
        + textwrap.indent(textwrap.dedent(resource), "    ")
        + "    Properties:\n      Source:\n        Owner: AWS\n"
        + "        SourceIdentifier: S3_BUCKET_LOGGING_ENABLED\n"
        + textwrap.indent(textwrap.dedent(properties), "      ")
    )


def rendered_property(properties: str, name: str, **options: Any) -> Any:
    return render(one_rule(properties), **options).rules[0].properties.get(name)


# --- Templates in AWS's published format -----------------------------------------------------------


def test_a_cis_like_pack_renders_its_rules_with_defaults() -> None:
    pack = render(template("cis-like.yaml"))
    rules = by_name(pack)
    assert list(rules) == [
        "iam-password-policy",
        "s3-bucket-public-read-prohibited",
        "restricted-ssh",
        "RootAccountMfaEnabled",
    ]
    password = rules["iam-password-policy"]
    assert password.logical_id == "IamPasswordPolicy"
    assert password.controls == ("CIS.1.8", "CIS.1.9")
    assert password.properties["InputParameters"] == {
        "MaxPasswordAge": "90",
        "MinimumPasswordLength": "14",
        "RequireUppercaseCharacters": "true",
        "RequireNumbers": "true",
        "PasswordReusePrevention": "24",
    }
    assert password.properties["Source"] == {"Owner": "AWS", "SourceIdentifier": "IAM_PASSWORD_POLICY"}
    assert password.properties["MaximumExecutionFrequency"] == "TwentyFour_Hours"
    assert rules["restricted-ssh"].properties["Source"]["SourceIdentifier"] == "INCOMING_SSH_DISABLED"
    assert rules["restricted-ssh"].properties["Scope"] == {
        "ComplianceResourceTypes": ["AWS::EC2::SecurityGroup"]
    }
    assert rules["s3-bucket-public-read-prohibited"].controls == ()
    assert pack.parameters == {
        "IamPasswordPolicyParamMaxPasswordAge": "90",
        "IamPasswordPolicyParamMinimumPasswordLength": "14",
        "IamPasswordPolicyParamRequireUppercaseCharacters": "true",
        "IamPasswordPolicyParamRequireSymbols": "",
        "DeployVersioningCheck": "no",
    }
    assert pack.remediations == ()
    assert pack.missing_parameters == ()


def test_given_values_override_defaults_and_switch_conditions() -> None:
    pack = render(
        template("cis-like.yaml"),
        {
            "DeployVersioningCheck": "yes",
            "IamPasswordPolicyParamRequireSymbols": "false",
            "IamPasswordPolicyParamMinimumPasswordLength": "",
        },
    )
    rules = by_name(pack)
    assert "s3-bucket-versioning-enabled" in rules
    inputs = rules["iam-password-policy"].properties["InputParameters"]
    assert inputs["RequireSymbols"] == "false"
    assert "MinimumPasswordLength" not in inputs
    assert pack.parameters["DeployVersioningCheck"] == "yes"


def test_remediations_render_with_their_rule_names() -> None:
    pack = render(template("remediation.yaml"))
    ssh, closed = pack.remediations
    assert (ssh.logical_id, ssh.rule_name) == ("RestrictedSshRemediation", "restricted-ssh")
    assert ssh.properties == {
        "ConfigRuleName": "restricted-ssh",
        "ResourceType": "AWS::EC2::SecurityGroup",
        "TargetId": "AWS-DisablePublicAccessForSecurityGroup",
        "TargetType": "SSM_DOCUMENT",
        "TargetVersion": "1",
        "Parameters": {
            "AutomationAssumeRole": {
                "StaticValue": {"Values": [f"arn:aws:iam::{ACCOUNT}:role/SecurityGroupRemediationRole"]}
            },
            "GroupId": {"ResourceValue": {"Value": "RESOURCE_ID"}},
        },
        "ExecutionControls": {
            "SsmControls": {"ConcurrentExecutionRatePercentage": 10, "ErrorPercentage": 10}
        },
        "Automatic": True,
        "MaximumAutomaticAttempts": 5,
        "RetryAttemptSeconds": 60,
    }
    assert closed.rule_name == "vpc-default-security-group-closed"
    assert closed.properties["Automatic"] is False


def test_remediation_role_arn_follows_the_partition() -> None:
    pack = render(template("remediation.yaml"), {"AutomationRoleName": "Fixer"}, region="cn-north-1")
    role = pack.remediations[0].properties["Parameters"]["AutomationAssumeRole"]
    assert role == {"StaticValue": {"Values": [f"arn:aws-cn:iam::{ACCOUNT}:role/Fixer"]}}


def test_a_json_template_with_a_custom_lambda_rule() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:owner-tag"
    (rule,) = render(template("custom-lambda.json"), {"RuleFunctionArn": arn}).rules
    assert rule.name == "required-owner-tag"
    assert rule.properties["Source"]["Owner"] == "CUSTOM_LAMBDA"
    assert rule.properties["Source"]["SourceIdentifier"] == arn
    assert rule.properties["InputParameters"] == {
        "tagKey": "owner",
        "maxAgeDays": "30",
        "strict": "true",
        "ratio": "1.5",
        "allowed": json.dumps(["a", "b"]),
    }


def test_string_functions_and_mappings() -> None:
    (rule,) = render(template("functions.yaml"), region="eu-west-1").rules
    assert rule.name == "prod-required-tags-eu-west-1"
    assert rule.properties["Description"] == f"Required tags in {ACCOUNT}"
    assert rule.properties["MaximumExecutionFrequency"] == "One_Hour"
    assert rule.properties["InputParameters"] == {
        "tag1Key": "owner",
        "tagKeys": "owner,cost-center",
        "firstType": "AWS::S3::Bucket",
        "domain": "amazonaws",
        "literal": "keep ${Literal} as is",
        "listed": "prod in aws",
    }
    assert rule.properties["Scope"]["ComplianceResourceTypes"] == ["AWS::S3::Bucket", "AWS::EC2::Volume"]
    dev = render(template("functions.yaml"), {"Environment": "dev", "ResourceTypes": "AWS::IAM::Role"})
    assert dev.rules[0].properties["MaximumExecutionFrequency"] == "TwentyFour_Hours"
    assert dev.rules[0].properties["InputParameters"]["tagKeys"] == "owner"
    assert dev.rules[0].properties["Scope"]["ComplianceResourceTypes"] == ["AWS::IAM::Role"]


def test_parse_template_reads_yaml_and_json_alike() -> None:
    yaml_document = parse_template(template("cis-like.yaml"))
    assert yaml_document["AWSTemplateFormatVersion"] == "2010-09-09"
    assert yaml_document["Conditions"]["versioningWanted"] == {
        "Fn::Equals": [{"Ref": "DeployVersioningCheck"}, "yes"]
    }
    json_document = parse_template(template("custom-lambda.json"))
    assert json_document["Parameters"]["MaxAgeDays"]["Default"] == "30"
    assert parse_template("Resources:\n  X: !GetAtt Bucket.Arn\n")["Resources"]["X"] == {
        "Fn::GetAtt": ["Bucket", "Arn"]
    }


# --- Constructs ------------------------------------------------------------------------------------

CONDITIONS = """\
Parameters:
  Mode:
    Type: String
    Default: strict
Conditions:
  IsStrict: !Equals [!Ref Mode, strict]
  IsLoose: !Not [!Condition IsStrict]
  Both: !And [!Condition IsStrict, !Equals [!Ref 'AWS::Region', us-east-1]]
  Either:
    Fn::Or:
    - Condition: IsLoose
    - !Equals [a, b]
"""


@pytest.mark.parametrize(
    "value,mode,expected",
    [
        ("!If [IsStrict, yes, no]", "strict", "yes"),
        ("!If [IsStrict, yes, no]", "loose", "no"),
        ("!If [IsLoose, yes, no]", "loose", "yes"),
        ("!If [Both, yes, no]", "strict", "yes"),
        ("!If [Either, yes, no]", "strict", "no"),
        ("!If [Either, yes, no]", "loose", "yes"),
        ("!If [IsStrict, !Ref Mode, !Ref 'AWS::NoValue']", "strict", "strict"),
        ("!If [IsStrict, !Ref Mode, !Ref 'AWS::NoValue']", "loose", None),
        ("!If [IsStrict, !If [IsLoose, a, b], c]", "strict", "b"),
    ],
)
def test_conditions_and_fn_if(value: str, mode: str, expected: str | None) -> None:
    body = one_rule(f"InputParameters:\n  value: {value}\n", head=CONDITIONS)
    assert render(body, {"Mode": mode}).rules[0].properties["InputParameters"].get("value") == expected


def test_a_resource_condition_skips_the_resource_and_no_value_drops_list_elements() -> None:
    body = one_rule(
        "Scope:\n  ComplianceResourceTypes:\n  - AWS::S3::Bucket\n"
        "  - !If [IsLoose, AWS::EC2::Volume, !Ref AWS::NoValue]\n",
        head=CONDITIONS,
    ) + (
        "  Other:\n    Type: AWS::Config::ConfigRule\n    Condition: IsLoose\n    Properties:\n"
        + "      Source: {Owner: AWS, SourceIdentifier: X}\n"
    )
    strict = render(body)
    assert [rule.logical_id for rule in strict.rules] == ["MyRule"]
    assert strict.rules[0].properties["Scope"]["ComplianceResourceTypes"] == ["AWS::S3::Bucket"]
    loose = render(body, {"Mode": "loose"})
    assert [rule.logical_id for rule in loose.rules] == ["MyRule", "Other"]
    assert loose.rules[0].properties["Scope"]["ComplianceResourceTypes"] == [
        "AWS::S3::Bucket",
        "AWS::EC2::Volume",
    ]


@pytest.mark.parametrize(
    "expression,region,expected",
    [
        ("!Ref AWS::AccountId", "us-east-1", ACCOUNT),
        ("!Ref AWS::Region", "eu-central-1", "eu-central-1"),
        ("!Ref AWS::Partition", "us-east-1", "aws"),
        ("!Ref AWS::Partition", "cn-northwest-1", "aws-cn"),
        ("!Ref AWS::Partition", "us-gov-west-1", "aws-us-gov"),
        ("!Ref AWS::URLSuffix", "us-east-1", "amazonaws.com"),
        ("!Ref AWS::URLSuffix", "cn-north-1", "amazonaws.com.cn"),
        ("!Ref AWS::StackName", "us-east-1", "my-stack"),
        ("!Sub '${AWS::StackName}@${AWS::Region}'", "ap-south-1", "my-stack@ap-south-1"),
        ("!Join ['|', !Ref AWS::NotificationARNs]", "us-east-1", ""),
    ],
)
def test_pseudo_parameters(expression: str, region: str, expected: str) -> None:
    value = rendered_property(
        f"Description: {expression}\n", "Description", region=region, stack_name="my-stack"
    )
    assert value == expected


def test_the_stack_id_is_a_cloudformation_arn() -> None:
    value = rendered_property("Description: !Ref AWS::StackId\n", "Description", stack_name="pack-stack")
    assert value.startswith(f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/pack-stack/")


@pytest.mark.parametrize(
    "written,expected",
    [
        ("90", "90"),
        ("1.5", "1.5"),
        ("true", "true"),
        ("True", "true"),
        ("FALSE", "false"),
        ("'True'", "True"),
        ("yes", "yes"),
        ("off", "off"),
        ("0777", "0777"),
        ("2020-01-01", "2020-01-01"),
        ("1e3", "1e3"),
        ("!!int 12", "12"),
        ("'90'", "90"),
        ("{a: 1}", '{"a": "1"}'),
        ("[1, 2]", '["1", "2"]'),
        ("", ""),
    ],
)
def test_input_parameters_are_strings_as_written(written: str, expected: str) -> None:
    inputs = rendered_property(f"InputParameters:\n  value: {written}\n", "InputParameters")
    assert inputs == {"value": expected}


def test_input_parameters_may_be_json_text() -> None:
    inputs = rendered_property('InputParameters: \'{"maxAge": 90, "on": true}\'\n', "InputParameters")
    assert inputs == {"maxAge": "90", "on": "true"}


def test_a_ref_to_a_rule_without_a_name_is_its_logical_id() -> None:
    body = template("remediation.yaml").replace("      ConfigRuleName: restricted-ssh\n", "", 1)
    assert render(body).remediations[0].rule_name == "RestrictedSsh"


# --- Parameters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "declaration,value,error",
    [
        (
            "Type: String\nAllowedValues: [a, b]",
            "c",
            "Parameters.P: parameter 'P' must be one of AllowedValues (a, b)",
        ),
        (
            "Type: String\nAllowedPattern: '[a-z]+'",
            "abc1",
            "Parameters.P: parameter 'P' must match pattern [a-z]+",
        ),
        ("Type: String\nMinLength: 3", "ab", "must contain at least 3 characters"),
        ("Type: String\nMaxLength: 2", "abc", "must contain at most 2 characters"),
        ("Type: Number", "ninety", "Parameters.P: parameter 'P' must be a number"),
        ("Type: Number\nMinValue: 1", "0", "must be a number not less than 1"),
        ("Type: Number\nMaxValue: 365", "400", "must be a number not greater than 365"),
        ("Type: List<Number>", "1,x", "must be a number, not 'x'"),
        (
            "Type: String\nAllowedValues: [a]\nConstraintDescription: only a will do",
            "b",
            "(only a will do)",
        ),
        ("Type: Strin", "x", "Parameters.P.Type: 'Strin' is not a parameter type"),
        ("Type: String\nDefualt: x", "x", "Parameters.P.Defualt: unknown parameter attribute"),
        ("Default: x", "x", "Parameters.P.Type: every parameter needs a Type"),
        ("Type: AWS::SSM::Parameter::Value<String>", "x", "read from Systems Manager"),
    ],
)
def test_parameter_checks(declaration: str, value: str, error: str) -> None:
    head = "Parameters:\n  P:\n" + textwrap.indent(declaration + "\n", "    ")
    with pytest.raises(TemplateError) as raised:
        render(one_rule(head=head), {"P": value})
    assert error in str(raised.value)


@pytest.mark.parametrize(
    "declaration,value,ref",
    [
        ("Type: String\nAllowedValues: [a, b]", "b", "b"),
        ("Type: Number\nMinValue: 1\nMaxValue: 10", "10", "10"),
        ("Type: AWS::EC2::VPC::Id", "vpc-1234", "vpc-1234"),
        ("Type: String\nAllowedPattern: '\\d+'\nMinLength: 1", "42", "42"),
        ("Type: CommaDelimitedList\nAllowedValues: [x, y]", "y,x", "y+x"),
        ("Type: List<Number>", "1,2", "1+2"),
    ],
)
def test_parameter_values_that_pass(declaration: str, value: str, ref: str) -> None:
    head = "Parameters:\n  P:\n" + textwrap.indent(declaration + "\n", "    ")
    listed = "List" in declaration
    expression = "!Join ['+', !Ref P]" if listed else "!Ref P"
    pack = render(one_rule(f"Description: {expression}\n", head=head), {"P": value})
    assert pack.rules[0].properties["Description"] == ref
    assert pack.parameters == {"P": value}


def test_a_missing_parameter_fails_unless_lenient() -> None:
    body = template("custom-lambda.json")
    with pytest.raises(TemplateError, match="Parameters: RuleFunctionArn must have values"):
        render(body)
    pack = render(body, lenient=True)
    assert pack.missing_parameters == ("RuleFunctionArn",)
    assert pack.parameters == {"RuleFunctionArn": "", "MaxAgeDays": "30"}


def test_lenient_mode_still_refuses_undeclared_values_and_bad_ones() -> None:
    body = template("custom-lambda.json")
    with pytest.raises(TemplateError, match="does not require them: Extra"):
        render(body, {"Extra": "1"}, lenient=True)
    with pytest.raises(TemplateError, match="'MaxAgeDays' must be a number"):
        render(body, {"MaxAgeDays": "many"}, lenient=True)


# --- Errors --------------------------------------------------------------------------------------

RULE = "    Type: AWS::Config::ConfigRule\n    Properties:\n      Source: {Owner: AWS, SourceIdentifier: X}\n"


@pytest.mark.parametrize(
    "body,error",
    [
        (
            one_rule("InputParameters:\n  maxAge: !GetAtt Bucket.Arn\n"),
            "Resources.MyRule.Properties.InputParameters.maxAge: Fn::GetAtt is not supported in a "
            "conformance pack template (roost supports Ref, Fn::If",
        ),
        (
            one_rule("Description: !ImportValue shared\n"),
            "Properties.Description: Fn::ImportValue is not supported",
        ),
        (one_rule("Description: !Base64 x\n"), "Fn::Base64 is not supported"),
        (
            one_rule("Description: !Select [0, !GetAZs '']\n"),
            "Properties.Description: Fn::GetAZs is not supported",
        ),
        (
            one_rule("Description: !Sub '${Bucket.Arn}'\n"),
            "Fn::Sub: ${Bucket.Arn} is an attribute (Fn::GetAtt)",
        ),
        (one_rule("Description: !Equals [a, a]\n"), "Description: Fn::Equals can only be used in Conditions"),
        (
            "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
            "Resources.Bucket.Type: Bucket is a 'AWS::S3::Bucket'; a conformance pack template can only have",
        ),
        (
            one_rule("Description: !If [Nope, a, b]\n"),
            "Description: condition 'Nope' is not defined in Conditions",
        ),
        (
            one_rule(resource="Condition: Nope\n"),
            "Resources.MyRule.Condition: condition 'Nope' is not defined",
        ),
        (
            one_rule(head="Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\n"),
            "conditions refer to each other in a cycle: A -> B -> A",
        ),
        (
            one_rule("Description: !Ref Nothing\n"),
            "Ref to 'Nothing', which is neither a parameter nor a resource",
        ),
        (one_rule("Description: !Ref AWS::Nothing\n"), "Ref: AWS::Nothing is not a pseudo parameter"),
        (one_rule("Description: !Select [2, [a, b]]\n"), "Fn::Select: index 2 is out of range"),
        (one_rule("Description: !FindInMap [M, k, v]\n"), "Fn::FindInMap: Mappings has no 'M'"),
        (one_rule("Colour: blue\n"), "Resources.MyRule.Properties.Colour: unknown property"),
        (
            one_rule("Scope:\n  ResourceTypes: [x]\n"),
            "Resources.MyRule.Properties.Scope.ResourceTypes: unknown property",
        ),
        (
            one_rule("MaximumExecutionFrequency: Hourly\n"),
            "MaximumExecutionFrequency: must be one of One_Hour",
        ),
        (
            "Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n      ConfigRuleName: r\n",
            "Resources.R.Properties.Source: every rule needs a Source",
        ),
        (
            one_rule("ConfigRuleName: same\n") + "  Second:\n" + RULE + "      ConfigRuleName: same\n",
            "Resources.Second.Properties.ConfigRuleName: 'same' is also the name of rule MyRule",
        ),
        (
            one_rule()
            + "  Fix:\n    Type: AWS::Config::RemediationConfiguration\n    Properties:\n"
            + "      ConfigRuleName: other-rule\n      TargetId: AWS-Fix\n      TargetType: SSM_DOCUMENT\n",
            "Resources.Fix.Properties.ConfigRuleName: 'other-rule' is not the name of a rule of the template",
        ),
        (
            one_rule()
            + "  Fix:\n    Type: AWS::Config::RemediationConfiguration\n    Properties:\n"
            + "      ConfigRuleName: MyRule\n      TargetId: AWS-Fix\n      TargetType: SSM_DOCUMENT\n"
            + "      MaximumAutomaticAttempts: lots\n",
            "Resources.Fix.Properties.MaximumAutomaticAttempts: must be a whole number from 1 to 25",
        ),
        ("Resources:\n  MyRule:\n    Type: [AWS::Config::ConfigRule\n", "template is not valid YAML: line 4"),
        ('{\n  "Resources": {\n    "A": 1,\n  }\n}\n', "template is not valid JSON: line 4, column 3"),
        (
            "Resources:\n  A: !Frobnicate x\n",
            "line 2, column 6: could not determine a constructor for the tag '!Frobnicate'",
        ),
        (one_rule() + "  MyRule:\n" + RULE, "line 8, column 3: duplicate key 'MyRule'"),
        ("- just\n- a list\n", "template: the document must be a mapping"),
        ("Description: no resources\n", "Resources: the template has no resources"),
        ("Resources: {}\n", "Resources: the template has no resources"),
        (one_rule(head="Outputz: {}\n"), "Outputz: unknown template section"),
        (
            one_rule(head="Transform: AWS::Serverless-2016-10-31\n"),
            "Transform: transforms (macros) are not supported",
        ),
        (
            one_rule(head="Conditions:\n  Never: !Equals [a, b]\n", resource="Condition: Never\n"),
            "Resources: the conditions leave no resources to deploy",
        ),
        (" " * (MAX_TEMPLATE_FILE + 1), f"AWS accepts at most {MAX_TEMPLATE_FILE}"),
        # A few nested aliases in a short body would expand to billions of nodes.
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            + one_rule(),
            "line 2, column 8: YAML aliases (*name) are not allowed in a template",
        ),
        ("Resources: " + "[" * 3000 + "]" * 3000 + "\n", "template: nested too deeply"),
        ('{"Resources": ' + "[" * 3000 + "]" * 3000 + "}", "template: nested too deeply"),
        (one_rule(resource="DependsOn: {a: b}\n"), "Resources.MyRule.DependsOn: must be a resource name"),
        (
            one_rule()
            + "  Fix:\n    Type: AWS::Config::RemediationConfiguration\n    Properties:\n"
            + "      ConfigRuleName: MyRule\n      TargetId: AWS-Fix\n      TargetType: SSM_DOCUMENT\n"
            + "      MaximumAutomaticAttempts: '²'\n",
            "Resources.Fix.Properties.MaximumAutomaticAttempts: must be a whole number from 1 to 25",
        ),
    ],
)
def test_errors_name_the_problem_and_its_place(body: str, error: str) -> None:
    with pytest.raises(TemplateError) as raised:
        render(body)
    assert error in str(raised.value)


def test_given_values_for_undeclared_parameters_are_refused() -> None:
    with pytest.raises(TemplateError) as raised:
        render(template("cis-like.yaml"), {"Nonsense": "1", "AlsoNot": "2"})
    assert str(raised.value) == (
        "Parameters: parameter values specified for a template which does not require them: AlsoNot, Nonsense"
    )


def test_a_pack_has_at_most_130_rules() -> None:
    rules = "".join(f"  Rule{i}:\n{RULE}" for i in range(131))
    with pytest.raises(TemplateError, match="131 rules; a conformance pack can have at most 130"):
        render("Resources:\n" + rules)
    assert len(render("Resources:\n" + rules.split("  Rule130:")[0]).rules) == 130
