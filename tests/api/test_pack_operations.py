"""The conformance pack operations through boto3 (and the AWS CLI once) against a live roost over the
sandbox: templates in AWS's published format deployed, their rules and remediation configurations
owned by the pack, compliance and score as AWS computes them (a rule roost does not implement never
makes a pack look more compliant), updates that change only what changed, deletes, and AWS's errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from roost.compliance import Owner
from roost.functions.host import FunctionHost
from roost.remediation.engine import RemediationEngine
from roost.rules.custom.invoker import LambdaRuleInvoker
from tests.api.conftest import LiveApi, aws_configservice
from tests.api.test_remediation_operations import eventually
from tests.api.test_rule_operations import put_recorder
from tests.conftest import SOURCE

TEMPLATES = Path(__file__).parent.parent / "packs" / "deploy_templates"
BASIC = (TEMPLATES / "basic.yaml").read_text()
REMEDIATION = (TEMPLATES / "remediation.yaml").read_text()
SCORED = (TEMPLATES / "scored.yaml").read_text()
ACCOUNT = SOURCE.account_id
SG = "AWS::EC2::SecurityGroup"
PACK_ARN = re.compile(
    rf"^arn:aws:config:us-east-1:{ACCOUNT}:conformance-pack/(?P<name>[^/]+)/conformance-pack-[a-z0-9]+$"
)
T0 = datetime(2026, 1, 2, tzinfo=UTC)

PROCESS_ONLY = """
Resources:
  Process:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: process
      Source: {Owner: AWS, SourceIdentifier: AWS_CONFIG_PROCESS_CHECK}
"""


def rule_template(*rules: tuple[str, str, dict[str, str] | None]) -> str:
    """A JSON template of managed rules: (name, identifier, input parameters)."""
    resources: dict[str, Any] = {}
    for name, identifier, parameters in rules:
        properties: dict[str, Any] = {
            "ConfigRuleName": name,
            "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
        }
        if parameters:
            properties["InputParameters"] = parameters
        resources[name.title().replace("-", "")] = {
            "Type": "AWS::Config::ConfigRule",
            "Properties": properties,
        }
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})


@pytest.fixture
def recorded(live_api: LiveApi) -> LiveApi:
    put_recorder(live_api.services.store)
    return live_api


def deploy(config: Any, name: str, body: str, **extra: Any) -> str:
    arn = str(
        config.put_conformance_pack(ConformancePackName=name, TemplateBody=body, **extra)[
            "ConformancePackArn"
        ]
    )
    assert PACK_ARN.match(arn) and PACK_ARN.match(arn)["name"] == name  # type: ignore[index]
    return arn


def pack_rules(config: Any, pack: str) -> dict[str, dict[str, Any]]:
    """The pack's rules by their template name, as DescribeConfigRules shows them."""
    names = [
        r["ConfigRuleName"]
        for r in config.describe_conformance_pack_compliance(ConformancePackName=pack)[
            "ConformancePackRuleComplianceList"
        ]
    ]
    if not names:
        return {}
    rules = config.describe_config_rules(ConfigRuleNames=names)["ConfigRules"]
    found = {}
    for rule in rules:
        template_name, _, suffix = rule["ConfigRuleName"].rpartition("-conformance-pack-")
        assert re.fullmatch(r"[a-z0-9]{8}", suffix), rule["ConfigRuleName"]
        found[template_name] = rule
    return found


def compliance_of(config: Any, pack: str) -> dict[str, str]:
    listed = config.describe_conformance_pack_compliance(ConformancePackName=pack)[
        "ConformancePackRuleComplianceList"
    ]
    return {r["ConfigRuleName"].rpartition("-conformance-pack-")[0]: r["ComplianceType"] for r in listed}


def summary_of(config: Any, *packs: str) -> dict[str, str]:
    listed = config.get_conformance_pack_compliance_summary(ConformancePackNames=list(packs))
    return {
        s["ConformancePackName"]: s["ConformancePackComplianceStatus"]
        for s in listed["ConformancePackComplianceSummaryList"]
    }


def scores_of(config: Any, **params: Any) -> list[tuple[str, str]]:
    listed = config.list_conformance_pack_compliance_scores(**params)["ConformancePackComplianceScores"]
    return [(s["ConformancePackName"], s["Score"]) for s in listed]


