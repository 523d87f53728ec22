"""Managed rules: one class per AWS identifier, in roost/rules/managed/, registered by identifier.

    @MANAGED_RULES.register("INCOMING_SSH_DISABLED")
    class IncomingSshDisabled(ManagedRule):
        identifier = "INCOMING_SSH_DISABLED"
        name = "restricted-ssh"
        resource_types = ("AWS::EC2::SecurityGroup",)
        triggers = frozenset({Trigger.CONFIGURATION_CHANGE, Trigger.PERIODIC})

        def evaluate(self, item, ctx):
            return Verdict.non_compliant("...") if ... else Verdict.compliant()

The metadata is data (types, triggers, parameters with AWS's names and defaults); behaviour is one
method. The engine does scope matching, parameter parsing, deleted resources (NOT_APPLICABLE), storage,
status and compliance history. A rule that needs the cloud (MFA devices, password policy) asks
`ctx.client(service)` for a client of the evaluated account and region.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from roost.compliance import ComplianceType
from roost.model import AccountRegion, ConfigurationItem
from roost.registry import Registry, import_submodules
from roost.store import Store


class Trigger(StrEnum):
    CONFIGURATION_CHANGE = "CONFIGURATION_CHANGE"
    PERIODIC = "PERIODIC"


@dataclass(frozen=True, slots=True)
class Parameter:
    """A rule parameter with AWS's name, type (String, int, boolean, CSV, double) and default."""

    name: str
    type: str = "String"
    default: str | None = None
    optional: bool = True


@dataclass(frozen=True, slots=True)
class Verdict:
    """A rule's judgement of one resource (by default the evaluated item's resource)."""

    compliance_type: ComplianceType
    annotation: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None

    @classmethod
    def compliant(cls, annotation: str | None = None) -> Verdict:
        return cls(ComplianceType.COMPLIANT, annotation)

    @classmethod
    def non_compliant(cls, annotation: str | None = None) -> Verdict:
        return cls(ComplianceType.NON_COMPLIANT, annotation)

    @classmethod
    def not_applicable(cls, annotation: str | None = None) -> Verdict:
        return cls(ComplianceType.NOT_APPLICABLE, annotation)


class InvalidParameterError(ValueError):
    """A rule parameter's value does not parse (reported in the rule's evaluation status)."""


@dataclass(frozen=True)
class RuleContext:
    """What a rule may use while it evaluates."""

    source: AccountRegion
    params: dict[str, Any]
    """Parameters parsed by their declared types, defaults applied."""
    now: datetime
    store: Store
    client_factory: Callable[[str], Any]

    def client(self, service: str) -> Any:
        """A boto3 client for the evaluated account and region (errors raise CloudError via the engine)."""
        return self.client_factory(service)


class ManagedRule:
    identifier: ClassVar[str]
    name: ClassVar[str]
    """The rule's name in AWS's documentation and console (`restricted-ssh`)."""
    resource_types: ClassVar[tuple[str, ...]] = ()
    triggers: ClassVar[frozenset[Trigger]] = frozenset({Trigger.CONFIGURATION_CHANGE})
    parameters: ClassVar[tuple[Parameter, ...]] = ()

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict | Sequence[Verdict]:
        """Judge one current, recorded resource in scope. Raise CloudError if the cloud cannot be read."""
        raise NotImplementedError

    def evaluate_periodic(self, ctx: RuleContext, items: Sequence[ConfigurationItem]) -> list[Verdict]:
        """A scheduled run: by default, each current in-scope item is judged as on a change.

        Account-level rules (resource type AWS::::Account) override this and return verdicts with
        their resource type and id set.
        """
        verdicts: list[Verdict] = []
        for item in items:
            found = self.evaluate(item, ctx)
            for verdict in [found] if isinstance(found, Verdict) else found:
                verdicts.append(
                    Verdict(
                        verdict.compliance_type,
                        verdict.annotation,
                        verdict.resource_type or item.resource_type,
                        verdict.resource_id or item.resource_id,
                    )
                )
        return verdicts

    @classmethod
    def parse_parameters(cls, input_parameters: str) -> dict[str, Any]:
        """The rule's InputParameters (a JSON object of strings), typed, with AWS's defaults applied."""
        try:
            given = json.loads(input_parameters or "{}")
        except json.JSONDecodeError as exc:
            raise InvalidParameterError(f"InputParameters is not a JSON object: {exc}") from None
        if not isinstance(given, dict):
            raise InvalidParameterError("InputParameters must be a JSON object")
        parsed: dict[str, Any] = {}
        for parameter in cls.parameters:
            raw = given.get(parameter.name, parameter.default)
            if raw is None or raw == "":
                if not parameter.optional:
                    raise InvalidParameterError(f"The required parameter {parameter.name} is missing")
                parsed[parameter.name] = None
                continue
            parsed[parameter.name] = _convert(parameter, str(raw) if not isinstance(raw, str) else raw)
        return parsed


def _convert(parameter: Parameter, raw: str) -> Any:
    kind = parameter.type.lower()
    try:
        if kind == "int":
            return int(raw)
        if kind == "double":
            return float(raw)
        if kind == "boolean":
            # AWS: booleans are case-sensitive, "true" or anything else meaning false.
            return raw.strip() == "true"
        if kind == "csv":
            return [part.strip() for part in raw.split(",") if part.strip()]
    except ValueError:
        raise InvalidParameterError(f"{parameter.name} must be {parameter.type}, got {raw!r}") from None
    return raw


MANAGED_RULES: Registry[type[ManagedRule]] = Registry("managed rule")


def load_managed_rules() -> Registry[type[ManagedRule]]:
    import_submodules("roost.rules.managed")
    return MANAGED_RULES
