"""PutEvaluations and PutExternalEvaluation through boto3 against a live roost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from roost.compliance import ComplianceType
from roost.model import AccountRegion
from roost.rules import tokens
from tests.api.conftest import OTHER_KEYS, LiveApi
from tests.api.test_rule_operations import put_recorder
from tests.conftest import SOURCE

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-check"
INVOKED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
T0 = datetime(2026, 1, 2, 0, 0, tzinfo=UTC)


def custom(name: str) -> dict[str, Any]:
    return {
        "ConfigRuleName": name,
        "Source": {
            "Owner": "CUSTOM_LAMBDA",
            "SourceIdentifier": LAMBDA_ARN,
            "SourceDetails": [{"EventSource": "aws.config", "MessageType": "ScheduledNotification"}],
        },
    }


def evaluation(resource_id: str, compliance: str, when: datetime = T0, **extra: Any) -> dict[str, Any]:
    return {
        "ComplianceResourceType": "AWS::S3::Bucket",
        "ComplianceResourceId": resource_id,
        "ComplianceType": compliance,
        "OrderingTimestamp": when,
        **extra,
    }


@pytest.fixture
def rule_token(config: Any, live_api: LiveApi) -> str:
    put_recorder(live_api.services.store)
    config.put_config_rule(ConfigRule=custom("my-rule"))
    rule = live_api.services.store.rules.get(SOURCE, "my-rule")
    assert rule is not None
    return tokens.issue(live_api.services.store, rule, INVOKED)


def results(live_api: LiveApi, source: AccountRegion = SOURCE) -> dict[str, Any]:
    return {
        r.resource_id: r for r in live_api.services.store.evaluations.results(source, rule_names=["my-rule"])
    }


def test_put_evaluations_stores_results(config: Any, live_api: LiveApi, rule_token: str) -> None:
    answer = config.put_evaluations(
        ResultToken=rule_token,
        Evaluations=[
            evaluation("bucket-a", "NON_COMPLIANT", Annotation="public"),
            evaluation("anything at all / any id", "COMPLIANT"),
            evaluation("bucket-c", "INSUFFICIENT_DATA"),
        ],
    )
    (failed,) = answer["FailedEvaluations"]
    assert failed["ComplianceResourceId"] == "bucket-c" and failed["ComplianceType"] == "INSUFFICIENT_DATA"
    stored = results(live_api)
    assert set(stored) == {"bucket-a", "anything at all / any id"}
    assert stored["bucket-a"].compliance_type is ComplianceType.NON_COMPLIANT
    assert stored["bucket-a"].annotation == "public"
    assert stored["bucket-a"].config_rule_invoked_time == INVOKED
    assert stored["bucket-a"].ordering_timestamp == T0
    assert stored["bucket-a"].result_recorded_time > INVOKED
    status = config.describe_config_rule_evaluation_status(ConfigRuleNames=["my-rule"])
    assert "LastSuccessfulEvaluationTime" in status["ConfigRulesEvaluationStatus"][0]


def test_the_newest_ordering_timestamp_wins(config: Any, live_api: LiveApi, rule_token: str) -> None:
    later = T0 + timedelta(hours=1)
    config.put_evaluations(ResultToken=rule_token, Evaluations=[evaluation("b", "NON_COMPLIANT", later)])
    config.put_evaluations(ResultToken=rule_token, Evaluations=[evaluation("b", "COMPLIANT", T0)])
    assert results(live_api)["b"].compliance_type is ComplianceType.NON_COMPLIANT
    config.put_evaluations(
        ResultToken=rule_token, Evaluations=[evaluation("b", "NOT_APPLICABLE", later + timedelta(seconds=1))]
    )
    assert results(live_api)["b"].compliance_type is ComplianceType.NOT_APPLICABLE


def test_tokens_are_checked(
    config: Any, live_api: LiveApi, rule_token: str, client_error: Callable[..., str]
) -> None:
    def put(token: str) -> str:
        return client_error(
            lambda: config.put_evaluations(ResultToken=token, Evaluations=[evaluation("b", "COMPLIANT")])
        )

    payload, _, signature = rule_token.partition(".")
    assert put("not a token") == "InvalidResultTokenException"
    assert put(payload + "x." + signature) == "InvalidResultTokenException"
    assert put(payload + "." + signature[:-2] + "AA") == "InvalidResultTokenException"
    assert put("") == "InvalidResultTokenException"
    assert put("x.é") == "InvalidResultTokenException"  # non-ASCII: refused, never a 500
    assert put(payload + ".é" + signature) == "InvalidResultTokenException"
    # Another account's caller cannot use it, nor can another region.
    put_recorder(live_api.services.store, AccountRegion(OTHER_KEYS.account_id, "us-east-1"))
    other = live_api.client(keys=OTHER_KEYS)
    assert (
        client_error(
            lambda: other.put_evaluations(ResultToken=rule_token, Evaluations=[evaluation("b", "COMPLIANT")])
        )
        == "InvalidResultTokenException"
    )
    # A token of a deleted and recreated rule of the same name is another rule's token.
    config.delete_config_rule(ConfigRuleName="my-rule")
    assert put(rule_token) == "NoSuchConfigRuleException"
    config.put_config_rule(ConfigRule=custom("my-rule"))
    assert put(rule_token) == "InvalidResultTokenException"
    assert results(live_api) == {}


def test_another_rules_token_reports_for_that_rule_only(
    config: Any, live_api: LiveApi, rule_token: str
) -> None:
    config.put_config_rule(ConfigRule=custom("second"))
    second = live_api.services.store.rules.get(SOURCE, "second")
    assert second is not None
    token = tokens.issue(live_api.services.store, second, INVOKED)
    config.put_evaluations(ResultToken=token, Evaluations=[evaluation("b", "COMPLIANT")])
    assert results(live_api) == {}
    stored = live_api.services.store.evaluations.results(SOURCE, rule_names=["second"])
    assert [r.resource_id for r in stored] == ["b"]


def test_test_mode_stores_nothing(config: Any, live_api: LiveApi, rule_token: str, client_error: Any) -> None:
    answer = config.put_evaluations(
        ResultToken="any token at all",
        TestMode=True,
        Evaluations=[evaluation("b", "COMPLIANT"), evaluation("c", "INSUFFICIENT_DATA")],
    )
    assert [e["ComplianceResourceId"] for e in answer["FailedEvaluations"]] == ["c"]
    config.put_evaluations(ResultToken=rule_token, TestMode=True, Evaluations=[evaluation("b", "COMPLIANT")])
    assert results(live_api) == {}
    assert (
        client_error(lambda: config.put_evaluations(ResultToken=rule_token))
        == "InvalidParameterValueException"
    )
    assert config.put_evaluations(ResultToken=rule_token, Evaluations=[])["FailedEvaluations"] == []


def test_put_external_evaluation(config: Any, live_api: LiveApi, client_error: Callable[..., str]) -> None:
    put_recorder(live_api.services.store)
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "process",
            "Source": {"Owner": "AWS", "SourceIdentifier": "AWS_CONFIG_PROCESS_CHECK"},
        }
    )
    account = {
        "ComplianceResourceType": "AWS::::Account",
        "ComplianceResourceId": "123456789012",
        "OrderingTimestamp": T0,
    }
    config.put_external_evaluation(
        ConfigRuleName="process",
        ExternalEvaluation={**account, "ComplianceType": "COMPLIANT", "Annotation": "ok"},
    )
    (stored,) = live_api.services.store.evaluations.results(SOURCE, rule_names=["process"])
    assert stored.compliance_type is ComplianceType.COMPLIANT and stored.resource_type == "AWS::::Account"

    def external(name: str, **change: Any) -> str:
        return client_error(
            lambda: config.put_external_evaluation(
                ConfigRuleName=name, ExternalEvaluation={**account, "ComplianceType": "COMPLIANT", **change}
            )
        )

    assert external("nope") == "NoSuchConfigRuleException"
    assert external("process", ComplianceResourceType="AWS::S3::Bucket") == "InvalidParameterValueException"
    assert external("process", ComplianceResourceId="999999999999") == "InvalidParameterValueException"
    assert external("process", ComplianceType="INSUFFICIENT_DATA") == "InvalidParameterValueException"
    config.put_config_rule(ConfigRule=custom("my-rule"))
    assert external("my-rule") == "InvalidParameterValueException"