def status_of(config: Any, pack: str) -> dict[str, Any]:
    (status,) = config.describe_conformance_pack_status(ConformancePackNames=[pack])[
        "ConformancePackStatusDetails"
    ]
    return dict(status)


def external(config: Any, rule: str, compliance: str = "COMPLIANT") -> None:
    config.put_external_evaluation(
        ConfigRuleName=rule,
        ExternalEvaluation={
            "ComplianceResourceType": "AWS::::Account",
            "ComplianceResourceId": ACCOUNT,
            "ComplianceType": compliance,
            "OrderingTimestamp": T0,
        },
    )


def open_group(aws: Callable[..., Any], name: str) -> str:
    ec2 = aws("ec2")
    group = str(ec2.create_security_group(GroupName=name, Description=name)["GroupId"])
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    return group


# --- deploying ------------------------------------------------------------------------------------


def test_deploy_describe_and_judge_the_sandbox(
    config: Any, recorded: LiveApi, aws: Callable[..., Any]
) -> None:
    opened = open_group(aws, "open")
    recorder = recorded.services.recorder
    assert recorder is not None
    recorder.record_pass(SOURCE, resource_types=[SG])
    groups = {g["GroupId"] for g in aws("ec2").describe_security_groups()["SecurityGroups"]}

    arn = deploy(
        config,
        "hygiene",
        BASIC,
        ConformancePackInputParameters=[{"ParameterName": "MaxAccessKeyAge", "ParameterValue": "45"}],
        DeliveryS3Bucket="awsconfigconforms-bucket",
        DeliveryS3KeyPrefix="packs",
        Tags=[{"Key": "team", "Value": "sec"}],
    )

    (detail,) = config.describe_conformance_packs()["ConformancePackDetails"]
    assert detail["ConformancePackName"] == "hygiene" and detail["ConformancePackArn"] == arn
    assert detail["ConformancePackId"] == arn.rsplit("/", 1)[1]
    assert detail["ConformancePackInputParameters"] == [
        {"ParameterName": "MaxAccessKeyAge", "ParameterValue": "45"}
    ]
    assert (detail["DeliveryS3Bucket"], detail["DeliveryS3KeyPrefix"]) == (
        "awsconfigconforms-bucket",
        "packs",
    )
    assert isinstance(detail["LastUpdateRequestedTime"], datetime)
    assert config.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "sec"}]

    status = status_of(config, "hygiene")
    assert status["ConformancePackState"] == "CREATE_COMPLETE"
    assert status["ConformancePackArn"] == arn and status["ConformancePackId"] == detail["ConformancePackId"]
    assert status["StackArn"].startswith(
        f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/awsconfigconforms-hygiene-"
    )
    assert status["LastUpdateCompletedTime"] >= status["LastUpdateRequestedTime"]
    assert "ConformancePackStatusReason" not in status

    rules = pack_rules(config, "hygiene")
    # The Condition-skipped rule is not deployed.
    assert set(rules) == {"restricted-ssh", "access-keys-rotated", "iam-password-policy"}
    for rule in rules.values():
        assert rule["CreatedBy"] == "config-conforms.amazonaws.com"
        assert rule["ConfigRuleState"] == "ACTIVE"
    # The pack's parameter overrides the default; numbers and booleans arrive as strings.
    assert json.loads(rules["access-keys-rotated"]["InputParameters"]) == {"maxAccessKeyAge": "45"}
    assert rules["access-keys-rotated"]["MaximumExecutionFrequency"] == "TwentyFour_Hours"
    assert json.loads(rules["iam-password-policy"]["InputParameters"]) == {
        "RequireSymbols": "true",
        "RequireNumbers": "true",
        "MinimumPasswordLength": "14",
    }
    assert rules["restricted-ssh"]["Scope"] == {"ComplianceResourceTypes": [SG]}

    ssh = rules["restricted-ssh"]["ConfigRuleName"]
    listed = config.describe_conformance_pack_compliance(ConformancePackName="hygiene")
    assert listed["ConformancePackName"] == "hygiene"
    by_name = {r["ConfigRuleName"]: r for r in listed["ConformancePackRuleComplianceList"]}
    assert by_name[ssh] == {"ConfigRuleName": ssh, "ComplianceType": "NON_COMPLIANT", "Controls": ["CIS.4.1"]}
    non_compliant = config.describe_conformance_pack_compliance(
        ConformancePackName="hygiene", Filters={"ComplianceType": "NON_COMPLIANT"}
    )["ConformancePackRuleComplianceList"]
    assert ssh in [r["ConfigRuleName"] for r in non_compliant]
    assert all(r["ComplianceType"] == "NON_COMPLIANT" for r in non_compliant)

    details = config.get_conformance_pack_compliance_details(
        ConformancePackName="hygiene", Filters={"ConfigRuleNames": [ssh]}
    )
    assert details["ConformancePackName"] == "hygiene"
    verdicts = {
        r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]: r["ComplianceType"]
        for r in details["ConformancePackRuleEvaluationResults"]
    }
    assert verdicts == {g: "NON_COMPLIANT" if g == opened else "COMPLIANT" for g in groups}
    first = details["ConformancePackRuleEvaluationResults"][0]
    assert first["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"] == ssh
    assert {"ConfigRuleInvokedTime", "ResultRecordedTime"} <= set(first)
    only_open = config.get_conformance_pack_compliance_details(
        ConformancePackName="hygiene",
        Filters={"ResourceType": SG, "ResourceIds": [opened], "ComplianceType": "NON_COMPLIANT"},
    )["ConformancePackRuleEvaluationResults"]
    assert len(only_open) == 1

    assert summary_of(config, "hygiene") == {"hygiene": "NON_COMPLIANT"}
    # The score is the compliant share of every (rule, resource) pair judged.
    judged = config.get_conformance_pack_compliance_details(ConformancePackName="hygiene")[
        "ConformancePackRuleEvaluationResults"
    ]
    compliant = sum(r["ComplianceType"] == "COMPLIANT" for r in judged)
    (score,) = config.list_conformance_pack_compliance_scores()["ConformancePackComplianceScores"]
    assert score["ConformancePackName"] == "hygiene"
    assert score["Score"] == f"{100 * compliant / len(judged):.2f}"
    assert isinstance(score["LastUpdatedTime"], datetime)


