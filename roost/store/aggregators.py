"""Configuration aggregators, aggregation authorizations and dismissed aggregation requests."""

from __future__ import annotations

import builtins
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa

from roost.aggregator.model import (
    AccountSource,
    AggregationAuthorization,
    ConfigurationAggregator,
    OrganizationSource,
)
from roost.clock import from_millis, to_millis
from roost.model import AccountRegion
from roost.store import schema
from roost.store.codec import dumps, loads
from roost.store.engine import WRITE_OPTION
from roost.store.upsert import insert_if_absent, upsert

aggregators_t = schema.config_aggregators
authorizations_t = schema.aggregation_authorizations
dismissed_t = schema.dismissed_aggregation_requests


def _to_json(aggregator: ConfigurationAggregator) -> str:
    raw = asdict(aggregator)
    raw["creation_time"] = to_millis(aggregator.creation_time)
    raw["last_updated_time"] = to_millis(aggregator.last_updated_time)
    return dumps(raw)


def _from_json(text: str) -> ConfigurationAggregator:
    raw: dict[str, Any] = loads(text)
    organization = raw.get("organization_source")
    return ConfigurationAggregator(
        account_id=raw["account_id"],
        region=raw["region"],
        name=raw["name"],
        arn=raw["arn"],
        creation_time=from_millis(raw["creation_time"]),
        last_updated_time=from_millis(raw["last_updated_time"]),
        account_sources=tuple(
            AccountSource(tuple(s["account_ids"]), s["all_aws_regions"], tuple(s["aws_regions"]))
            for s in raw["account_sources"]
        ),
        organization_source=OrganizationSource(
            organization["role_arn"], organization["all_aws_regions"], tuple(organization["aws_regions"])
        )
        if organization
        else None,
        resource_types=tuple(raw["resource_types"]) if raw.get("resource_types") is not None else None,
        service_principals=tuple(raw["service_principals"])
        if raw.get("service_principals") is not None
        else None,
        created_by=raw.get("created_by"),
    )


class AggregatorStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _write(self) -> sa.Connection:
        return self._engine.connect().execution_options(**{WRITE_OPTION: True})

    # --- aggregators -------------------------------------------------------------------------

    def put(self, aggregator: ConfigurationAggregator) -> None:
        with self._write() as conn, conn.begin():
            upsert(
                conn,
                aggregators_t,
                {
                    "account_id": aggregator.account_id,
                    "region": aggregator.region,
                    "name": aggregator.name,
                    "document": _to_json(aggregator),
                },
                keys=["account_id", "region", "name"],
            )

    def get(self, source: AccountRegion, name: str) -> ConfigurationAggregator | None:
        with self._engine.connect() as conn:
            text = conn.execute(
                sa.select(aggregators_t.c.document).where(
                    aggregators_t.c.account_id == source.account_id,
                    aggregators_t.c.region == source.region,
                    aggregators_t.c.name == name,
                )
            ).scalar_one_or_none()
        return None if text is None else _from_json(text)

    def list(self, source: AccountRegion | None = None) -> builtins.list[ConfigurationAggregator]:
        query = sa.select(aggregators_t.c.document).order_by(
            aggregators_t.c.account_id, aggregators_t.c.region, aggregators_t.c.name
        )
        if source is not None:
            query = query.where(
                aggregators_t.c.account_id == source.account_id, aggregators_t.c.region == source.region
            )
        with self._engine.connect() as conn:
            return [_from_json(text) for text in conn.execute(query).scalars()]

    def delete(self, source: AccountRegion, name: str) -> bool:
        with self._write() as conn, conn.begin():
            return bool(
                conn.execute(
                    aggregators_t.delete().where(
                        aggregators_t.c.account_id == source.account_id,
                        aggregators_t.c.region == source.region,
                        aggregators_t.c.name == name,
                    )
                ).rowcount
            )

    # --- authorizations ----------------------------------------------------------------------

    def authorize(self, authorization: AggregationAuthorization) -> AggregationAuthorization:
        """Store an authorization (an existing one is kept as it is) and return the stored one."""
        with self._write() as conn, conn.begin():
            insert_if_absent(
                conn,
                authorizations_t,
                {
                    "account_id": authorization.account_id,
                    "region": authorization.region,
                    "authorized_account_id": authorization.authorized_account_id,
                    "authorized_region": authorization.authorized_aws_region,
                    "creation_time": to_millis(authorization.creation_time),
                },
                keys=["account_id", "region", "authorized_account_id", "authorized_region"],
            )
            # A request it now answers is no longer dismissed.
            conn.execute(
                dismissed_t.delete().where(
                    dismissed_t.c.account_id == authorization.account_id,
                    dismissed_t.c.region == authorization.region,
                    dismissed_t.c.requester_account_id == authorization.authorized_account_id,
                    dismissed_t.c.requester_region == authorization.authorized_aws_region,
                )
            )
        found = self.authorizations(AccountRegion(authorization.account_id, authorization.region))
        return next(
            a
            for a in found
            if (a.authorized_account_id, a.authorized_aws_region)
            == (authorization.authorized_account_id, authorization.authorized_aws_region)
        )

    def authorizations(self, source: AccountRegion | None = None) -> builtins.list[AggregationAuthorization]:
        query = sa.select(authorizations_t).order_by(
            authorizations_t.c.account_id,
            authorizations_t.c.region,
            authorizations_t.c.authorized_account_id,
            authorizations_t.c.authorized_region,
        )
        if source is not None:
            query = query.where(
                authorizations_t.c.account_id == source.account_id, authorizations_t.c.region == source.region
            )
        with self._engine.connect() as conn:
            return [
                AggregationAuthorization(
                    r.account_id,
                    r.region,
                    r.authorized_account_id,
                    r.authorized_region,
                    from_millis(r.creation_time),
                )
                for r in conn.execute(query)
            ]

    def authorized_sources(self, authorized: AccountRegion) -> set[AccountRegion]:
        """The sources that authorized an aggregator account's region."""
        query = sa.select(authorizations_t.c.account_id, authorizations_t.c.region).where(
            authorizations_t.c.authorized_account_id == authorized.account_id,
            authorizations_t.c.authorized_region == authorized.region,
        )
        with self._engine.connect() as conn:
            return {AccountRegion(a, r) for a, r in conn.execute(query)}

    def revoke(self, source: AccountRegion, authorized: AccountRegion) -> bool:
        with self._write() as conn, conn.begin():
            return bool(
                conn.execute(
                    authorizations_t.delete().where(
                        authorizations_t.c.account_id == source.account_id,
                        authorizations_t.c.region == source.region,
                        authorizations_t.c.authorized_account_id == authorized.account_id,
                        authorizations_t.c.authorized_region == authorized.region,
                    )
                ).rowcount
            )

    # --- dismissed requests ------------------------------------------------------------------

    def dismiss(self, source: AccountRegion, requester: AccountRegion) -> None:
        with self._write() as conn, conn.begin():
            insert_if_absent(
                conn,
                dismissed_t,
                {
                    "account_id": source.account_id,
                    "region": source.region,
                    "requester_account_id": requester.account_id,
                    "requester_region": requester.region,
                },
                keys=["account_id", "region", "requester_account_id", "requester_region"],
            )

    def dismissed(self, source: AccountRegion) -> set[AccountRegion]:
        query = sa.select(dismissed_t.c.requester_account_id, dismissed_t.c.requester_region).where(
            dismissed_t.c.account_id == source.account_id, dismissed_t.c.region == source.region
        )
        with self._engine.connect() as conn:
            return {AccountRegion(a, r) for a, r in conn.execute(query)}
