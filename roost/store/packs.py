"""Conformance packs: one row per pack with its template, parameters, state and what it deployed.

Creating a pack is a claim: `claim` inserts the row in an *_IN_PROGRESS state, or moves an existing
one there, only when no other deployment of it is in progress (one statement decides, so two
deployments of one pack never run at once: the second gets ResourceInUse from the caller). The row
carries a lease (owner, until): a deployment whose process died is finished by another process once
the lease has run out (`unfinished`, `take_over`).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from roost.clock import from_millis, to_millis
from roost.model import AccountRegion
from roost.packs.model import ConformancePack, PackRuleBinding, PackState
from roost.store import schema
from roost.store.engine import WRITE_OPTION

packs_t = schema.conformance_packs
_IN_PROGRESS = [s.value for s in PackState if s.in_progress]


def _row(pack: ConformancePack) -> dict[str, Any]:
    return {
        "account_id": pack.account_id,
        "region": pack.region,
        "pack_name": pack.name,
        "pack_id": pack.pack_id,
        "state": pack.state.value,
        "status_reason": pack.status_reason,
        "template_body": pack.template_body,
        "template_s3_uri": pack.template_s3_uri,
        "input_parameters": json.dumps(pack.input_parameters, sort_keys=True),
        "delivery_bucket": pack.delivery_bucket,
        "delivery_prefix": pack.delivery_prefix,
        "scope_tag_key": pack.scope_tag_key,
        "scope_tag_value": pack.scope_tag_value,
        "rules": json.dumps(
            [
                {"template_name": b.template_name, "rule_name": b.rule_name, "controls": list(b.controls)}
                for b in pack.rules
            ]
        ),
        "remediations": json.dumps([list(r) for r in pack.remediations]),
        "last_update_requested": to_millis(pack.last_update_requested),
        "last_update_completed": to_millis(pack.last_update_completed)
        if pack.last_update_completed
        else None,
        "lease_owner": pack.lease_owner,
        "lease_until": to_millis(pack.lease_until) if pack.lease_until else None,
    }


def _from_row(row: sa.Row[Any]) -> ConformancePack:
    m = row._mapping
    completed = m["last_update_completed"]
    return ConformancePack(
        account_id=str(m["account_id"]),
        region=str(m["region"]),
        name=str(m["pack_name"]),
        pack_id=str(m["pack_id"]),
        state=PackState(m["state"]),
        status_reason=m["status_reason"],
        template_body=str(m["template_body"]),
        template_s3_uri=m["template_s3_uri"],
        input_parameters=dict(json.loads(m["input_parameters"])),
        delivery_bucket=m["delivery_bucket"],
        delivery_prefix=m["delivery_prefix"],
        scope_tag_key=m["scope_tag_key"],
        scope_tag_value=m["scope_tag_value"],
        rules=tuple(
            PackRuleBinding(r["template_name"], r["rule_name"], tuple(r.get("controls") or ()))
            for r in json.loads(m["rules"])
        ),
        remediations=tuple((str(r[0]), r[1]) for r in json.loads(m["remediations"])),
        last_update_requested=from_millis(int(m["last_update_requested"])),
        last_update_completed=from_millis(int(completed)) if completed is not None else None,
        lease_owner=m["lease_owner"],
        lease_until=from_millis(int(m["lease_until"])) if m["lease_until"] is not None else None,
    )


def _where(source: AccountRegion) -> list[sa.ColumnElement[bool]]:
    return [packs_t.c.account_id == source.account_id, packs_t.c.region == source.region]


class PackStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _write(self) -> sa.Connection:
        return self._engine.connect().execution_options(**{WRITE_OPTION: True})

    def claim(self, pack: ConformancePack, *, limit: int | None = None) -> ConformancePack | str:
        """Store `pack` (in an *_IN_PROGRESS state) unless a deployment of it is in progress.

        An existing pack keeps its id and what it deployed; the rest is replaced by `pack`'s.
        Returns the stored pack, or "in-progress" / "limit" when it was refused."""
        with self._write() as conn, conn.begin():
            where = [*_where(pack.source), packs_t.c.pack_name == pack.name]
            existing = conn.execute(sa.select(packs_t).where(*where)).first()
            if existing is None:
                if limit is not None:
                    count = conn.execute(
                        sa.select(sa.func.count()).select_from(packs_t).where(*_where(pack.source))
                    ).scalar_one()
                    if count >= limit:
                        return "limit"
                # Two first deployments of one name at once: the row is one's, the other is refused.
                dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
                inserted = conn.execute(
                    dialect.insert(packs_t).values(_row(pack)).on_conflict_do_nothing()
                ).rowcount
                return pack if inserted else "in-progress"
            current = _from_row(existing)
            updated = replace(
                pack, pack_id=current.pack_id, rules=current.rules, remediations=current.remediations
            )
            values = _row(updated)
            done = conn.execute(
                packs_t.update().where(*where, packs_t.c.state.not_in(_IN_PROGRESS)).values(values)
            ).rowcount
            return updated if done else "in-progress"

    def save(self, pack: ConformancePack) -> None:
        """Write the pack's state and what it deployed as they are now."""
        with self._write() as conn, conn.begin():
            conn.execute(
                packs_t.update()
                .where(*_where(pack.source), packs_t.c.pack_name == pack.name)
                .values(_row(pack))
            )

    def begin_delete(
        self, source: AccountRegion, name: str, *, owner: str, until: datetime
    ) -> ConformancePack | str:
        """Move the pack to DELETE_IN_PROGRESS, leased to `owner` until `until`, unless a deployment
        of it is in progress.

        Returns the pack, or "missing" / "in-progress"."""
        with self._write() as conn, conn.begin():
            where = [*_where(source), packs_t.c.pack_name == name]
            row = conn.execute(sa.select(packs_t).where(*where)).first()
            if row is None:
                return "missing"
            done = conn.execute(
                packs_t.update()
                .where(*where, packs_t.c.state.not_in(_IN_PROGRESS))
                .values(
                    state=PackState.DELETE_IN_PROGRESS.value,
                    status_reason=None,
                    lease_owner=owner,
                    lease_until=to_millis(until),
                )
            ).rowcount
            if not done:
                return "in-progress"
            return replace(
                _from_row(row),
                state=PackState.DELETE_IN_PROGRESS,
                status_reason=None,
                lease_owner=owner,
                lease_until=until,
            )

    def delete(self, source: AccountRegion, name: str) -> None:
        with self._write() as conn, conn.begin():
            conn.execute(packs_t.delete().where(*_where(source), packs_t.c.pack_name == name))

    def get(self, source: AccountRegion, name: str) -> ConformancePack | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(packs_t).where(*_where(source), packs_t.c.pack_name == name)).first()
        return None if row is None else _from_row(row)

    def list(self, source: AccountRegion, names: Sequence[str] = ()) -> builtins.list[ConformancePack]:
        """The source's packs in name order (only the named ones when `names` is given)."""
        query = sa.select(packs_t).where(*_where(source)).order_by(packs_t.c.pack_name)
        if names:
            query = query.where(packs_t.c.pack_name.in_(list(names)))
        with self._engine.connect() as conn:
            return [_from_row(row) for row in conn.execute(query)]

    def list_many(self, sources: Sequence[AccountRegion]) -> builtins.list[ConformancePack]:
        """The packs of many sources (an aggregator's), by account, region and name."""
        if not sources:
            return []
        condition = sa.or_(
            *(sa.and_(packs_t.c.account_id == s.account_id, packs_t.c.region == s.region) for s in sources)
        )
        query = (
            sa.select(packs_t)
            .where(condition)
            .order_by(packs_t.c.account_id, packs_t.c.region, packs_t.c.pack_name)
        )
        with self._engine.connect() as conn:
            return [_from_row(row) for row in conn.execute(query)]

    def unfinished(self, now: datetime) -> builtins.list[ConformancePack]:
        """Packs whose deployment or deletion was interrupted: in progress with their lease run out
        (the process doing it died). roost finishes them (deploy.resume)."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(packs_t).where(
                    packs_t.c.state.in_(_IN_PROGRESS),
                    sa.or_(packs_t.c.lease_until.is_(None), packs_t.c.lease_until < to_millis(now)),
                )
            )
            return [_from_row(row) for row in rows]

    def renew(self, source: AccountRegion, name: str, *, owner: str, until: datetime) -> bool:
        """Extend `owner`'s lease on a pack in progress; False if it is no longer `owner`'s."""
        with self._write() as conn, conn.begin():
            return bool(
                conn.execute(
                    packs_t.update()
                    .where(
                        *_where(source),
                        packs_t.c.pack_name == name,
                        packs_t.c.state.in_(_IN_PROGRESS),
                        packs_t.c.lease_owner == owner,
                    )
                    .values(lease_until=to_millis(until))
                ).rowcount
            )

    def take_over(self, pack: ConformancePack, *, owner: str, until: datetime, now: datetime) -> bool:
        """Lease an interrupted pack to `owner` if its lease has still run out: one statement decides,
        so of two processes that find it only one takes it."""
        with self._write() as conn, conn.begin():
            return bool(
                conn.execute(
                    packs_t.update()
                    .where(
                        *_where(pack.source),
                        packs_t.c.pack_name == pack.name,
                        packs_t.c.state == pack.state.value,
                        sa.or_(packs_t.c.lease_until.is_(None), packs_t.c.lease_until < to_millis(now)),
                        # Still the lease the caller read: nobody took it over and released it since.
                        packs_t.c.lease_until.is_(None)
                        if pack.lease_until is None
                        else packs_t.c.lease_until == to_millis(pack.lease_until),
                    )
                    .values(lease_owner=owner, lease_until=to_millis(until))
                ).rowcount
            )
