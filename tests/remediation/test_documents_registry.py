"""Meta-tests over every registered automation document: the conventions, as failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from roost.remediation.document import (
    ASSUME_ROLE,
    TYPES,
    AutomationDocument,
    DocumentParameter,
    load_documents,
)

DOCUMENTS = load_documents()
NAMES = list(DOCUMENTS)
TESTS = Path(__file__).parent / "documents"

PLAUSIBLE: dict[str, list[str]] = {
    ASSUME_ROLE: ["arn:aws:iam::123456789012:role/remediation"],
    "GroupId": ["sg-0123456789abcdef0"],
    "SecurityGroupId": ["sg-0123456789abcdef0"],
    "InstanceId": ["i-0123456789abcdef0"],
    "IAMResourceId": ["AIDAIOSFODNN7EXAMPLE"],
    "BucketName": ["roost-example-bucket"],
    "TrailName": ["roost-trail"],
    "S3BucketName": ["roost-example-bucket"],
    "TopicArn": ["arn:aws:sns:us-east-1:123456789012:roost"],
    "Message": ["roost"],
}
"""A value AWS would accept, for the required parameters the documents share; others are skipped."""


def _document(name: str) -> type[AutomationDocument]:
    return DOCUMENTS.get(name)


def _module(name: str) -> str:
    return _document(name).__module__.rsplit(".", 1)[-1]


def test_the_registry_holds_every_document() -> None:
    # AWS-DisablePublicAccessForSecurityGroup and at least twelve more
    assert "AWS-DisablePublicAccessForSecurityGroup" in DOCUMENTS
    assert len(DOCUMENTS) >= 13, NAMES


@pytest.mark.parametrize("name", NAMES)
def test_every_document_has_a_test_module(name: str) -> None:
    test_module = TESTS / f"test_{_module(name)}.py"
    assert test_module.is_file(), f"{name} has no test module {test_module.relative_to(TESTS.parent.parent)}"


@pytest.mark.parametrize("name", NAMES)
def test_every_document_is_named_as_aws_names_it_in_a_file_of_that_name(name: str) -> None:
    document = _document(name)
    assert document.name == name
    assert re.fullmatch(r"AWS(ConfigRemediation)?-[A-Z][A-Za-z0-9]+", name), name
    assert document.__module__.startswith("roost.remediation.documents.")
    # the name's words in snake case: AWS-StopEC2Instance in aws_stop_ec2_instance.py
    prefix, words = name.split("-", 1)
    module = _module(name)
    assert module.startswith(f"{prefix.lower()}_"), module
    assert module.removeprefix(f"{prefix.lower()}_").replace("_", "") == words.lower(), module
    assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", module), module


@pytest.mark.parametrize("name", NAMES)
def test_every_document_takes_an_automation_assume_role(name: str) -> None:
    role = _document(name).parameter(ASSUME_ROLE)
    assert role is not None, f"{name} has no {ASSUME_ROLE}"
    assert role.type == "String"


@pytest.mark.parametrize("name", NAMES)
def test_parameters_have_aws_types_and_unique_names(name: str) -> None:
    parameters = _document(name).parameters
    assert len({p.name for p in parameters}) == len(parameters)
    for parameter in parameters:
        assert parameter.type in TYPES, f"{name}.{parameter.name} is a {parameter.type}"
        assert parameter.description, f"{name}.{parameter.name} has no description"
        if parameter.allowed_pattern is not None:
            re.compile(parameter.allowed_pattern)


def _default_values(parameter: DocumentParameter) -> list[str]:
    default = parameter.default
    assert default is not None
    return default if isinstance(default, list) else [default]


@pytest.mark.parametrize("name", NAMES)
def test_defaults_satisfy_their_own_checks(name: str) -> None:
    for parameter in _document(name).parameters:
        if parameter.required:
            continue
        for value in _default_values(parameter):
            where = f"the default {value!r} of {name}.{parameter.name}"
            if parameter.type == "Boolean":
                assert value.lower() in ("true", "false"), where
            elif parameter.type == "Integer":
                assert re.fullmatch(r"-?\d+", value), where
            if parameter.allowed_values is not None:
                assert value in parameter.allowed_values, where
            if parameter.allowed_pattern is not None:
                assert re.search(parameter.allowed_pattern, value), where


@pytest.mark.parametrize("name", NAMES)
def test_a_run_with_plausible_required_values_and_every_default_resolves(name: str) -> None:
    document = _document(name)
    required = [p.name for p in document.parameters if p.required]
    unknown = [p for p in required if p not in PLAUSIBLE]
    if unknown:
        pytest.skip(f"no plausible value known for {', '.join(unknown)} (its defaults are checked alone)")
    resolved = document.resolve({p: PLAUSIBLE[p] for p in required})
    assert set(resolved) == {p.name for p in document.parameters}
