"""Config rules, their evaluation status, and roost's own secrets."""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from roost.clock import from_millis, to_millis
from roost.compliance import (
    ConfigRule,
    ExecutionFrequency,
    MessageType,
    Owner,
    RuleEvaluationStatus,
    RuleScope,
    RuleSource,
    RuleState,
    SourceDetail,
)
from roost.model import AccountRegion
from roost.store import schema
from roost.store.codec import dumps, loads
from roost.store.engine import WRITE_OPTION
from roost.store.upsert import insert_if_absent, upsert

rules_t = schema.config_rules
status_t = schema.rule_evaluation_status
results_t = schema.evaluation_results
secrets_t = schema.roost_secrets


def rule_to_json(rule: ConfigRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "rule_id": rule.rule_id,
        "description": rule.description,
        "input_parameters": rule.input_parameters,
        "maximum_execution_frequency": rule.maximum_execution_frequency,
        "state": rule.state.value,
        "created_by": rule.created_by,
        "evaluation_modes": list(rule.evaluation_modes),
        "scope": asdict(rule.scope),
        "source": {
            "owner": rule.source.owner.value,
            "source_identifier": rule.source.source_identifier,
            "policy_runtime": rule.source.policy_runtime,
            "policy_text": rule.source.policy_text,
            "enable_debug_log_delivery": rule.source.enable_debug_log_delivery,
            "source_details": [
                {
                    "event_source": d.event_source,
                    "message_type": d.message_type.value,
                    "maximum_execution_frequency": d.maximum_execution_frequency,
                }
                for d in rule.source.source_details
            ],
        },
    }


def rule_from_json(account_id: str, region: str, raw: dict[str, Any]) -> ConfigRule:
    source = raw["source"]
    frequency = raw.get("maximum_execution_frequency")
    return ConfigRule(
        account_id=account_id,
        region=region,
        name=raw["name"],
        rule_id=raw["rule_id"],
        description=raw.get("description"),
        input_parameters=raw.get("input_parameters") or "{}",
        maximum_execution_frequency=ExecutionFrequency(frequency) if frequency else None,
        state=RuleState(raw.get("state", "ACTIVE")),
        created_by=raw.get("created_by"),
        evaluation_modes=tuple(raw.get("evaluation_modes") or ("DETECTIVE",)),
        scope=RuleScope(
            resource_types=tuple(raw["scope"].get("resource_types") or ()),
            tag_key=raw["scope"].get("tag_key"),
            tag_value=raw["scope"].get("tag_value"),
            resource_id=raw["scope"].get("resource_id"),
        ),
        source=RuleSource(
            owner=Owner(source["owner"]),
            source_identifier=source.get("source_identifier"),
            policy_runtime=source.get("policy_runtime"),
            policy_text=source.get("policy_text"),
            enable_debug_log_delivery=bool(source.get("enable_debug_log_delivery")),
            source_details=tuple(
                SourceDetail(
                    event_source=d.get("event_source") or "aws.config",
                    message_type=MessageType(d["message_type"]),
                    maximum_execution_frequency=(
                        ExecutionFrequency(d["maximum_execution_frequency"])
                        if d.get("maximum_execution_frequency")
                        else None
                    ),
                )
                for d in source.get("source_details") or ()
            ),
        ),
    )


def _status_to_json(status: RuleEvaluationStatus) -> str:
    raw = asdict(status)
    return dumps({k: to_millis(v) if isinstance(v, datetime) else v for k, v in raw.items()})


def _status_from_json(text: str) -> RuleEvaluationStatus:
    raw: dict[str, Any] = loads(text)
    values: dict[str, Any] = {
        k: from_millis(v) if k.endswith("_time") and v is not None else v for k, v in raw.items()
    }
    return RuleEvaluationStatus(**values)


class RuleStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _write(self) -> sa.Connection:
        return self._engine.connect().execution_options(**{WRITE_OPTION: True})

    def put(self, rule: ConfigRule, *, now: datetime) -> None:
        """Create or update a rule (keyed by account, region and name)."""
        with self._write() as conn, conn.begin():
            upsert(
                conn,
                rules_t,
                {
                    "account_id": rule.account_id,
                    "region": rule.region,
                    "name": rule.name,
                    "rule_id": rule.rule_id,
                    "document": dumps(rule_to_json(rule)),
                    "state": rule.state.value,
                    "created_time": to_millis(now),
                },
                keys=("account_id", "region", "name"),
            )
            if (
                conn.execute(
                    sa.select(status_t.c.rule_name).where(
                        *self._status_filter(AccountRegion(rule.account_id, rule.region), rule.name)
                    )
                ).first()
                is None
            ):
                conn.execute(
                    status_t.insert().values(
                        account_id=rule.account_id,
                        region=rule.region,
                        rule_name=rule.name,
                        document=_status_to_json(RuleEvaluationStatus(rule.name, first_activated_time=now)),
                    )
                )

    def list(self, source: AccountRegion | None = None) -> builtins.list[ConfigRule]:
        query = rules_t.select().order_by(rules_t.c.account_id, rules_t.c.region, rules_t.c.name)
        if source is not None:
            query = query.where(rules_t.c.account_id == source.account_id, rules_t.c.region == source.region)
        with self._engine.connect() as conn:
            return [rule_from_json(r.account_id, r.region, loads(r.document)) for r in conn.execute(query)]

    def count(self, source: AccountRegion) -> int:
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(rules_t)
                    .where(rules_t.c.account_id == source.account_id, rules_t.c.region == source.region)
                ).scalar_one()
            )

    def get_many(self, source: AccountRegion, names: Sequence[str]) -> builtins.list[ConfigRule]:
        """The named rules of `source` that exist, in name order."""
        if not names:
            return []
        query = (
            rules_t.select()
            .where(
                rules_t.c.account_id == source.account_id,
                rules_t.c.region == source.region,
                rules_t.c.name.in_(list(names)),
            )
            .order_by(rules_t.c.name)
        )
        with self._engine.connect() as conn:
            return [rule_from_json(r.account_id, r.region, loads(r.document)) for r in conn.execute(query)]

    def get(self, source: AccountRegion, name: str) -> ConfigRule | None:
        query = rules_t.select().where(
            rules_t.c.account_id == source.account_id,
            rules_t.c.region == source.region,
            rules_t.c.name == name,
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return rule_from_json(row.account_id, row.region, loads(row.document)) if row else None

    def set_state(self, rule: ConfigRule, state: RuleState) -> ConfigRule:
        changed = replace(rule, state=state)
        with self._write() as conn, conn.begin():
            conn.execute(
                rules_t.update()
                .where(*self._rule_filter(rule))
                .values(state=state.value, document=dumps(rule_to_json(changed)))
            )
        return changed

    def delete(self, rule: ConfigRule) -> None:
        """Delete a rule with its results and status."""
        source = AccountRegion(rule.account_id, rule.region)
        with self._write() as conn, conn.begin():
            conn.execute(rules_t.delete().where(*self._rule_filter(rule)))
            conn.execute(status_t.delete().where(*self._status_filter(source, rule.name)))
            conn.execute(
                results_t.delete().where(
                    results_t.c.account_id == rule.account_id,
                    results_t.c.region == rule.region,
                    results_t.c.rule_name == rule.name,
                )
            )

    def last_periodic_run(self, rule: ConfigRule) -> datetime | None:
        with self._engine.connect() as conn:
            value = conn.execute(
                sa.select(rules_t.c.last_periodic_run).where(*self._rule_filter(rule))
            ).scalar()
        return from_millis(value) if value is not None else None

    def mark_periodic_run(self, rule: ConfigRule, now: datetime | None) -> None:
        """Note when the rule last ran in full; None makes it due at once (whatever its trigger)."""
        with self._write() as conn, conn.begin():
            conn.execute(
                rules_t.update()
                .where(*self._rule_filter(rule))
                .values(last_periodic_run=to_millis(now) if now is not None else None)
            )

    # --- evaluation status -----------------------------------------------------------------

    def status(self, source: AccountRegion, name: str) -> RuleEvaluationStatus | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(status_t.c.document).where(*self._status_filter(source, name))
            ).first()
        return _status_from_json(row.document) if row else None

    def update_status(
        self, source: AccountRegion, name: str, change: Callable[[RuleEvaluationStatus], RuleEvaluationStatus]
    ) -> None:
        with self._write() as conn, conn.begin():
            row = conn.execute(
                sa.select(status_t.c.document).where(*self._status_filter(source, name))
            ).first()
            if row is None:
                return
            updated = change(_status_from_json(row.document))
            conn.execute(
                status_t.update()
                .where(*self._status_filter(source, name))
                .values(document=_status_to_json(updated))
            )

    # --- secrets ---------------------------------------------------------------------------

    def secret(self, name: str) -> str:
        """A random secret of roost's own, made on first use and kept in the store."""
        with self._engine.connect() as conn:
            value = conn.execute(sa.select(secrets_t.c.value).where(secrets_t.c.name == name)).scalar()
        if value is not None:
            return str(value)
        with self._write() as conn, conn.begin():
            insert_if_absent(conn, secrets_t, {"name": name, "value": secrets.token_hex(32)}, keys=("name",))
        with self._engine.connect() as conn:
            return str(
                conn.execute(sa.select(secrets_t.c.value).where(secrets_t.c.name == name)).scalar_one()
            )

    @staticmethod
    def _rule_filter(rule: ConfigRule) -> builtins.list[sa.ColumnElement[bool]]:
        return [
            rules_t.c.account_id == rule.account_id,
            rules_t.c.region == rule.region,
            rules_t.c.name == rule.name,
        ]

    @staticmethod
    def _status_filter(source: AccountRegion, name: str) -> builtins.list[sa.ColumnElement[bool]]:
        return [
            status_t.c.account_id == source.account_id,
            status_t.c.region == source.region,
            status_t.c.rule_name == name,
        ]
