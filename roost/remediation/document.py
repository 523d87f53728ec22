"""Automation documents: what a remediation runs. One file per document under documents/, registered
under AWS's document name, with AWS's parameters (AutomationAssumeRole included) and behaviour.

A document's `run` acts on the account through `Automation`, step by step:

    with automation.step("DisableFromAllIp"):
        found = automation.read("ec2", "describe_security_groups", GroupIds=[group])
        automation.write("ec2", "revoke_security_group_ingress", GroupId=group, IpPermissions=[...])

Every call is recorded (the execution's audit trail). In a dry run the reads are made (a document
decides from what is there) and the writes are only planned: the dry run shows the exact calls an
execution would make. A cloud error fails the step, and the execution, with AWS's error code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import botocore.exceptions

from roost.clock import Clock
from roost.cloud import describe_error
from roost.errors import CloudError
from roost.registry import Registry, import_submodules
from roost.remediation.model import CloudCall, ExecutionStep, StepState

ASSUME_ROLE = "AutomationAssumeRole"
TYPES = ("String", "StringList", "Boolean", "Integer")


@dataclass(frozen=True)
class DocumentParameter:
    name: str
    type: str
    description: str
    default: str | list[str] | None = None
    """None: the parameter is required."""
    allowed_pattern: str | None = None
    allowed_values: tuple[str, ...] | None = None

    @property
    def required(self) -> bool:
        return self.default is None


ROLE_PATTERN = r"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/[\w+=,.@/-]+$"


def assume_role_parameter(*, required: bool = False) -> DocumentParameter:
    """Every document's AutomationAssumeRole: optional in most, required in AWSConfigRemediation-*."""
    if required:
        return DocumentParameter(
            ASSUME_ROLE,
            "String",
            "(Required) The ARN of the role that allows Automation to perform the actions on your behalf.",
            allowed_pattern=ROLE_PATTERN,
        )
    return DocumentParameter(
        ASSUME_ROLE,
        "String",
        "(Optional) The ARN of the role that allows Automation to perform the actions on your behalf.",
        default="",
        allowed_pattern=r"^$|" + ROLE_PATTERN,
    )


class ParameterError(ValueError):
    """A document parameter is missing, unknown or malformed (the message says which)."""


class StepFailed(Exception):
    """A step of the document failed; the execution fails with this message."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"Step {step} failed: {message}")
        self.step = step
        self.reason = message


class DocumentFailure(Exception):
    """Raised by a document when the resource is not in a state it can fix (the step fails)."""


class Automation:
    """What a document acts through: the account's clients, its steps and every call they make."""

    def __init__(self, clients: Callable[[str], Any], clock: Clock, *, dry_run: bool = False) -> None:
        self._clients = clients
        self._clock = clock
        self.dry_run = dry_run
        self.calls: list[CloudCall] = []
        self.steps: list[ExecutionStep] = []
        self.on_step: Callable[[Sequence[ExecutionStep]], None] | None = None

    def read(self, service: str, operation: str, **parameters: Any) -> dict[str, Any]:
        return self._call(service, operation, parameters, writes=False)

    def write(self, service: str, operation: str, **parameters: Any) -> dict[str, Any]:
        """Make a change (in a dry run: only plan it, and answer {})."""
        return self._call(service, operation, parameters, writes=True)

    def _call(
        self, service: str, operation: str, parameters: dict[str, Any], *, writes: bool
    ) -> dict[str, Any]:
        if writes and self.dry_run:
            self.calls.append(CloudCall(service, operation, parameters, writes=True, made=False))
            return {}
        try:
            answer: dict[str, Any] = getattr(self._clients(service), operation)(**parameters)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, CloudError) as exc:
            error = describe_error(exc)
            self.calls.append(
                CloudCall(
                    service,
                    operation,
                    parameters,
                    writes=writes,
                    made=True,
                    error=f"{error.code}: {error.message}",
                )
            )
            raise error from None
        self.calls.append(CloudCall(service, operation, parameters, writes=writes, made=True))
        return answer

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = self._now()
        self._record(ExecutionStep(name, StepState.IN_PROGRESS, start_time=started))
        try:
            yield
        except (CloudError, DocumentFailure) as exc:
            message = f"{exc.code}: {exc.message}" if isinstance(exc, CloudError) else str(exc)
            self._record(ExecutionStep(name, StepState.FAILED, message, started, self._now()))
            raise StepFailed(name, message) from None
        self._record(ExecutionStep(name, StepState.SUCCEEDED, None, started, self._now()))

    def _record(self, step: ExecutionStep) -> None:
        if self.steps and self.steps[-1].name == step.name and self.steps[-1].state is StepState.IN_PROGRESS:
            self.steps[-1] = step
        else:
            self.steps.append(step)
        if self.on_step is not None:
            self.on_step(tuple(self.steps))

    def _now(self) -> datetime:
        return self._clock.now()


