"""The `roost` command run in-process through click, with a fresh store and no roost.toml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from roost.cli.main import cli
from roost.cloud.sandbox import Sandbox


@pytest.fixture
def roost(tmp_path: Path, cloud: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """roost("resources", "list") runs the real command with a fresh store and no roost.toml."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ROOST_CONFIG", raising=False)
    db = f"sqlite:///{tmp_path / 'roost.db'}"

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)

    return run
