"""Shared fixtures: the sandbox cloud (moto's server on a free port), stores on real SQLite files
and on the local PostgreSQL, and a recorder wired to both. Nothing of roost's own is mocked."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa

from roost.cloud import CloudConnector
from roost.cloud.sandbox import Sandbox
from roost.model import AccountRegion, ConfigurationRecorder, RecordingGroup
from roost.recorder.recorder import Recorder
from roost.settings import SANDBOX_ACCOUNT_ID, Settings
from roost.store import Store

# Tests never reach real AWS: dummy credentials, and every client is pointed at 127.0.0.1.
os.environ["AWS_ACCESS_KEY_ID"] = "test"
os.environ["AWS_SECRET_ACCESS_KEY"] = "test"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ.pop("AWS_PROFILE", None)

POSTGRES_URL = os.environ.get("ROOST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REGION = "us-east-1"
SOURCE = AccountRegion(SANDBOX_ACCOUNT_ID, REGION)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture
def cloud(sandbox: Sandbox) -> Sandbox:
    """The sandbox, emptied for this test."""
    sandbox.reset()
    return sandbox


@pytest.fixture
def aws(cloud: Sandbox) -> Callable[..., Any]:
    """aws("ec2") / aws("rds", region="ap-northeast-2"): a boto3 client of the sandbox account."""

    def make(service: str, *, region: str = REGION) -> Any:
        return boto3.client(
            service,
            endpoint_url=cloud.endpoint_url,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    return make


def _postgres_store() -> Iterator[Store]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable ({exc.orig}); .ci/run starts it")
    separator = "&" if "?" in POSTGRES_URL else "?"
    store = Store.open(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
    try:
        yield store
    finally:
        store.close()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store on each engine: a SQLite file, and a schema of its own on the local PostgreSQL."""
    if request.param == "sqlite":
        store = Store.open(f"sqlite:///{tmp_path / 'roost.db'}")
        yield store
        store.close()
    else:
        yield from _postgres_store()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store in a real SQLite file."""
    opened = Store.open(f"sqlite:///{tmp_path / 'roost.db'}")
    yield opened
    opened.close()


@pytest.fixture
def settings(cloud: Sandbox) -> Settings:
    return Settings().with_sandbox_account(cloud.endpoint_url, (REGION, "ap-northeast-2"))


@pytest.fixture
def recorder(store: Store, settings: Settings) -> Recorder:
    """A recorder over the sandbox account, with a recorder in us-east-1 recording everything."""
    store.recorders.put(
        ConfigurationRecorder(
            SANDBOX_ACCOUNT_ID,
            REGION,
            role_arn=f"arn:aws:iam::{SANDBOX_ACCOUNT_ID}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
            recording_group=RecordingGroup(all_supported=True, include_global_resource_types=True),
        )
    )
    return Recorder(store, CloudConnector(settings.accounts))