class AutomationDocument:
    """One automation document. Subclasses declare AWS's name, description and parameters, and `run`."""

    name: ClassVar[str]
    description: ClassVar[str]
    parameters: ClassVar[tuple[DocumentParameter, ...]]
    resource_types: ClassVar[tuple[str, ...]] = ()
    """The resource types it fixes (what its resource-id parameter names)."""

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        raise NotImplementedError

    @classmethod
    def parameter(cls, name: str) -> DocumentParameter | None:
        return next((p for p in cls.parameters if p.name == name), None)

    @classmethod
    def resolve(cls, given: dict[str, list[str]]) -> dict[str, Any]:
        """The parameters a run gets: given values checked and typed, defaults filled in."""
        unknown = sorted(set(given) - {p.name for p in cls.parameters})
        if unknown:
            raise ParameterError(
                f"{', '.join(unknown)} {'is not a parameter' if len(unknown) == 1 else 'are not parameters'} "
                f"of the document {cls.name}; it takes {', '.join(p.name for p in cls.parameters)}."
            )
        resolved: dict[str, Any] = {}
        for parameter in cls.parameters:
            values = given.get(parameter.name)
            if values is None:
                if parameter.required:
                    raise ParameterError(f"The document {cls.name} needs the parameter {parameter.name}.")
                values = (
                    parameter.default if isinstance(parameter.default, list) else [str(parameter.default)]
                )
            resolved[parameter.name] = _typed(cls.name, parameter, list(values))
        return resolved


def _typed(document: str, parameter: DocumentParameter, values: list[str]) -> Any:
    where = f"parameter {parameter.name} of {document}"
    if parameter.type == "StringList":
        for value in values:
            _check_value(where, parameter, value)
        return values
    if len(values) != 1:
        raise ParameterError(f"The {where} takes one value, not {len(values)}.")
    value = values[0]
    if parameter.type == "Boolean":
        if value.lower() not in ("true", "false"):
            raise ParameterError(f"The {where} is a Boolean: true or false, not {value!r}.")
        return value.lower() == "true"
    if parameter.type == "Integer":
        try:
            return int(value)
        except ValueError:
            raise ParameterError(f"The {where} is an Integer, not {value!r}.") from None
    _check_value(where, parameter, value)
    return value


def _check_value(where: str, parameter: DocumentParameter, value: str) -> None:
    if parameter.allowed_values is not None and value not in parameter.allowed_values:
        raise ParameterError(
            f"The {where} must be one of {', '.join(parameter.allowed_values)}, not {value!r}."
        )
    if parameter.allowed_pattern is not None and re.search(parameter.allowed_pattern, value) is None:
        raise ParameterError(f"The {where} does not match {parameter.allowed_pattern}: {value!r}.")


DOCUMENTS: Registry[type[AutomationDocument]] = Registry("automation document")


def load_documents() -> Registry[type[AutomationDocument]]:
    import_submodules("roost.remediation.documents")
    return DOCUMENTS
