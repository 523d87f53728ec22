"""Config rule operations through boto3 against a live roost."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from roost.model import AccountRegion, ConfigurationRecorder, RecordingGroup
from roost.rules.catalog import catalog
from roost.rules.managed_rule import load_managed_rules
from roost.store import Store
from tests.api.conftest import OTHER_KEYS, LiveApi
from tests.conftest import SOURCE

SG = "AWS::EC2::SecurityGroup"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-check"


def put_recorder(store: Store, source: AccountRegion = SOURCE) -> None:
    store.recorders.put(
        ConfigurationRecorder(
            source.account_id,
            source.region,
            role_arn=f"arn:aws:iam::{source.account_id}:role/config",
            recording_group=RecordingGroup(all_supported=True, include_global_resource_types=True),
        )
    )


@pytest.fixture
def recorded(live_api: LiveApi) -> LiveApi:
    put_recorder(live_api.services.store)
    return live_api


def managed(name: str, identifier: str, **extra: Any) -> dict[str, Any]:
    return {"ConfigRuleName": name, "Source": {"Owner": "AWS", "SourceIdentifier": identifier}, **extra}


def status_of(config: Any, name: str) -> dict[str, Any]:
    (status,) = config.describe_config_rule_evaluation_status(ConfigRuleNames=[name])[
        "ConfigRulesEvaluationStatus"
    ]
    return dict(status)


def test_put_and_describe_a_managed_rule(config: Any, recorded: LiveApi) -> None:
    config.put_config_rule(
        ConfigRule=managed(
            "restricted-ssh",
            "INCOMING_SSH_DISABLED",
            Description="no ssh from the world",
            Scope={"ComplianceResourceTypes": [SG]},
            MaximumExecutionFrequency="Six_Hours",
        ),
        Tags=[{"Key": "team", "Value": "sec"}],
    )
    (rule,) = config.describe_config_rules()["ConfigRules"]
    assert rule["ConfigRuleName"] == "restricted-ssh"
    assert re.fullmatch(r"config-rule-[a-z0-9]{6}", rule["ConfigRuleId"])
    assert (
        rule["ConfigRuleArn"] == f"arn:aws:config:us-east-1:123456789012:config-rule/{rule['ConfigRuleId']}"
    )
    assert rule["Source"] == {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}
    assert rule["Scope"] == {"ComplianceResourceTypes": [SG]}
    assert rule["Description"] == "no ssh from the world"
    assert rule["MaximumExecutionFrequency"] == "Six_Hours"
    assert rule["ConfigRuleState"] == "ACTIVE"
    assert rule["EvaluationModes"] == [{"Mode": "DETECTIVE"}]
    tags = config.list_tags_for_resource(ResourceArn=rule["ConfigRuleArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "sec"}]

    # An update by id keeps id and ARN; tags of an update are ignored.
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleId": rule["ConfigRuleId"],
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
            "Description": "changed",
        },
        Tags=[{"Key": "other", "Value": "x"}],
    )
    (updated,) = config.describe_config_rules(ConfigRuleNames=["restricted-ssh"])["ConfigRules"]
    assert (
        updated["ConfigRuleId"] == rule["ConfigRuleId"] and updated["ConfigRuleArn"] == rule["ConfigRuleArn"]
    )
    assert updated["Description"] == "changed" and "Scope" not in updated
    assert config.list_tags_for_resource(ResourceArn=rule["ConfigRuleArn"])["Tags"] == tags
    status = status_of(config, "restricted-ssh")
    assert status["ConfigRuleArn"] == rule["ConfigRuleArn"] and "FirstActivatedTime" in status


def test_restricted_ssh_flags_an_open_security_group(
    config: Any, recorded: LiveApi, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    open_group = ec2.create_security_group(GroupName="open", Description="open", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=open_group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    closed_group = ec2.create_security_group(GroupName="closed", Description="closed", VpcId=vpc)["GroupId"]
    recorder = recorded.services.recorder
    assert recorder is not None
    recorder.record_pass(SOURCE, resource_types=[SG])
    config.put_config_rule(ConfigRule=managed("restricted-ssh", "INCOMING_SSH_DISABLED"))
    results = recorded.services.store.evaluations.results(SOURCE, rule_names=["restricted-ssh"])
    verdicts = {r.resource_id: r.compliance_type.value for r in results}
    assert verdicts[open_group] == "NON_COMPLIANT"
    assert verdicts[closed_group] == "COMPLIANT"
    status = status_of(config, "restricted-ssh")
    assert status["FirstEvaluationStarted"] is True and "LastSuccessfulEvaluationTime" in status
    assert "LastErrorCode" not in status

    # StartConfigRulesEvaluation re-evaluates; DeleteEvaluationResults wipes the results.
    config.delete_evaluation_results(ConfigRuleName="restricted-ssh")
    assert recorded.services.store.evaluations.results(SOURCE, rule_names=["restricted-ssh"]) == []
    config.start_config_rules_evaluation(ConfigRuleNames=["restricted-ssh"])
    assert len(recorded.services.store.evaluations.results(SOURCE, rule_names=["restricted-ssh"])) == len(
        results
    )


def test_a_catalogued_identifier_roost_lacks_is_accepted_with_an_error(
    config: Any, recorded: LiveApi
) -> None:
    implemented = set(load_managed_rules())
    identifier = next(i for i in sorted(catalog()) if i not in implemented and not catalog()[i].parameters)
    config.put_config_rule(ConfigRule=managed("not-yet", identifier))
    status = status_of(config, "not-yet")
    assert status["LastErrorCode"] == "NotImplemented"
    assert "not implement" in status["LastErrorMessage"]


def test_put_config_rule_errors_are_awss(
    config: Any, live_api: LiveApi, client_error: Callable[..., str]
) -> None:
    def put(rule: dict[str, Any]) -> str:
        return client_error(lambda: config.put_config_rule(ConfigRule=rule))

    assert put(managed("r", "INCOMING_SSH_DISABLED")) == "NoAvailableConfigurationRecorderException"
    put_recorder(live_api.services.store)
    assert put(managed("r", "NO_SUCH_IDENTIFIER_AT_ALL")) == "InvalidParameterValueException"
    assert (
        put(
            {
                "ConfigRuleName": "r",
                "Source": {
                    "Owner": "AWS",
                    "SourceIdentifier": "INCOMING_SSH_DISABLED",
                    "SourceDetails": [{"EventSource": "aws.config", "MessageType": "ScheduledNotification"}],
                },
            }
        )
        == "InvalidParameterValueException"
    )
    assert put(
        {"ConfigRuleName": "r", "Source": {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": LAMBDA_ARN}}
    ) == ("InvalidParameterValueException")
    details = [{"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}]
    assert (
        put(
            {
                "ConfigRuleName": "r",
                "Source": {
                    "Owner": "CUSTOM_LAMBDA",
                    "SourceIdentifier": "my-function",
                    "SourceDetails": details,
                },
            }
        )
        == "InvalidParameterValueException"
    )
    assert (
        put({"ConfigRuleName": "r", "Source": {"Owner": "CUSTOM_POLICY"}}) == "InvalidParameterValueException"
    )
    assert (
        put(managed("r", "INCOMING_SSH_DISABLED", Scope={"ComplianceResourceId": "sg-1"}))
        == "InvalidParameterValueException"
    )
    assert (
        put(
            managed(
                "r",
                "INCOMING_SSH_DISABLED",
                Scope={"ComplianceResourceTypes": [SG, "AWS::EC2::VPC"], "ComplianceResourceId": "sg-1"},
            )
        )
        == "InvalidParameterValueException"
    )
    change_only = next(
        i
        for i, entry in sorted(catalog().items())
        if entry.trigger == "Configuration changes" and not entry.parameters
    )
    assert (
        put(managed("r", change_only, MaximumExecutionFrequency="One_Hour"))
        == "InvalidParameterValueException"
    )
    assert (
        put(managed("r", "INCOMING_SSH_DISABLED", InputParameters="{not json"))
        == "InvalidParameterValueException"
    )
    assert (
        put(managed("r", "INCOMING_SSH_DISABLED", InputParameters='{"nope": "1"}'))
        == "InvalidParameterValueException"
    )
    assert put(
        {
            "ConfigRuleId": "config-rule-abcdef",
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
        }
    ) == ("InvalidParameterValueException")
    assert (
        client_error(lambda: config.describe_config_rules(ConfigRuleNames=["r"]))
        == "NoSuchConfigRuleException"
    )


def test_custom_rules_and_their_policy(
    config: Any, recorded: LiveApi, client_error: Callable[..., str]
) -> None:
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "lambda-rule",
            "Source": {
                "Owner": "CUSTOM_LAMBDA",
                "SourceIdentifier": LAMBDA_ARN,
                "SourceDetails": [
                    {
                        "EventSource": "aws.config",
                        "MessageType": "ScheduledNotification",
                        "MaximumExecutionFrequency": "One_Hour",
                    }
                ],
            },
            "InputParameters": '{"x": "1"}',
        }
    )
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "guard-rule",
            "Scope": {"ComplianceResourceTypes": [SG]},
            "Source": {
                "Owner": "CUSTOM_POLICY",
                "SourceDetails": [
                    {"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}
                ],
                "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x", "PolicyText": "rule x { a == 1 }"},
            },
        }
    )
    rules = {r["ConfigRuleName"]: r for r in config.describe_config_rules()["ConfigRules"]}
    assert rules["lambda-rule"]["Source"]["SourceIdentifier"] == LAMBDA_ARN
    assert rules["lambda-rule"]["Source"]["SourceDetails"][0]["MaximumExecutionFrequency"] == "One_Hour"
    assert rules["lambda-rule"]["InputParameters"] == '{"x": "1"}'
    policy = rules["guard-rule"]["Source"]["CustomPolicyDetails"]
    assert policy["PolicyRuntime"] == "guard-2.x.x" and "PolicyText" not in policy
    assert config.get_custom_rule_policy(ConfigRuleName="guard-rule")["PolicyText"] == "rule x { a == 1 }"
    assert "PolicyText" not in config.get_custom_rule_policy(ConfigRuleName="lambda-rule")
    assert (
        client_error(lambda: config.get_custom_rule_policy(ConfigRuleName="nope"))
        == "NoSuchConfigRuleException"
    )


def test_describe_pages_and_filters(config: Any, recorded: LiveApi, client_error: Callable[..., str]) -> None:
    for index in range(30):
        config.put_config_rule(ConfigRule=managed(f"rule-{index:02d}", "INCOMING_SSH_DISABLED"))
    first = config.describe_config_rules()
    assert len(first["ConfigRules"]) == 25 and first["NextToken"]
    second = config.describe_config_rules(NextToken=first["NextToken"])
    assert [r["ConfigRuleName"] for r in second["ConfigRules"]] == [f"rule-{i}" for i in range(25, 30)]
    assert "NextToken" not in second
    assert config.describe_config_rules(Filters={"EvaluationMode": "PROACTIVE"})["ConfigRules"] == []
    assert (
        client_error(lambda: config.describe_config_rules(NextToken="garbage")) == "InvalidNextTokenException"
    )
    page = config.describe_config_rule_evaluation_status(Limit=20)
    assert len(page["ConfigRulesEvaluationStatus"]) == 20
    rest = config.describe_config_rule_evaluation_status(Limit=20, NextToken=page["NextToken"])
    assert len(rest["ConfigRulesEvaluationStatus"]) == 10 and "NextToken" not in rest
    assert (
        client_error(lambda: config.describe_config_rule_evaluation_status(ConfigRuleNames=["nope"]))
        == "NoSuchConfigRuleException"
    )


def test_delete_and_start_evaluation(
    config: Any, recorded: LiveApi, client_error: Callable[..., str]
) -> None:
    config.put_config_rule(ConfigRule=managed("restricted-ssh", "INCOMING_SSH_DISABLED"))
    assert (
        client_error(lambda: config.start_config_rules_evaluation(ConfigRuleNames=["restricted-ssh", "nope"]))
        == "NoSuchConfigRuleException"
    )
    assert (
        client_error(lambda: config.delete_evaluation_results(ConfigRuleName="nope"))
        == "NoSuchConfigRuleException"
    )
    arn = config.describe_config_rules()["ConfigRules"][0]["ConfigRuleArn"]
    config.delete_config_rule(ConfigRuleName="restricted-ssh")
    assert config.describe_config_rules()["ConfigRules"] == []
    assert client_error(lambda: config.list_tags_for_resource(ResourceArn=arn)) == "ResourceNotFoundException"
    assert client_error(lambda: config.delete_config_rule(ConfigRuleName="restricted-ssh")) == (
        "NoSuchConfigRuleException"
    )


def test_a_rule_with_a_remediation_configuration_cannot_be_deleted(
    config: Any, recorded: LiveApi, client_error: Callable[..., str]
) -> None:
    config.put_config_rule(ConfigRule=managed("restricted-ssh", "INCOMING_SSH_DISABLED"))
    config.put_remediation_configurations(
        RemediationConfigurations=[
            {
                "ConfigRuleName": "restricted-ssh",
                "TargetType": "SSM_DOCUMENT",
                "TargetId": "AWS-DisablePublicAccessForSecurityGroup",
                "Parameters": {"GroupId": {"ResourceValue": {"Value": "RESOURCE_ID"}}},
            }
        ]
    )
    assert client_error(lambda: config.delete_config_rule(ConfigRuleName="restricted-ssh")) == (
        "ResourceInUseException"
    )
    config.delete_remediation_configuration(ConfigRuleName="restricted-ssh")
    config.delete_config_rule(ConfigRuleName="restricted-ssh")


def test_max_rules(
    config: Any, recorded: LiveApi, client_error: Callable[..., str], monkeypatch: Any
) -> None:
    from roost.rules import configuration

    monkeypatch.setattr(configuration, "MAX_RULES", 2)
    config.put_config_rule(ConfigRule=managed("a", "INCOMING_SSH_DISABLED"))
    config.put_config_rule(ConfigRule=managed("b", "INCOMING_SSH_DISABLED"))
    config.put_config_rule(ConfigRule=managed("b", "INCOMING_SSH_DISABLED", Description="update is fine"))
    assert client_error(lambda: config.put_config_rule(ConfigRule=managed("c", "INCOMING_SSH_DISABLED"))) == (
        "MaxNumberOfConfigRulesExceededException"
    )


def test_accounts_and_regions_do_not_see_each_others_rules(config: Any, recorded: LiveApi) -> None:
    config.put_config_rule(ConfigRule=managed("mine", "INCOMING_SSH_DISABLED"))
    other_source = AccountRegion(OTHER_KEYS.account_id, "us-east-1")
    put_recorder(recorded.services.store, other_source)
    other = recorded.client(keys=OTHER_KEYS)
    assert other.describe_config_rules()["ConfigRules"] == []
    other.put_config_rule(ConfigRule=managed("mine", "INCOMING_SSH_DISABLED"))
    assert recorded.client(region="eu-west-1").describe_config_rules()["ConfigRules"] == []
    mine = config.describe_config_rules()["ConfigRules"][0]
    theirs = other.describe_config_rules()["ConfigRules"][0]
    assert mine["ConfigRuleArn"] != theirs["ConfigRuleArn"]
    assert OTHER_KEYS.account_id in theirs["ConfigRuleArn"]
    other.delete_config_rule(ConfigRuleName="mine")
    assert [r["ConfigRuleName"] for r in config.describe_config_rules()["ConfigRules"]] == ["mine"]


def test_a_rule_is_evaluating_until_its_run_is_over(config: Any, recorded: LiveApi) -> None:
    from roost.compliance import ConfigRule

    config.put_config_rule(ConfigRule=managed("restricted-ssh", "INCOMING_SSH_DISABLED"))
    queued: list[ConfigRule] = []
    recorded.services.evaluate_rule = queued.append  # a rule runner that has not got to it yet

    config.start_config_rules_evaluation(ConfigRuleNames=["restricted-ssh"])

    def state() -> str:
        (rule,) = config.describe_config_rules(ConfigRuleNames=["restricted-ssh"])["ConfigRules"]
        return str(rule["ConfigRuleState"])

    assert state() == "EVALUATING"
    assert recorded.services.rules is not None
    recorded.services.rules.evaluate_rule(queued[-1])
    assert state() == "ACTIVE"
