"""Shared by the managed-rule tests: record some types, put one managed rule, evaluate it."""

from __future__ import annotations

import dataclasses
import zlib
from typing import Any

import boto3

from roost.api.app import ConfigApi
from roost.api.auth import KeyPair, KeyRing
from roost.api.context import ApiServices
from roost.api.server import HttpServer, build_app
from roost.clock import SystemClock
from roost.compliance import ComplianceType, EvaluationResult
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from roost.store import Store
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule


def evaluate(
    recorder: Recorder,
    engine: RuleEngine,
    identifier: str,
    name: str,
    resource_types: list[str],
    parameters: dict[str, str] | None = None,
) -> dict[str, ComplianceType]:
    """Record `resource_types`, evaluate the rule over them; each resource id's compliance."""
    recorder.record_pass(SOURCE, resource_types=resource_types)
    rule = managed_rule(identifier, name=name, parameters=parameters)
    # Two rules of one identifier in a test need distinct ids (managed_rule derives it from the identifier).
    rule = dataclasses.replace(rule, rule_id=f"config-rule-{zlib.crc32(name.encode()):08x}")
    recorder.store.rules.put(rule, now=recorder.clock.now())
    engine.evaluate_rule(rule)
    return compliance_via_api(recorder.store, rule.name)


def results_via_api(store: Store, rule_name: str) -> list[EvaluationResult]:
    """A rule's results as a user reads them: GetComplianceDetailsByConfigRule through boto3, every page."""
    keys = KeyRing([KeyPair("test", "test", SOURCE.account_id)])
    api = ConfigApi(ApiServices(store=store, clock=SystemClock()), keys)
    server = HttpServer(build_app(api), port=0)
    server.start()
    try:
        config = boto3.client(
            "config",
            endpoint_url=server.url,
            region_name=SOURCE.region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        paginator = config.get_paginator("get_compliance_details_by_config_rule")
        return [
            EvaluationResult(
                rule_name=result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"],
                resource_type=result["EvaluationResultIdentifier"]["EvaluationResultQualifier"][
                    "ResourceType"
                ],
                resource_id=result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"],
                compliance_type=ComplianceType(result["ComplianceType"]),
                ordering_timestamp=result["EvaluationResultIdentifier"]["OrderingTimestamp"],
                result_recorded_time=result["ResultRecordedTime"],
                config_rule_invoked_time=result["ConfigRuleInvokedTime"],
                annotation=result.get("Annotation"),
            )
            for page in paginator.paginate(ConfigRuleName=rule_name)
            for result in page["EvaluationResults"]
        ]
    finally:
        server.stop()


def compliance_via_api(store: Store, rule_name: str) -> dict[str, ComplianceType]:
    """Each resource's compliance for a rule, read through the API."""
    return {r.resource_id: r.compliance_type for r in results_via_api(store, rule_name)}


def annotations(recorder: Recorder, name: str) -> dict[str, str | None]:
    return {r.resource_id: r.annotation for r in results_via_api(recorder.store, name)}


def evaluate_results(
    recorder: Recorder, engine: RuleEngine, identifier: str, name: str, **parameters: str
) -> dict[str, EvaluationResult]:
    """Put the rule, evaluate it, and read each resource's result back through the API."""
    rule = managed_rule(identifier, name=name, parameters=parameters)
    recorder.store.rules.put(rule, now=recorder.clock.now())
    engine.evaluate_rule(rule)
    return {r.resource_id: r for r in results_via_api(recorder.store, rule.name)}


def create_db(rds: Any, name: str, engine: str = "postgres", **params: Any) -> str:
    """A DB instance; its recorded resource id (the DbiResourceId)."""
    created = rds.create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine=engine,
        MasterUsername="admin_user",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
        **params,
    )
    return str(created["DBInstance"]["DbiResourceId"])
