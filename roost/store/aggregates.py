"""Reads over many (account, region) sources at once: what aggregators show.

Aggregators copy nothing: these queries read the shared tables (resources, config_rules,
evaluation_results) for the sources an aggregator covers, in one statement each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa

from roost.compliance import ComplianceType, RuleState
from roost.model import AccountRegion, DiscoveredResource, ItemStatus
from roost.store import schema
from roost.store.codec import discovered_from_row

resources_t = schema.resources
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


def in_sources(table: sa.Table, sources: Sequence[AccountRegion]) -> sa.ColumnElement[bool]:
    """Rows of these sources: one condition per account, its regions in a list."""
    regions: dict[str, list[str]] = defaultdict(list)
    for source in sources:
        regions[source.account_id].append(source.region)
    if not regions:
        return sa.false()
    return sa.or_(
        *(
            sa.and_(table.c.account_id == account, table.c.region.in_(sorted(rs)))
            for account, rs in regions.items()
        )
    )


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
            account, region, rid = after
            query = query.where(
                sa.or_(
                    resources_t.c.account_id > account,
                    sa.and_(resources_t.c.account_id == account, resources_t.c.region > region),
                    sa.and_(
                        resources_t.c.account_id == account,
                        resources_t.c.region == region,
                        resources_t.c.resource_id > rid,
                    ),
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
