"""rds-instance-iam-authentication-enabled (RDS_INSTANCE_IAM_AUTHENTICATION_ENABLED).

NON_COMPLIANT when the recorded DB instance has iAMDatabaseAuthenticationEnabled false. Only the
engines that support IAM database authentication are judged (MySQL, MariaDB, PostgreSQL and their
Aurora editions); others are NOT_APPLICABLE, as in AWS's rule.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, RuleContext, Trigger, Verdict

SUPPORTED = frozenset({"mysql", "mariadb", "postgres", "aurora", "aurora-mysql", "aurora-postgresql"})


@MANAGED_RULES.register("RDS_INSTANCE_IAM_AUTHENTICATION_ENABLED")
class RdsInstanceIamAuthenticationEnabled(ManagedRule):
    identifier = "RDS_INSTANCE_IAM_AUTHENTICATION_ENABLED"
    name = "rds-instance-iam-authentication-enabled"
    resource_types = ("AWS::RDS::DBInstance",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        engine = str(config.get("engine") or "")
        if engine not in SUPPORTED:
            return Verdict.not_applicable(f"The {engine} engine does not support IAM authentication.")
        if config.get("iAMDatabaseAuthenticationEnabled"):
            return Verdict.compliant()
        return Verdict.non_compliant("IAM database authentication is disabled for the DB instance.")
