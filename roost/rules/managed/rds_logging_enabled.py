"""rds-logging-enabled (RDS_LOGGING_ENABLED): DB instances export their engine's logs.

NON_COMPLIANT when the recorded DB instance's enabledCloudwatchLogsExports misses one of the log
types expected for its engine (AWS's list, as Security Hub's RDS.9 documents it: MySQL, MariaDB
and Aurora MySQL audit, error, general, slowquery; PostgreSQL and Aurora PostgreSQL postgresql,
upgrade; Oracle alert, audit, trace, listener; SQL Server error, agent), plus those named for it
by `additionalLogs` ("oracle: general, slowquery ; aurora: alert, slowquery"; log names compared
without case). Engines with no expected logs are COMPLIANT. Instances not in the available,
backing-up, storage-optimization or storage-full status are NOT_APPLICABLE, as AWS documents.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import (
    MANAGED_RULES,
    InvalidParameterError,
    ManagedRule,
    Parameter,
    RuleContext,
    Trigger,
    Verdict,
)

MYSQL = ("audit", "error", "general", "slowquery")
POSTGRES = ("postgresql", "upgrade")
ORACLE = ("alert", "audit", "trace", "listener")
SQLSERVER = ("error", "agent")
#: engine name prefix -> log types expected by default (longest prefix wins)
EXPECTED = {
    "mysql": MYSQL,
    "mariadb": MYSQL,
    "aurora": MYSQL,
    "aurora-mysql": MYSQL,
    "aurora-postgresql": POSTGRES,
    "postgres": POSTGRES,
    "oracle": ORACLE,
    "sqlserver": SQLSERVER,
}
JUDGED_STATUSES = frozenset({"available", "backing-up", "storage-optimization", "storage-full"})


def parse_additional_logs(raw: str | None) -> dict[str, set[str]]:
    """'oracle: general, slowquery ; aurora: alert' -> {engine: {log types}}."""
    found: dict[str, set[str]] = {}
    for part in (raw or "").split(";"):
        if not part.strip():
            continue
        engine, colon, logs = part.partition(":")
        if not colon or not engine.strip():
            raise InvalidParameterError(f"additionalLogs must read 'engine: log, log ; ...', got {part!r}")
        names = {log.strip().lower() for log in logs.split(",") if log.strip()}
        found.setdefault(engine.strip().lower(), set()).update(names)
    return found


def expected_logs(engine: str, additional: dict[str, set[str]]) -> set[str]:
    prefixes = [p for p in EXPECTED if engine == p or engine.startswith(p + "-")]
    wanted = set(EXPECTED[max(prefixes, key=len)]) if prefixes else set()
    return wanted | additional.get(engine, set())


@MANAGED_RULES.register("RDS_LOGGING_ENABLED")
class RdsLoggingEnabled(ManagedRule):
    identifier = "RDS_LOGGING_ENABLED"
    name = "rds-logging-enabled"
    resource_types = ("AWS::RDS::DBInstance",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})
    parameters = (Parameter("additionalLogs", "StringMap"),)

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        status = str(config.get("dBInstanceStatus") or "available")
        if status not in JUDGED_STATUSES:
            return Verdict.not_applicable(f"The DB instance is {status}.")
        engine = str(config.get("engine") or "").lower()
        wanted = expected_logs(engine, parse_additional_logs(ctx.params.get("additionalLogs")))
        enabled = {str(log).lower() for log in config.get("enabledCloudwatchLogsExports") or []}
        missing = sorted(wanted - enabled)
        if missing:
            return Verdict.non_compliant(f"The DB instance does not export these logs: {', '.join(missing)}.")
        return Verdict.compliant()
