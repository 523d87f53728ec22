"""docs/api-coverage.md is generated from botocore's model and the handler registry, and kept current."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from roost.api.coverage import DOC_PATH, GROUPS, REGENERATE, grouped_operations, main, render
from roost.api.operations import load_operations
from roost.api.service_model import config_model


def test_the_committed_coverage_file_is_current() -> None:
    expected = render()
    assert DOC_PATH.exists(), f"{DOC_PATH} is missing; generate it with `{REGENERATE}`"
    committed = DOC_PATH.read_text()
    if committed != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    expected.splitlines(keepends=True),
                    "docs/api-coverage.md (committed)",
                    "docs/api-coverage.md (generated now)",
                )
            )[:60]
        )
        pytest.fail(
            f"docs/api-coverage.md is stale: run `{REGENERATE}` and commit the result.\n{diff}",
            pytrace=False,
        )


def test_every_model_operation_is_listed_once_with_its_status() -> None:
    text = render()
    implemented = set(load_operations())
    rows = dict(re.findall(r"^\| (\w+) \| (implemented|not implemented) \|", text, flags=re.M))
    assert set(rows) == set(config_model().operation_names)
    assert len(re.findall(r"^\| \w+ \| (?:implemented|not implemented) \|", text, flags=re.M)) == len(rows)
    assert {name for name, status in rows.items() if status == "implemented"} == implemented
    total = len(config_model().operation_names)
    assert f"**{len(implemented)} of {total} operations implemented" in text


def test_the_groups_follow_the_spec_and_name_real_operations() -> None:
    names = [name for _, _, ops in GROUPS for name in ops]
    assert len(names) == len(set(names)), "an operation is in two groups"
    assert [letter for letter, _, _ in GROUPS] == list("ABCDEFGHIJKLMNOP")
    assert set(names) == set(config_model().operation_names), (
        "botocore's model and the spec's catalog differ: update GROUPS in roost/api/coverage.py"
    )


def test_a_new_operation_goes_to_the_other_group_and_counts_add_up() -> None:
    text = render(["PutConfigRule", "DescribeConfigRules", "BrandNewOperation"], {"PutConfigRule": "rules"})
    assert "**1 of 3 operations implemented (33%).**" in text
    assert "| D. Rules | 1 | 2 |" in text
    assert "| PutConfigRule | implemented | `roost/api/operations/rules.py` |" in text
    assert "| DescribeConfigRules | not implemented | |" in text
    assert "## Z. Other operations" in text and "| BrandNewOperation | not implemented | |" in text
    assert "## A." not in text  # empty groups are left out
    groups = grouped_operations(["StopConfigurationRecorder", "PutConfigurationRecorder"])
    assert groups == [("A", GROUPS[0][1], ["PutConfigurationRecorder", "StopConfigurationRecorder"])]


def test_the_entry_point_writes_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "docs" / "api-coverage.md"
    assert main(["--check", "--output", str(target)]) == 1
    assert REGENERATE in capsys.readouterr().err
    assert main(["--output", str(target)]) == 0
    assert target.read_text() == render()
    assert main(["--check", "--output", str(target)]) == 0
    target.write_text(target.read_text().replace("implemented", "done", 1))
    assert main(["--check", "--output", str(target)]) == 1