def test_template_s3_uri(config: Any, recorded: LiveApi, aws: Callable[..., Any]) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="pack-templates")
    s3.put_object(Bucket="pack-templates", Key="packs/remediation.yaml", Body=REMEDIATION.encode())
    config.put_conformance_pack(
        ConformancePackName="from-s3", TemplateS3Uri="s3://pack-templates/packs/remediation.yaml"
    )
    assert status_of(config, "from-s3")["ConformancePackState"] == "CREATE_COMPLETE"
    assert set(pack_rules(config, "from-s3")) == {"restricted-ssh"}


def test_missing_s3_template_is_a_validation_error(
    config: Any, recorded: LiveApi, aws: Callable[..., Any], client_error: Callable[..., str]
) -> None:
    aws("s3").create_bucket(Bucket="pack-templates")
    code = client_error(
        lambda: config.put_conformance_pack(
            ConformancePackName="p", TemplateS3Uri="s3://pack-templates/nothing.yaml"
        )
    )
    assert code == "ConformancePackTemplateValidationException"
    assert config.describe_conformance_packs()["ConformancePackDetails"] == []


def test_remediation_configuration_is_the_packs(
    config: Any, recorded: LiveApi, client_error: Callable[..., str]
) -> None:
    deploy(config, "remediate", REMEDIATION)
    rule = pack_rules(config, "remediate")["restricted-ssh"]["ConfigRuleName"]
    (shown,) = config.describe_remediation_configurations(ConfigRuleNames=[rule])["RemediationConfigurations"]
    assert shown["CreatedByService"] == "config-conforms.amazonaws.com"
    assert (shown["TargetType"], shown["TargetId"], shown["TargetVersion"]) == (
        "SSM_DOCUMENT",
        "AWS-DisablePublicAccessForSecurityGroup",
        "1",
    )
    assert shown["Parameters"]["AutomationAssumeRole"] == {
        "StaticValue": {"Values": [f"arn:aws:iam::{ACCOUNT}:role/SecurityGroupRemediationRole"]}
    }
    assert shown["Parameters"]["GroupId"] == {"ResourceValue": {"Value": "RESOURCE_ID"}}
    assert (shown["ResourceType"], shown["Automatic"], shown["MaximumAutomaticAttempts"]) == (SG, False, 3)

    # Users cannot remove or change what the pack owns.
    assert client_error(lambda: config.delete_remediation_configuration(ConfigRuleName=rule)) == (
        "AccessDeniedException"
    )
    mine = {
        "ConfigRuleName": rule,
        "TargetType": "SSM_DOCUMENT",
        "TargetId": "AWS-DisablePublicAccessForSecurityGroup",
        "Parameters": {"GroupId": {"ResourceValue": {"Value": "RESOURCE_ID"}}},
        "ResourceType": SG,
    }
    assert client_error(lambda: config.put_remediation_configurations(RemediationConfigurations=[mine])) == (
        "InvalidParameterValueException"
    )
    assert client_error(lambda: config.delete_config_rule(ConfigRuleName=rule)) == "AccessDeniedException"
    changed = {
        "ConfigRuleName": rule,
        "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
    }
    assert client_error(lambda: config.put_config_rule(ConfigRule=changed)) == "AccessDeniedException"

    # Deleting the pack removes its rules, remediation configurations and results; the rest stays.
    config.put_config_rule(ConfigRule={**changed, "ConfigRuleName": "mine"})
    config.delete_conformance_pack(ConformancePackName="remediate")
    assert (
        config.describe_remediation_configurations(ConfigRuleNames=[rule])["RemediationConfigurations"] == []
    )
    assert [r["ConfigRuleName"] for r in config.describe_config_rules()["ConfigRules"]] == ["mine"]
    assert recorded.services.store.evaluations.results(SOURCE, rule_names=[rule]) == []
    assert (
        config.describe_conformance_pack_status(ConformancePackNames=["remediate"])[
            "ConformancePackStatusDetails"
        ]
        == []
    )


