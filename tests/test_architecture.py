"""Conventions as tests: the layers only import downwards, every collector is registered properly
and has its own test file, and every module stays a readable size."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from roost.recorder.collector import load_collectors
from roost.recorder.recording_group import aws_resource_types

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "roost"

# Lower numbers are lower layers; a module may import its own layer's siblings only where listed.
LAYERS = {
    "roost.model": 0,
    "roost.clock": 0,
    "roost.errors": 0,
    "roost.registry": 0,
    "roost.settings": 0,
    "roost.formats": 0,
    "roost.compliance": 0,
    "roost.functions.model": 0,
    "roost.functions.worker": 0,
    "roost.remediation.model": 0,
    "roost.aggregator.model": 0,
    "roost.packs.model": 0,
    "roost.packs.template": 0,
    "roost.packs.intrinsics": 0,
    "roost.packs.parameters": 0,
    "roost.store": 1,
    "roost.cloud": 1,
    "roost.recorder": 2,
    "roost.delivery": 2,
    "roost.functions": 2,
    "roost.rules": 3,
    "roost.remediation": 3,
    "roost.aggregator": 3,
    "roost.query": 3,
    "roost.packs": 4,
    "roost.api": 5,
    "roost.web": 6,
    "roost.service": 7,
    "roost.cli": 8,
}


def _layer(module: str) -> tuple[str, int] | None:
    for prefix, level in sorted(LAYERS.items(), key=lambda kv: -len(kv[0])):
        if module == prefix or module.startswith(prefix + "."):
            return prefix, level
    return None


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, path))
    return found


def test_every_module_belongs_to_a_layer() -> None:
    unplaced = [name for name, _ in _modules() if name != "roost" and _layer(name) is None]
    assert unplaced == [], "add these to LAYERS in tests/test_architecture.py"


@pytest.mark.parametrize("name,path", _modules(), ids=lambda v: str(v))
def test_imports_point_down(name: str, path: Path) -> None:
    own = _layer(name)
    if own is None:
        return
    own_prefix, own_level = own
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [node.module]
        for target in targets:
            theirs = _layer(target)
            if theirs is None:
                continue
            their_prefix, their_level = theirs
            same_module = their_prefix == own_prefix
            # The bottom layer's modules are small leaves that may use each other (settings raises errors).
            assert their_level < own_level or same_module or own_level == their_level == 0, (
                f"{name} (layer {own_level}) imports {target} (layer {their_level})"
            )


def test_modules_stay_readable() -> None:
    long = {
        str(p.relative_to(ROOT)): n for _, p in _modules() if (n := len(p.read_text().splitlines())) > 500
    }
    assert long == {}, "split these modules (house style: ~500 lines at most)"


def test_every_collector_is_registered_under_its_aws_type_and_tested() -> None:
    collectors = load_collectors()
    assert len(collectors) >= 19
    tests = ROOT / "tests" / "recorder" / "collectors"
    for name, collector in collectors.items():
        assert collector.resource_type == name
        assert name in aws_resource_types(), f"{name} is not an AWS Config resource type"
        module = collector.__module__.rsplit(".", 1)[-1]
        assert (tests / f"test_{module}.py").exists(), (
            f"{module} has no tests/recorder/collectors/test_{module}.py"
        )


def test_the_issue_s_resource_types_are_all_collected() -> None:
    wanted = {
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::Instance",
        "AWS::EC2::Volume",
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::EC2::NetworkInterface",
        "AWS::EC2::InternetGateway",
        "AWS::IAM::User",
        "AWS::IAM::Group",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::S3::Bucket",
        "AWS::RDS::DBInstance",
        "AWS::KMS::Key",
        "AWS::CloudTrail::Trail",
        "AWS::Lambda::Function",
        "AWS::SNS::Topic",
        "AWS::SQS::Queue",
        "AWS::DynamoDB::Table",
    }
    assert wanted <= set(load_collectors())


def test_every_managed_rule_matches_aws_and_is_tested() -> None:
    from roost.rules.catalog import catalog
    from roost.rules.managed_rule import Trigger, load_managed_rules

    rules = load_managed_rules()
    tests = ROOT / "tests" / "rules" / "managed"
    for identifier, rule in rules.items():
        assert rule.identifier == identifier
        entry = catalog().get(identifier)
        assert entry is not None, f"{identifier} is not one of AWS's managed rules"
        declared = {(p.name, p.default) for p in rule.parameters}
        assert declared == {(p.name, p.default) for p in entry.parameters}, (
            f"{identifier}: parameters differ from AWS's"
        )
        assert (Trigger.PERIODIC in rule.triggers) == entry.periodic, (
            f"{identifier}: periodic trigger differs"
        )
        assert (Trigger.CONFIGURATION_CHANGE in rule.triggers) == entry.change_triggered, (
            f"{identifier}: trigger"
        )
        module = rule.__module__.rsplit(".", 1)[-1]
        assert module == identifier.lower(), f"{identifier} lives in {module}.py"
        assert (tests / f"test_{module}.py").exists(), (
            f"{identifier} has no tests/rules/managed/test_{module}.py"
        )
