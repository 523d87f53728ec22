"""Evaluation results: one per (rule, resource, mode), the newest ordering timestamp winning."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from roost.clock import from_millis, to_millis
from roost.compliance import ComplianceType, EvaluationResult
from roost.model import AccountRegion
from roost.store import schema
from roost.store.engine import WRITE_OPTION
from roost.store.upsert import upsert

results_t = schema.evaluation_results
_KEYS = ("account_id", "region", "rule_name", "resource_type", "resource_id", "evaluation_mode")


def _row(source: AccountRegion, result: EvaluationResult) -> dict[str, Any]:
    return {
        "account_id": source.account_id,
        "region": source.region,
        "rule_name": result.rule_name,
        "resource_type": result.resource_type,
        "resource_id": result.resource_id,
        "evaluation_mode": result.evaluation_mode,
        "compliance_type": result.compliance_type.value,
        "annotation": result.annotation,
        "ordering_timestamp": to_millis(result.ordering_timestamp),
        "result_recorded_time": to_millis(result.result_recorded_time),
        "config_rule_invoked_time": to_millis(result.config_rule_invoked_time),
    }


def _result(row: Any) -> EvaluationResult:
    return EvaluationResult(
        rule_name=row.rule_name,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        compliance_type=ComplianceType(row.compliance_type),
        ordering_timestamp=from_millis(row.ordering_timestamp),
        result_recorded_time=from_millis(row.result_recorded_time),
        config_rule_invoked_time=from_millis(row.config_rule_invoked_time),
        annotation=row.annotation,
        evaluation_mode=row.evaluation_mode,
    )


class EvaluationStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _write(self) -> sa.Connection:
        return self._engine.connect().execution_options(**{WRITE_OPTION: True})

    def put(
        self, source: AccountRegion, results: Sequence[EvaluationResult]
    ) -> builtins.list[EvaluationResult]:
        """Store results; one with an older ordering timestamp than the stored one is ignored.

        Returns the results whose compliance type changed (for compliance history and notifications).
        """
        if not results:
            return []
        newest: dict[tuple[str, str, str, str], EvaluationResult] = {}
        for result in results:  # within one batch, too, the newest wins
            key = (result.rule_name, result.resource_type, result.resource_id, result.evaluation_mode)
            if key not in newest or newest[key].ordering_timestamp <= result.ordering_timestamp:
                newest[key] = result
        changed: list[EvaluationResult] = []
        with self._write() as conn, conn.begin():
            before = self._current(conn, source, newest.values())
            rows = []
            for key, result in newest.items():
                old = before.get(key)
                if old is not None and to_millis(old.ordering_timestamp) > to_millis(
                    result.ordering_timestamp
                ):
                    continue
                if old is None or old.compliance_type is not result.compliance_type:
                    changed.append(result)
                rows.append(_row(source, result))
            upsert(conn, results_t, rows, keys=_KEYS, only_if_not_less="ordering_timestamp")
        return changed

    def _current(
        self, conn: sa.Connection, source: AccountRegion, results: Iterable[EvaluationResult]
    ) -> dict[tuple[str, str, str, str], EvaluationResult]:
        found: dict[tuple[str, str, str, str], EvaluationResult] = {}
        by_rule: dict[str, list[str]] = {}
        for result in results:
            by_rule.setdefault(result.rule_name, []).append(result.resource_id)
        for rule_name, ids in by_rule.items():
            for start in range(0, len(ids), 500):
                query = results_t.select().where(
                    results_t.c.account_id == source.account_id,
                    results_t.c.region == source.region,
                    results_t.c.rule_name == rule_name,
                    results_t.c.resource_id.in_(ids[start : start + 500]),
                )
                for row in conn.execute(query):
                    result = _result(row)
                    found[
                        (result.rule_name, result.resource_type, result.resource_id, result.evaluation_mode)
                    ] = result
        return found

    def delete(
        self, source: AccountRegion, rule_name: str, keys: Iterable[tuple[str, str]] | None = None
    ) -> int:
        """Delete a rule's results (all, or those of the given (type, id) resources)."""
        where = [results_t.c.account_id == source.account_id, results_t.c.region == source.region,
                 results_t.c.rule_name == rule_name]  # fmt: skip
        with self._write() as conn, conn.begin():
            if keys is None:
                return int(conn.execute(results_t.delete().where(*where)).rowcount)
            count = 0
            for resource_type, resource_id in keys:
                count += int(
                    conn.execute(
                        results_t.delete().where(
                            *where,
                            results_t.c.resource_type == resource_type,
                            results_t.c.resource_id == resource_id,
                        )
                    ).rowcount
                )
            return count

    def results_for_resources(
        self, source: AccountRegion, keys: Iterable[tuple[str, str]], *, rule_name: str | None = None
    ) -> dict[tuple[str, str], builtins.list[EvaluationResult]]:
        """Every rule's results (or one rule's) for each of many resources, through the resource index."""
        by_type: dict[str, builtins.list[str]] = {}
        for resource_type, resource_id in set(keys):
            by_type.setdefault(resource_type, []).append(resource_id)
        found: dict[tuple[str, str], builtins.list[EvaluationResult]] = {}
        with self._engine.connect() as conn:
            for resource_type, ids in by_type.items():
                for start in range(0, len(ids), 500):
                    query = results_t.select().where(
                        results_t.c.account_id == source.account_id,
                        results_t.c.region == source.region,
                        results_t.c.resource_type == resource_type,
                        results_t.c.resource_id.in_(ids[start : start + 500]),
                        results_t.c.evaluation_mode == "DETECTIVE",
                    )
                    if rule_name is not None:
                        query = query.where(results_t.c.rule_name == rule_name)
                    for row in conn.execute(query):
                        result = _result(row)
                        found.setdefault((result.resource_type, result.resource_id), []).append(result)
        return found

    def results(
        self,
        source: AccountRegion,
        *,
        rule_names: Sequence[str] | None = None,
        resource_type: str | None = None,
        resource_id: str | None = None,
        compliance_types: Sequence[ComplianceType] | None = None,
        evaluation_mode: str | None = "DETECTIVE",
    ) -> builtins.list[EvaluationResult]:
        """Stored results, ordered by rule, resource type and id."""
        query = results_t.select().where(
            results_t.c.account_id == source.account_id, results_t.c.region == source.region
        )
        if rule_names is not None:
            query = query.where(results_t.c.rule_name.in_(list(rule_names)))
        if resource_type is not None:
            query = query.where(results_t.c.resource_type == resource_type)
        if resource_id is not None:
            query = query.where(results_t.c.resource_id == resource_id)
        if compliance_types:
            query = query.where(results_t.c.compliance_type.in_([c.value for c in compliance_types]))
        if evaluation_mode is not None:
            query = query.where(results_t.c.evaluation_mode == evaluation_mode)
        query = query.order_by(results_t.c.rule_name, results_t.c.resource_type, results_t.c.resource_id)
        with self._engine.connect() as conn:
            return [_result(row) for row in conn.execute(query)]

    def counts_by_rule(
        self,
        source: AccountRegion,
        *,
        rule_names: Sequence[str] | None = None,
        evaluation_mode: str = "DETECTIVE",
    ) -> dict[str, dict[ComplianceType, int]]:
        """Per rule, how many resources it judged each compliance type (for rule-level roll-ups)."""
        query = (
            sa.select(results_t.c.rule_name, results_t.c.compliance_type, sa.func.count())
            .where(
                results_t.c.account_id == source.account_id,
                results_t.c.region == source.region,
                results_t.c.evaluation_mode == evaluation_mode,
            )
            .group_by(results_t.c.rule_name, results_t.c.compliance_type)
        )
        if rule_names is not None:
            query = query.where(results_t.c.rule_name.in_(list(rule_names)))
        found: dict[str, dict[ComplianceType, int]] = {}
        with self._engine.connect() as conn:
            for rule_name, compliance_type, count in conn.execute(query):
                found.setdefault(rule_name, {})[ComplianceType(compliance_type)] = int(count)
        return found

    def counts_by_resource(
        self,
        source: AccountRegion,
        *,
        resource_types: Sequence[str] | None = None,
        resource_id: str | None = None,
        evaluation_mode: str = "DETECTIVE",
    ) -> dict[tuple[str, str], dict[ComplianceType, int]]:
        """Per evaluated (type, id) resource, how many rules judged it each compliance type."""
        query = (
            sa.select(
                results_t.c.resource_type,
                results_t.c.resource_id,
                results_t.c.compliance_type,
                sa.func.count(),
            )
            .where(
                results_t.c.account_id == source.account_id,
                results_t.c.region == source.region,
                results_t.c.evaluation_mode == evaluation_mode,
            )
            .group_by(results_t.c.resource_type, results_t.c.resource_id, results_t.c.compliance_type)
        )
        if resource_types is not None:
            query = query.where(results_t.c.resource_type.in_(list(resource_types)))
        if resource_id is not None:
            query = query.where(results_t.c.resource_id == resource_id)
        found: dict[tuple[str, str], dict[ComplianceType, int]] = {}
        with self._engine.connect() as conn:
            for resource_type, resource_id_, compliance_type, count in conn.execute(query):
                key = (resource_type, resource_id_)
                found.setdefault(key, {})[ComplianceType(compliance_type)] = int(count)
        return found