def test_a_rule_roost_does_not_implement_lowers_the_score(
    config: Any, recorded: LiveApi, aws: Callable[..., Any]
) -> None:
    deploy(config, "scored", SCORED)
    rules = pack_rules(config, "scored")
    process, dlq = rules["process"]["ConfigRuleName"], rules["sqs-queue-dlq-check"]["ConfigRuleName"]
    (status,) = config.describe_config_rule_evaluation_status(ConfigRuleNames=[dlq])[
        "ConfigRulesEvaluationStatus"
    ]
    assert status["LastErrorCode"] == "NotImplemented"
    assert "not implement" in status["LastErrorMessage"]
    assert scores_of(config) == [("scored", "INSUFFICIENT_DATA")]
    assert summary_of(config, "scored") == {"scored": "INSUFFICIENT_DATA"}

    external(config, process)
    assert compliance_of(config, "scored") == {
        "process": "COMPLIANT",
        "sqs-queue-dlq-check": "INSUFFICIENT_DATA",
    }
    # The other rule is compliant, yet the pack is not: roost does not know the queues' state.
    assert summary_of(config, "scored") == {"scored": "INSUFFICIENT_DATA"}
    # One compliant pair; the unimplemented rule counts one pair (no queue recorded) as not compliant.
    assert scores_of(config) == [("scored", "50.00")]

    # With three queues recorded, it counts three.
    for name in ("a", "b", "c"):
        aws("sqs").create_queue(QueueName=name)
    recorder = recorded.services.recorder
    assert recorder is not None
    recorder.record_pass(SOURCE, resource_types=["AWS::SQS::Queue"])
    assert scores_of(config) == [("scored", "25.00")]

    external(config, process, "NON_COMPLIANT")
    assert summary_of(config, "scored") == {"scored": "NON_COMPLIANT"}
    assert scores_of(config) == [("scored", "0.00")]


