"""Reads over many (account, region) sources at once: what aggregators show.

Aggregators copy nothing: these queries read the shared tables (resources, configuration_items,
config_rules, evaluation_results) for the sources an aggregator covers, in one statement each.

A rule's compliance in a source rolls up as everywhere (roost.compliance.roll_up): any NON_COMPLIANT
result makes it NON_COMPLIANT, else any COMPLIANT makes it COMPLIANT. Aggregates show only those two:
a rule with no results (or only NOT_APPLICABLE ones) is left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from roost.compliance import ComplianceType, EvaluationResult, RuleState
from roost.model import AccountRegion, ConfigurationItem, DiscoveredResource, ItemStatus, ResourceKey
from roost.store import schema
from roost.store.codec import discovered_from_row, item_from_row
from roost.store.evaluations import _result as result_from_row

resources_t = schema.resources
items_t = schema.configuration_items
rules_t = schema.config_rules
results_t = schema.evaluation_results

#: What the aggregate views leave out: resources deleted, or recorded as not recorded.
NOT_QUERYABLE = (ItemStatus.RESOURCE_NOT_RECORDED.value, ItemStatus.RESOURCE_DELETED_NOT_RECORDED.value)

GROUP_COLUMNS = {
    "RESOURCE_TYPE": resources_t.c.resource_type,
    "ACCOUNT_ID": resources_t.c.account_id,
    "AWS_REGION": resources_t.c.region,
}

RuleCounts = dict[tuple[AccountRegion, str], dict[ComplianceType, int]]
"""(source, rule name) -> how many resources the rule judged each compliance type there."""

SUMMARY_GROUPS = ("ACCOUNT_ID", "AWS_REGION")
"""What GetAggregateConfigRuleComplianceSummary groups by (None: one total)."""

DETECTIVE = "DETECTIVE"
AGGREGATED = (ComplianceType.COMPLIANT, ComplianceType.NON_COMPLIANT)
"""The results aggregates count (a rule with only NOT_APPLICABLE ones is not in them)."""


@dataclass(frozen=True)
class RuleCompliance:
    """One rule of one source, and how many resources it judged NON_COMPLIANT and COMPLIANT there."""

    source: AccountRegion
    rule_name: str
    non_compliant: int
    compliant: int

    @property
    def compliance_type(self) -> ComplianceType:
        return ComplianceType.NON_COMPLIANT if self.non_compliant else ComplianceType.COMPLIANT

    @property
    def counts(self) -> dict[ComplianceType, int]:
        return {ComplianceType.NON_COMPLIANT: self.non_compliant, ComplianceType.COMPLIANT: self.compliant}


@dataclass(frozen=True)
class RuleSummary:
    """How many rules of a group (of sources) are COMPLIANT and how many NON_COMPLIANT."""

    compliant: int
    non_compliant: int


def in_sources(table: sa.Table, sources: Sequence[AccountRegion]) -> sa.ColumnElement[bool]:
    """Rows of these sources: accounts with the same regions share one condition.

    An aggregator's sources are mostly every account in the same regions, so this is mostly one
    `account_id IN (...) AND region IN (...)`, which both databases check quickly row by row (an OR
    of one condition per account costs a hundred comparisons a row for a hundred accounts).
    """
    regions: dict[str, set[str]] = defaultdict(set)
    for source in sources:
        regions[source.account_id].add(source.region)
    accounts: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for account, rs in sorted(regions.items()):
        accounts[tuple(sorted(rs))].append(account)
    if not accounts:
        return sa.false()
    return sa.or_(
        *(
            sa.and_(table.c.account_id.in_(members), table.c.region.in_(list(rs)))
            for rs, members in accounts.items()
        )
    )


def after_position(
    columns: Sequence[sa.ColumnElement[str]], position: Sequence[str]
) -> sa.ColumnElement[bool]:
    """Rows strictly after `position` in the order of `columns` (a keyset page's start)."""
    later = []
    for index, column in enumerate(columns):
        equal = [c == v for c, v in zip(columns[:index], position[:index], strict=True)]
        later.append(sa.and_(*equal, column > position[index]))
    return sa.or_(*later)


def _types(column: sa.ColumnElement[str], resource_types: Sequence[str] | None) -> sa.ColumnElement[bool]:
    return sa.true() if resource_types is None else column.in_(list(resource_types))


class AggregateStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    @staticmethod
    def _current(
        sources: Sequence[AccountRegion], resource_types: Sequence[str] | None
    ) -> sa.ColumnElement[bool]:
        """Current, queryable resources of these sources (of these types)."""
        condition = sa.and_(
            in_sources(resources_t, sources),
            resources_t.c.deletion_time.is_(None),
            resources_t.c.status.not_in(NOT_QUERYABLE),
        )
        if resource_types is not None:
            condition = sa.and_(condition, resources_t.c.resource_type.in_(list(resource_types)))
        return condition

    def resources(
        self,
        sources: Sequence[AccountRegion],
        resource_type: str,
        *,
        resource_id: str | None = None,
        resource_name: str | None = None,
        after: tuple[str, str, str] | None = None,
        limit: int | None = None,
    ) -> list[DiscoveredResource]:
        """Current resources of one type in these sources, by (account, region, resource id)."""
        query = resources_t.select().where(self._current(sources, [resource_type]))
        if resource_id is not None:
            query = query.where(resources_t.c.resource_id == resource_id)
        if resource_name is not None:
            query = query.where(resources_t.c.resource_name == resource_name)
        if after is not None:
            query = query.where(
                after_position(
                    (resources_t.c.account_id, resources_t.c.region, resources_t.c.resource_id), after
                )
            )
        query = query.order_by(resources_t.c.account_id, resources_t.c.region, resources_t.c.resource_id)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [discovered_from_row(row._mapping) for row in conn.execute(query)]

    def resource_counts(
        self,
        sources: Sequence[AccountRegion],
        *,
        group_by: str | None,
        resource_types: Sequence[str] | None = None,
    ) -> dict[str, int]:
        """Current resources per group (RESOURCE_TYPE, ACCOUNT_ID or AWS_REGION), or {"": total}."""
        where = self._current(sources, resource_types)
        if group_by is None:
            query = sa.select(sa.literal(""), sa.func.count()).select_from(resources_t).where(where)
        else:
            column = GROUP_COLUMNS[group_by]
            query = sa.select(column, sa.func.count()).select_from(resources_t).where(where).group_by(column)
        with self._engine.connect() as conn:
            return {str(group): int(count) for group, count in conn.execute(query)}

    def rules(
        self, sources: Sequence[AccountRegion], *, rule_name: str | None = None
    ) -> list[tuple[AccountRegion, str]]:
        """The rules of these sources (not being deleted), by source and name."""
        query = (
            sa.select(rules_t.c.account_id, rules_t.c.region, rules_t.c.name)
            .where(in_sources(rules_t, sources), rules_t.c.state != RuleState.DELETING.value)
            .order_by(rules_t.c.account_id, rules_t.c.region, rules_t.c.name)
        )
        if rule_name is not None:
            query = query.where(rules_t.c.name == rule_name)
        with self._engine.connect() as conn:
            return [(AccountRegion(a, r), n) for a, r, n in conn.execute(query)]

    def rule_counts(
        self,
        sources: Sequence[AccountRegion],
        *,
        rule_name: str | None = None,
        evaluation_mode: str = "DETECTIVE",
    ) -> RuleCounts:
        """Per (source, rule), how many resources it judged each compliance type, in one query."""
        query = (
            sa.select(
                results_t.c.account_id,
                results_t.c.region,
                results_t.c.rule_name,
                results_t.c.compliance_type,
                sa.func.count(),
            )
            .where(in_sources(results_t, sources), results_t.c.evaluation_mode == evaluation_mode)
            .group_by(
                results_t.c.account_id, results_t.c.region, results_t.c.rule_name, results_t.c.compliance_type
            )
        )
        if rule_name is not None:
            query = query.where(results_t.c.rule_name == rule_name)
        found: RuleCounts = {}
        with self._engine.connect() as conn:
            for account, region, name, compliance, count in conn.execute(query):
                found.setdefault((AccountRegion(account, region), name), {})[ComplianceType(compliance)] = (
                    int(count)
                )
        return found

    # --- compliance ----------------------------------------------------------------------------

    @staticmethod
    def _rule_rows(
        sources: Sequence[AccountRegion],
        resource_types: Sequence[str] | None,
        rule_name: str | None = None,
    ) -> sa.Subquery:
        """Per (source, rule) with COMPLIANT or NON_COMPLIANT results: how many of each.

        The results are counted first (one pass over them, through the sources' condition) and the
        counts then joined to the rules (to leave out rules being deleted), so the join looks up
        one rule per group instead of one per result.
        """
        results = results_t.c
        counted = sa.select(
            results.account_id,
            results.region,
            results.rule_name,
            sa.func.sum(
                sa.case((results.compliance_type == ComplianceType.NON_COMPLIANT.value, 1), else_=0)
            ).label("non_compliant"),
            sa.func.count().label("judged"),
        ).where(
            in_sources(results_t, sources),
            results.evaluation_mode == DETECTIVE,
            results.compliance_type.in_([c.value for c in AGGREGATED]),
            _types(results.resource_type, resource_types),
        )
        if rule_name is not None:
            counted = counted.where(results.rule_name == rule_name)
        counts = counted.group_by(results.account_id, results.region, results.rule_name).subquery()
        return (
            sa.select(
                counts.c.account_id,
                counts.c.region,
                counts.c.rule_name,
                counts.c.non_compliant,
                (counts.c.judged - counts.c.non_compliant).label("compliant"),
            )
            .select_from(counts)
            .join(
                rules_t,
                sa.and_(
                    rules_t.c.account_id == counts.c.account_id,
                    rules_t.c.region == counts.c.region,
                    rules_t.c.name == counts.c.rule_name,
                ),
            )
            .where(rules_t.c.state != RuleState.DELETING.value)
            .subquery()
        )

    def rule_compliance(
        self,
        sources: Sequence[AccountRegion],
        *,
        resource_types: Sequence[str] | None = None,
        rule_name: str | None = None,
        compliance_type: ComplianceType | None = None,
        after: tuple[str, str, str] | None = None,
        limit: int | None = None,
    ) -> list[RuleCompliance]:
        """COMPLIANT and NON_COMPLIANT rules of these sources, by (account, region, rule name).

        Only results of `resource_types` count (None: every type). `after` and `limit` page in SQL.
        """
        rows = self._rule_rows(sources, resource_types, rule_name)
        order = (rows.c.account_id, rows.c.region, rows.c.rule_name)
        query = sa.select(rows).order_by(*order)
        if compliance_type is ComplianceType.NON_COMPLIANT:
            query = query.where(rows.c.non_compliant > 0)
        elif compliance_type is ComplianceType.COMPLIANT:
            query = query.where(rows.c.non_compliant == 0)
        if after is not None:
            query = query.where(after_position(order, after))
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [
                RuleCompliance(AccountRegion(a, r), n, int(nc), int(c))
                for a, r, n, nc, c in conn.execute(query)
            ]

    def rule_summary(
        self,
        sources: Sequence[AccountRegion],
        *,
        group_by: str | None,
        resource_types: Sequence[str] | None = None,
    ) -> dict[str, RuleSummary]:
        """Per group (ACCOUNT_ID or AWS_REGION; None: {"": total}) how many rules are COMPLIANT and
        how many NON_COMPLIANT, counting a rule once per source where it has results."""
        per_rule = self._rule_rows(sources, resource_types)
        if group_by is None:
            group: sa.ColumnElement[Any] = sa.literal("")
        elif group_by in SUMMARY_GROUPS:
            group = per_rule.c.account_id if group_by == "ACCOUNT_ID" else per_rule.c.region
        else:
            raise ValueError(f"unknown group {group_by}")
        non_compliant = per_rule.c.non_compliant > 0
        compliant = per_rule.c.non_compliant == 0
        query = sa.select(
            group,
            sa.func.sum(sa.case((compliant, 1), else_=0)),
            sa.func.sum(sa.case((non_compliant, 1), else_=0)),
        ).select_from(per_rule)
        if group_by is not None:
            query = query.group_by(group)
        found: dict[str, RuleSummary] = {}
        with self._engine.connect() as conn:
            for name, c, nc in conn.execute(query):
                found[str(name)] = RuleSummary(int(c or 0), int(nc or 0))
        return found

    def results(
        self,
        source: AccountRegion,
        rule_name: str,
        *,
        compliance_types: Sequence[ComplianceType],
        resource_types: Sequence[str] | None = None,
        after: tuple[str, str] | None = None,
        limit: int | None = None,
    ) -> list[EvaluationResult]:
        """A rule's results of these compliance types in one source, by (resource type, resource id)."""
        results = results_t.c
        query = results_t.select().where(
            results.account_id == source.account_id,
            results.region == source.region,
            results.rule_name == rule_name,
            results.evaluation_mode == DETECTIVE,
            results.compliance_type.in_([c.value for c in compliance_types]),
            _types(results.resource_type, resource_types),
        )
        if after is not None:
            query = query.where(after_position((results.resource_type, results.resource_id), after))
        query = query.order_by(results.resource_type, results.resource_id)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [result_from_row(row) for row in conn.execute(query)]

    # --- configuration items -------------------------------------------------------------------

    def current_items(
        self,
        keys: Sequence[tuple[AccountRegion, ResourceKey]],
        *,
        resource_types: Sequence[str] | None = None,
    ) -> dict[tuple[AccountRegion, ResourceKey], ConfigurationItem]:
        """The current item of each resource (not deleted, not ResourceNotRecorded), in one query.

        Meant for a request's worth of keys (BatchGetAggregateResourceConfig takes at most 100).
        """
        if not keys:
            return {}
        resources = resources_t.c
        query = (
            items_t.select()
            .join(
                resources_t,
                sa.and_(
                    resources.account_id == items_t.c.account_id,
                    resources.region == items_t.c.region,
                    resources.resource_type == items_t.c.resource_type,
                    resources.resource_id == items_t.c.resource_id,
                    resources.configuration_state_id == items_t.c.configuration_state_id,
                ),
            )
            .where(
                sa.or_(
                    *(
                        sa.and_(
                            resources.account_id == source.account_id,
                            resources.region == source.region,
                            resources.resource_type == key.resource_type,
                            resources.resource_id == key.resource_id,
                        )
                        for source, key in dict.fromkeys(keys)
                    )
                ),
                resources.deletion_time.is_(None),
                resources.status.not_in(NOT_QUERYABLE),
                _types(resources.resource_type, resource_types),
            )
        )
        found: dict[tuple[AccountRegion, ResourceKey], ConfigurationItem] = {}
        with self._engine.connect() as conn:
            for row in conn.execute(query):
                item = item_from_row(row._mapping)
                if not item.status.is_deletion:
                    found[(AccountRegion(item.account_id, item.region), item.key)] = item
        return found
