"""store.functions on both engines: functions with their code and policy, invocation logs (newest
first, bounded), and schema migration 4 on a database at version 3."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import roost.store.functions
from roost.functions.model import FunctionConfig, InvocationLog, Outcome, PolicyStatement
from roost.model import AccountRegion
from roost.store import Store
from roost.store.engine import create_engine
from roost.store.migrations import MIGRATIONS, current_version, migrate
from roost.store.schema import schema_version

SOURCE = AccountRegion("123456789012", "us-east-1")
OTHER_REGION = AccountRegion("123456789012", "eu-west-1")
T0 = datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)
CODE = b"PK\x03\x04\x00\x00binary\x00with\xffNUL\x00bytes\x00" * 50


def make_config(name: str = "fn", source: AccountRegion = SOURCE, **changes: object) -> FunctionConfig:
    config = FunctionConfig(
        account_id=source.account_id,
        region=source.region,
        name=name,
        runtime="python3.12",
        handler="lambda_function.lambda_handler",
        role=f"arn:aws:iam::{source.account_id}:role/r",
        code_sha256="c2hh",
        code_size=len(CODE),
        last_modified=T0,
        revision_id=str(uuid.uuid4()),
        timeout=30,
        memory_size=256,
        environment={"KEY": "value", "UNICODE": "héllo"},
        description="a function",
        tags={"team": "config"},
    )
    return replace(config, **changes)  # type: ignore[arg-type]


def make_log(
    n: int, name: str = "fn", *, outcome: Outcome = Outcome.SUCCESS, source: AccountRegion = SOURCE
) -> InvocationLog:
    failed = outcome is not Outcome.SUCCESS
    return InvocationLog(
        account_id=source.account_id,
        region=source.region,
        function_name=name,
        request_id=f"req-{n}",
        started=T0 + timedelta(seconds=n),
        duration_ms=1.5 * n,
        outcome=outcome,
        error_type="KeyError" if failed else None,
        error_message="'x'" if failed else None,
        log=f"START RequestId: req-{n}\nline {n}\nEND RequestId: req-{n}\n",
        trigger="config-rule/r" if n % 2 else "Invoke",
    )


def test_create_get_and_a_duplicate(any_store: Store) -> None:
    config = make_config()

    assert any_store.functions.create(config, CODE) is True
    assert any_store.functions.create(make_config(), b"other") is False

    assert any_store.functions.get(SOURCE, "fn") == config
    assert any_store.functions.code(SOURCE, "fn") == CODE  # the first one's, unchanged
    assert any_store.functions.get(SOURCE, "other") is None
    assert any_store.functions.get(OTHER_REGION, "fn") is None
    assert any_store.functions.code(SOURCE, "other") is None


def test_list_update_delete(any_store: Store) -> None:
    for name in ("b", "a"):
        any_store.functions.create(make_config(name), CODE)
    any_store.functions.create(make_config("c", OTHER_REGION), CODE)

    assert [c.name for c in any_store.functions.list(SOURCE)] == ["a", "b"]
    assert [c.name for c in any_store.functions.list(OTHER_REGION)] == ["c"]
    assert [(c.region, c.name) for c in any_store.functions.list()] == [
        ("eu-west-1", "c"),
        ("us-east-1", "a"),
        ("us-east-1", "b"),
    ]

    changed = make_config("a", timeout=60, environment={})
    any_store.functions.update(changed)
    assert any_store.functions.get(SOURCE, "a") == changed
    assert any_store.functions.code(SOURCE, "a") == CODE  # settings only
    any_store.functions.update(changed, b"\x00new code\x00")
    assert any_store.functions.code(SOURCE, "a") == b"\x00new code\x00"
    assert any_store.functions.get(SOURCE, "b") != changed

    any_store.functions.add_log(make_log(1, "a"))
    any_store.functions.add_log(make_log(2, "b"))
    assert any_store.functions.delete(SOURCE, "a") is True
    assert any_store.functions.delete(SOURCE, "a") is False
    assert any_store.functions.get(SOURCE, "a") is None
    assert any_store.functions.logs(SOURCE, "a") == []
    assert [e.request_id for e in any_store.functions.logs(SOURCE, "b")] == ["req-2"]
    assert [c.name for c in any_store.functions.list()] == ["c", "b"]


def test_large_binary_code_round_trips(any_store: Store) -> None:
    code = bytes(range(256)) * 4096  # 1 MiB, every byte value
    any_store.functions.create(make_config(), code)

    assert any_store.functions.code(SOURCE, "fn") == code


def test_policy(any_store: Store) -> None:
    assert any_store.functions.policy(SOURCE, "fn") is None  # no function
    any_store.functions.create(make_config(), CODE)
    assert any_store.functions.policy(SOURCE, "fn") == []

    statements = [
        PolicyStatement(
            "one", "lambda:InvokeFunction", "config.amazonaws.com", source_account="123456789012"
        ),
        PolicyStatement(
            "two", "lambda:*", "*", source_arn="arn:aws:config:us-east-1:123456789012:config-rule/x"
        ),
    ]
    any_store.functions.set_policy(SOURCE, "fn", statements)
    assert any_store.functions.policy(SOURCE, "fn") == statements

    any_store.functions.set_policy(SOURCE, "fn", statements[1:])
    assert any_store.functions.policy(SOURCE, "fn") == statements[1:]
    any_store.functions.update(make_config(timeout=5))
    assert any_store.functions.policy(SOURCE, "fn") == statements[1:]  # updates leave the policy alone


def test_logs_newest_first_with_a_limit(any_store: Store) -> None:
    any_store.functions.add_log(make_log(1))
    any_store.functions.add_log(make_log(2, outcome=Outcome.TIMEOUT))
    any_store.functions.add_log(make_log(3))
    any_store.functions.add_log(make_log(4, "other"))
    any_store.functions.add_log(make_log(5, source=OTHER_REGION))

    logs = any_store.functions.logs(SOURCE, "fn")
    assert [e.request_id for e in logs] == ["req-3", "req-2", "req-1"]
    assert logs[1] == make_log(2, outcome=Outcome.TIMEOUT)
    assert [e.request_id for e in any_store.functions.logs(SOURCE, "fn", limit=2)] == ["req-3", "req-2"]
    assert [e.request_id for e in any_store.functions.logs(SOURCE, "fn", request_id="req-1")] == ["req-1"]
    assert [e.request_id for e in any_store.functions.logs(OTHER_REGION, "fn")] == ["req-5"]
    assert any_store.functions.logs(SOURCE, "nobody") == []


def test_logs_are_bounded_per_function(any_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roost.store.functions, "LOGS_KEPT", 5)
    monkeypatch.setattr(roost.store.functions, "PRUNE_EVERY", 10)
    for n in range(1, 4):
        any_store.functions.add_log(make_log(n, "bystander"))
    # Two functions taking turns: each is pruned on its own every 10th log it writes.
    for n in range(4, 23):
        any_store.functions.add_log(make_log(n))
        any_store.functions.add_log(make_log(1000 + n, "other"))
    assert len(any_store.functions.logs(SOURCE, "fn", limit=1000)) == 19 - 10 + 5  # pruned at its 10th

    any_store.functions.add_log(make_log(23))  # its 20th

    kept = any_store.functions.logs(SOURCE, "fn", limit=1000)
    assert [e.request_id for e in kept] == [f"req-{n}" for n in range(23, 18, -1)]
    assert len(any_store.functions.logs(SOURCE, "other", limit=1000)) == 19 - 10 + 5
    assert len(any_store.functions.logs(SOURCE, "bystander")) == 3  # another function's logs stay


# --- migration 4 ---------------------------------------------------------------------------------


def test_migration_4_adds_the_function_tables_to_a_version_3_database(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            schema_version.create(conn)
            for migration in MIGRATIONS[:3]:
                migration.apply(conn)
                conn.execute(
                    schema_version.insert().values(
                        version=migration.version, description=migration.description, applied_time=0
                    )
                )
        tables = set(sa.inspect(engine).get_table_names())
        assert "config_rules" in tables
        assert not {"functions", "function_invocations"} & tables
        with engine.connect() as conn:
            assert current_version(conn) == 3

        newest = MIGRATIONS[-1].version
        assert MIGRATIONS[3].version == 4
        assert migrate(engine) == newest
        assert {"functions", "function_invocations"} <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as conn:
            assert current_version(conn) == newest
        assert migrate(engine) == newest  # applied once
    finally:
        engine.dispose()

    store = Store.open(f"sqlite:///{path}")
    try:
        assert store.functions.create(make_config(), CODE)
        found = store.functions.get(SOURCE, "fn")
        assert found is not None and found.environment == {"KEY": "value", "UNICODE": "héllo"}
    finally:
        store.close()