def test_scores_sort_and_page(config: Any, recorded: LiveApi) -> None:
    deploy(config, "full", PROCESS_ONLY)
    deploy(config, "half", SCORED)
    deploy(config, "none", PROCESS_ONLY)
    for pack in ("full", "half"):
        external(config, pack_rules(config, pack)["process"]["ConfigRuleName"])
    assert summary_of(config, "full", "none") == {"full": "COMPLIANT", "none": "INSUFFICIENT_DATA"}
    assert scores_of(config) == [("full", "100.00"), ("half", "50.00"), ("none", "INSUFFICIENT_DATA")]
    assert [n for n, _ in scores_of(config, SortOrder="DESCENDING")] == ["none", "half", "full"]
    assert [n for n, _ in scores_of(config, SortBy="SCORE")] == ["none", "half", "full"]
    assert [n for n, _ in scores_of(config, SortBy="SCORE", SortOrder="DESCENDING")] == [
        "full",
        "half",
        "none",
    ]
    assert scores_of(config, Filters={"ConformancePackNames": ["half", "gone"]}) == [("half", "50.00")]

    seen: list[str] = []
    token: str | None = None
    while True:
        page = config.list_conformance_pack_compliance_scores(
            SortBy="SCORE", Limit=2, **({"NextToken": token} if token else {})
        )
        seen += [s["ConformancePackName"] for s in page["ConformancePackComplianceScores"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == ["none", "half", "full"]

    names: list[str] = []
    token = None
    while True:
        page = config.describe_conformance_packs(Limit=1, **({"NextToken": token} if token else {}))
        assert len(page["ConformancePackDetails"]) == 1
        names += [p["ConformancePackName"] for p in page["ConformancePackDetails"]]
        token = page.get("NextToken")
        if not token:
            break
    assert names == ["full", "half", "none"]
    statuses = config.describe_conformance_pack_status(Limit=2)
    assert len(statuses["ConformancePackStatusDetails"]) == 2 and statuses["NextToken"]
    assert [
        p["ConformancePackName"]
        for p in config.describe_conformance_packs(ConformancePackNames=["none", "full"])[
            "ConformancePackDetails"
        ]
    ] == ["full", "none"]


# --- updating -------------------------------------------------------------------------------------


def test_an_update_changes_only_what_changed(config: Any, recorded: LiveApi) -> None:
    arn = deploy(
        config,
        "evolving",
        rule_template(
            ("keys", "ACCESS_KEYS_ROTATED", {"maxAccessKeyAge": "90"}),
            ("ssh", "INCOMING_SSH_DISABLED", None),
            ("process", "AWS_CONFIG_PROCESS_CHECK", None),
        ),
    )
    before = pack_rules(config, "evolving")
    external(config, before["process"]["ConfigRuleName"])
    arn_again = deploy(
        config,
        "evolving",
        rule_template(
            ("keys", "ACCESS_KEYS_ROTATED", {"maxAccessKeyAge": "30"}),
            ("process", "AWS_CONFIG_PROCESS_CHECK", None),
            ("versioning", "S3_BUCKET_VERSIONING_ENABLED", None),
        ),
    )
    assert arn_again == arn
    assert status_of(config, "evolving")["ConformancePackState"] == "UPDATE_COMPLETE"
    after = pack_rules(config, "evolving")
    assert set(after) == {"keys", "process", "versioning"}
    # Names (and ARNs) are kept; the changed rule's InputParameters are updated.
    for kept in ("keys", "process"):
        assert after[kept]["ConfigRuleName"] == before[kept]["ConfigRuleName"]
        assert after[kept]["ConfigRuleArn"] == before[kept]["ConfigRuleArn"]
    assert json.loads(after["keys"]["InputParameters"]) == {"maxAccessKeyAge": "30"}
    # The unchanged rule kept its results.
    assert compliance_of(config, "evolving")["process"] == "COMPLIANT"
    # The removed rule is gone.
    gone = before["ssh"]["ConfigRuleName"]
    assert gone not in {r["ConfigRuleName"] for r in config.describe_config_rules()["ConfigRules"]}
    assert after["versioning"]["CreatedBy"] == "config-conforms.amazonaws.com"


def test_a_failed_template_on_update_keeps_the_pack(
    config: Any, recorded: LiveApi, client_error: Callable[..., str]
) -> None:
    deploy(config, "steady", PROCESS_ONLY)
    before = pack_rules(config, "steady")
    assert client_error(
        lambda: config.put_conformance_pack(ConformancePackName="steady", TemplateBody="a: [")
    ) == ("ConformancePackTemplateValidationException")
    assert pack_rules(config, "steady") == before
    assert status_of(config, "steady")["ConformancePackState"] == "CREATE_COMPLETE"


# --- errors ---------------------------------------------------------------------------------------


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as raised:
        call()
    return str(raised.value.response["Error"]["Code"]), str(raised.value.response["Error"]["Message"])


def test_template_errors(config: Any, recorded: LiveApi) -> None:
    def put(body: str, **extra: Any) -> tuple[str, str]:
        return error_of(
            lambda: config.put_conformance_pack(ConformancePackName="bad", TemplateBody=body, **extra)
        )

    code, _ = put("Resources: [unclosed")
    assert code == "ConformancePackTemplateValidationException"

    code, message = put(
        PROCESS_ONLY.replace("ConfigRuleName: process", "ConfigRuleName: !GetAtt Something.Arn")
    )
    assert code == "ConformancePackTemplateValidationException"
    assert "Fn::GetAtt" in message and "Resources.Process.Properties.ConfigRuleName" in message, message

    needs = "Parameters:\n  Age: {Type: Number}\n" + rule_template(("keys", "ACCESS_KEYS_ROTATED", None))
    needs = json.dumps(
        {
            "Parameters": {"Age": {"Type": "Number"}},
            "Resources": json.loads(rule_template(("keys", "ACCESS_KEYS_ROTATED", {"maxAccessKeyAge": "1"})))[
                "Resources"
            ],
        }
    ).replace('"1"', '{"Ref": "Age"}')
    code, message = put(needs)
    assert code == "ConformancePackTemplateValidationException" and "Age" in message, message

    # A rule PutConfigRule would refuse: the place is named, nothing is deployed.
    scoped = PROCESS_ONLY.replace("      Source:", "      Scope: {ComplianceResourceId: sg-1}\n      Source:")
    code, message = put(scoped)
    assert code == "ConformancePackTemplateValidationException" and "Resources.Process" in message, message

    # What PutConfigRule's input would refuse (a list where a string goes, a name too long once
    # AWS's suffix is added) is a template error too, never a failure of the server.
    listed = PROCESS_ONLY.replace("      Source:", "      Scope: {TagKey: [a, b]}\n      Source:")
    code, message = put(listed)
    assert code == "ConformancePackTemplateValidationException" and "Resources.Process" in message, message
    code, message = put(PROCESS_ONLY.replace("ConfigRuleName: process", "ConfigRuleName: " + "p" * 110))
    assert code == "ConformancePackTemplateValidationException" and "Resources.Process" in message, message

    code, _ = error_of(
        lambda: config.put_conformance_pack(
            ConformancePackName="bad", TemplateBody=PROCESS_ONLY, TemplateS3Uri="s3://b/k.yaml"
        )
    )
    assert code == "ConformancePackTemplateValidationException"
    code, _ = error_of(lambda: config.put_conformance_pack(ConformancePackName="bad"))
    assert code == "ConformancePackTemplateValidationException"
    # Nothing of a refused template is stored.
    assert config.describe_conformance_packs()["ConformancePackDetails"] == []
    assert config.describe_config_rules()["ConfigRules"] == []


def test_no_recorder(config: Any, live_api: LiveApi, client_error: Callable[..., str]) -> None:
    code = client_error(
        lambda: config.put_conformance_pack(ConformancePackName="p", TemplateBody=PROCESS_ONLY)
    )
    assert code == "InsufficientPermissionsException"
    assert config.describe_conformance_packs()["ConformancePackDetails"] == []


def test_unknown_pack_rule_and_bad_paging(
    config: Any, recorded: LiveApi, client_error: Callable[..., str]
) -> None:
    deploy(config, "known", PROCESS_ONLY)
    missing = "NoSuchConformancePackException"
    assert client_error(lambda: config.describe_conformance_packs(ConformancePackNames=["nope"])) == missing
    assert client_error(lambda: config.delete_conformance_pack(ConformancePackName="nope")) == missing
    assert (
        client_error(lambda: config.describe_conformance_pack_compliance(ConformancePackName="nope"))
        == missing
    )
    assert client_error(
        lambda: config.get_conformance_pack_compliance_details(ConformancePackName="nope")
    ) == (missing)
    assert client_error(
        lambda: config.get_conformance_pack_compliance_summary(ConformancePackNames=["nope"])
    ) == (missing)
    # AWS lists no status for an unknown pack.
    assert (
        config.describe_conformance_pack_status(ConformancePackNames=["nope"])["ConformancePackStatusDetails"]
        == []
    )

    no_rule = "NoSuchConfigRuleInConformancePackException"
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "mine",
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
        }
    )
    for filters in ({"ConfigRuleNames": ["mine"]}, {"ConfigRuleNames": ["nothing"]}):
        assert (
            client_error(
                lambda f=filters: config.describe_conformance_pack_compliance(
                    ConformancePackName="known", Filters=f
                )
            )
            == no_rule
        )
        assert (
            client_error(
                lambda f=filters: config.get_conformance_pack_compliance_details(
                    ConformancePackName="known", Filters=f
                )
            )
            == no_rule
        )

    bad_token = "InvalidNextTokenException"
    assert client_error(lambda: config.describe_conformance_packs(NextToken="garbage")) == bad_token
    assert client_error(lambda: config.describe_conformance_pack_status(NextToken="garbage")) == bad_token
    assert (
        client_error(lambda: config.list_conformance_pack_compliance_scores(NextToken="garbage")) == bad_token
    )
    assert (
        client_error(
            lambda: config.describe_conformance_pack_compliance(
                ConformancePackName="known", NextToken="garbage"
            )
        )
        == bad_token
    )
    assert (
        client_error(
            lambda: config.get_conformance_pack_compliance_details(
                ConformancePackName="known", NextToken="garbage"
            )
        )
        == bad_token
    )
    # A token of one operation is not one of another.
    deploy(config, "second", PROCESS_ONLY)
    token = config.describe_conformance_packs(Limit=1)["NextToken"]
    assert client_error(lambda: config.list_conformance_pack_compliance_scores(NextToken=token)) == bad_token

    # The model caps these Limits at 20 (ValidationException), DescribeConformancePackCompliance's at
    # 1000 and GetConformancePackComplianceDetails' at 100.
    assert client_error(lambda: config.describe_conformance_packs(Limit=21)) == "ValidationException"
    assert (
        client_error(lambda: config.list_conformance_pack_compliance_scores(Limit=21))
        == "ValidationException"
    )
    assert (
        client_error(
            lambda: config.get_conformance_pack_compliance_details(ConformancePackName="known", Limit=101)
        )
        == "ValidationException"
    )


