"""Migration 10 gives the conformance packs of an older database their lease columns, keeping the
packs: an upgraded roost finishes their interrupted deployments like new ones."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from roost.packs.model import ConformancePack, PackState
from roost.store import Store, schema
from roost.store.migrations import MIGRATIONS, migrate
from tests.conftest import SOURCE

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_migration_10_adds_the_lease_to_existing_packs(any_store: Store) -> None:
    pack = ConformancePack(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        name="old",
        pack_id="conformance-pack-abc",
        state=PackState.CREATE_IN_PROGRESS,
        template_body="Resources: {}",
        input_parameters={},
        last_update_requested=NOW,
    )
    assert any_store.packs.claim(pack) == pack
    # As a database of schema version 9 has it: no lease columns.
    with any_store.engine.begin() as conn:
        for column in ("lease_owner", "lease_until"):
            conn.execute(sa.text(f"ALTER TABLE conformance_packs DROP COLUMN {column}"))
        conn.execute(schema.schema_version.delete().where(schema.schema_version.c.version == 10))
    assert migrate(any_store.engine) == MIGRATIONS[-1].version
    upgraded = any_store.packs.get(SOURCE, "old")
    assert upgraded == pack and (upgraded.lease_owner, upgraded.lease_until) == (None, None)
    assert [p.name for p in any_store.packs.unfinished(NOW)] == ["old"]