# --- the AWS CLI ----------------------------------------------------------------------------------


def test_aws_cli_deploys_and_reads_compliance(recorded: LiveApi, tmp_path: Path) -> None:
    template = tmp_path / "pack.yaml"
    template.write_text(BASIC)
    answer = aws_configservice(
        recorded.url,
        "put-conformance-pack",
        "--conformance-pack-name",
        "cli-pack",
        "--template-body",
        f"file://{template}",
        "--conformance-pack-input-parameters",
        "ParameterName=DeployVersioningCheck,ParameterValue=yes",
    )
    assert PACK_ARN.match(answer["ConformancePackArn"])
    listed = aws_configservice(
        recorded.url, "describe-conformance-pack-compliance", "--conformance-pack-name", "cli-pack"
    )
    names = {
        r["ConfigRuleName"].rpartition("-conformance-pack-")[0]
        for r in listed["ConformancePackRuleComplianceList"]
    }
    # The condition holds now: the versioning check is deployed too.
    assert names == {
        "restricted-ssh",
        "access-keys-rotated",
        "iam-password-policy",
        "s3-bucket-versioning-enabled",
    }


# --- custom Lambda rules --------------------------------------------------------------------------

JUDGE = """
import json
import boto3


def lambda_handler(event, context):
    item = json.loads(event["invokingEvent"])["configurationItem"]
    wanted = json.loads(event["ruleParameters"])["wanted"]
    ok = item["resourceName"] == wanted or item["configuration"].get("groupName") == wanted
    boto3.client("config").put_evaluations(
        Evaluations=[
            {
                "ComplianceResourceType": item["resourceType"],
                "ComplianceResourceId": item["resourceId"],
                "ComplianceType": "COMPLIANT" if ok else "NON_COMPLIANT",
                "OrderingTimestamp": item["configurationItemCaptureTime"],
            }
        ],
        ResultToken=event["resultToken"],
    )
"""

LAMBDA_PACK = """
Parameters:
  RuleFunctionArn:
    Type: String
  WantedName:
    Type: String
    Default: good
Resources:
  Named:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: named-groups
      InputParameters:
        wanted: !Ref WantedName
      Scope:
        ComplianceResourceTypes: [AWS::EC2::SecurityGroup]
      Source:
        Owner: CUSTOM_LAMBDA
        SourceIdentifier: !Ref RuleFunctionArn
        SourceDetails:
        - EventSource: aws.config
          MessageType: ConfigurationItemChangeNotification
"""


@pytest.fixture
def hosted(recorded: LiveApi, function_host: FunctionHost) -> LiveApi:
    """The live API with functions hosted and custom rules invoking them."""
    engine = recorded.services.rules
    assert engine is not None
    engine.custom_invokers[Owner.CUSTOM_LAMBDA] = LambdaRuleInvoker(engine, function_host)
    return recorded


def test_a_custom_lambda_rule_binds_to_a_hosted_function(
    config: Any, hosted: LiveApi, aws: Callable[..., Any], client_error: Callable[..., str]
) -> None:
    from tests.rules.custom.conftest import package

    ec2 = aws("ec2")
    good = ec2.create_security_group(GroupName="good", Description="good")["GroupId"]
    bad = ec2.create_security_group(GroupName="bad", Description="bad")["GroupId"]
    recorder = hosted.services.recorder
    assert recorder is not None
    recorder.record_pass(SOURCE, resource_types=[SG])

    lam = hosted.client(service="lambda")
    function = lam.create_function(
        FunctionName="judge",
        Runtime="python3.12",
        Role=f"arn:aws:iam::{ACCOUNT}:role/rule-function",
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": package({"lambda_function.py": JUDGE})},
        Timeout=20,
    )["FunctionArn"]

    missing = function.replace(":judge", ":nobody")
    assert (
        client_error(
            lambda: config.put_conformance_pack(
                ConformancePackName="custom",
                TemplateBody=LAMBDA_PACK,
                ConformancePackInputParameters=[
                    {"ParameterName": "RuleFunctionArn", "ParameterValue": missing}
                ],
            )
        )
        == "InsufficientPermissionsException"
    )
    assert config.describe_conformance_packs()["ConformancePackDetails"] == []

    deploy(
        config,
        "custom",
        LAMBDA_PACK,
        ConformancePackInputParameters=[{"ParameterName": "RuleFunctionArn", "ParameterValue": function}],
    )
    rule = pack_rules(config, "custom")["named-groups"]
    assert rule["Source"]["Owner"] == "CUSTOM_LAMBDA" and rule["Source"]["SourceIdentifier"] == function
    from tests.rules.custom.conftest import wait_for

    def verdicts_now() -> dict[str, str]:
        details = config.get_conformance_pack_compliance_details(ConformancePackName="custom")
        return {
            r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]: r["ComplianceType"]
            for r in details["ConformancePackRuleEvaluationResults"]
        }

    # The function is invoked asynchronously (as AWS invokes it) and reports through PutEvaluations.
    verdicts = wait_for(lambda: (v := verdicts_now()) and {good, bad} <= set(v) and v, what="the verdicts")
    assert verdicts[good] == "COMPLIANT" and verdicts[bad] == "NON_COMPLIANT"
    assert compliance_of(config, "custom") == {"named-groups": "NON_COMPLIANT"}

    def score_matches_verdicts() -> bool:
        # More of the account's groups may be judged meanwhile: the score follows what is judged.
        now = verdicts_now()
        compliant = sum(v == "COMPLIANT" for v in now.values())
        return scores_of(config) == [("custom", f"{100 * compliant / len(now):.2f}")]

    wait_for(score_matches_verdicts, what="the score of the judged resources")


def test_users_run_a_packs_remediation_and_read_its_status(
    config: Any, recorded: LiveApi, aws: Callable[..., Any]
) -> None:
    """The pack owns its remediation configuration, but running it is the user's (as in AWS)."""
    services = recorded.services
    assert services.connector is not None
    services.remediation = RemediationEngine(services.store, services.connector, services.clock, workers=1)
    try:
        iam = aws("iam")
        iam.create_role(RoleName="SecurityGroupRemediationRole", AssumeRolePolicyDocument="{}")
        ec2 = aws("ec2")
        group = ec2.create_security_group(GroupName="pack-open", Description="lab")["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ],
        )
        deploy(config, "remediate", REMEDIATION)
        rule = pack_rules(config, "remediate")["restricted-ssh"]["ConfigRuleName"]
        resource = {"resourceType": SG, "resourceId": group}
        assert (
            config.start_remediation_execution(ConfigRuleName=rule, ResourceKeys=[resource])["FailedItems"]
            == []
        )

        def succeeded() -> list[dict[str, Any]]:
            statuses = config.describe_remediation_execution_status(ConfigRuleName=rule)
            return [s for s in statuses["RemediationExecutionStatuses"] if s["State"] == "SUCCEEDED"]

        (status,) = eventually(succeeded)
        assert status["ResourceKey"] == resource
        permissions = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
        assert not [p for p in permissions if p.get("FromPort") == 22]
    finally:
        engine, services.remediation = services.remediation, None
        engine.close()
