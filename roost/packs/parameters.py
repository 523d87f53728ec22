"""A conformance pack template's parameters: the values given checked against the declarations.

CloudFormation's rules: a value given for an undeclared parameter, or none for a parameter without a
Default, fails the template; Type, AllowedValues, AllowedPattern, MinLength/MaxLength and
MinValue/MaxValue constrain the value. Also the pseudo parameters (AWS::AccountId, ...). No I/O.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any, Final

from roost.packs.intrinsics import TemplateError

_PARAMETER_ATTRIBUTES: Final = frozenset(
    {"Type", "Default", "AllowedValues", "AllowedPattern", "MinLength", "MaxLength", "MinValue"}
    | {"MaxValue", "Description", "ConstraintDescription", "NoEcho"}
)
_NUMBER: Final = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parameter_values(
    declared: dict[str, Any], given: Mapping[str, str], *, lenient: bool
) -> tuple[dict[str, str], dict[str, str | list[str]], tuple[str, ...]]:
    """(every parameter's value as a string, what a Ref to each gives, the missing ones)."""
    undeclared = sorted(set(given) - set(declared))
    if undeclared:
        raise TemplateError(
            "Parameters: parameter values specified for a template which does not require them: "
            + ", ".join(undeclared)
        )
    final: dict[str, str] = {}
    values: dict[str, str | list[str]] = {}
    missing: list[str] = []
    for name, declaration in declared.items():
        path = f"Parameters.{name}"
        if not isinstance(declaration, dict):
            raise TemplateError(f"{path}: must be a mapping (Type, Default, ...)")
        for attribute in declaration:
            if attribute not in _PARAMETER_ATTRIBUTES:
                raise TemplateError(f"{path}.{attribute}: unknown parameter attribute")
        kind = declaration.get("Type")
        if not isinstance(kind, str):
            raise TemplateError(f"{path}.Type: every parameter needs a Type (String, Number, ...)")
        if kind not in ("String", "Number", "CommaDelimitedList") and not kind.startswith(("List<", "AWS::")):
            raise TemplateError(f"{path}.Type: {kind!r} is not a parameter type")
        if kind.startswith("AWS::SSM::Parameter::"):
            raise TemplateError(
                f"{path}.Type: {kind} parameters (read from Systems Manager) are not supported"
            )
        value = given.get(name)
        if value is None and "Default" in declaration:
            value = declaration["Default"] if declaration["Default"] is not None else ""
            if not isinstance(value, str):
                raise TemplateError(f"{path}.Default: must be a string (a list is written 'a,b,c')")
        if value is None:
            missing.append(name)
            value = ""
        else:
            _check_parameter(path, name, declaration, kind, value)
        final[name] = value
        listed = kind == "CommaDelimitedList" or kind.startswith("List<")
        values[name] = value.split(",") if listed else value
    if missing and not lenient:
        raise TemplateError(
            f"Parameters: {', '.join(missing)} must have values (no Default in the template, none given)"
        )
    return final, values, tuple(missing)


def _check_parameter(path: str, name: str, declaration: dict[str, Any], kind: str, value: str) -> None:
    """CloudFormation's checks of a parameter's value against its declaration."""
    because = f" ({declaration['ConstraintDescription']})" if declaration.get("ConstraintDescription") else ""
    listed = kind == "CommaDelimitedList" or kind.startswith("List<")
    items = value.split(",") if listed else [value]
    numeric = kind in ("Number", "List<Number>")
    for item in items:
        if numeric and not _NUMBER.match(item.strip()):
            raise TemplateError(f"{path}: parameter '{name}' must be a number, not {item!r}{because}")
        allowed = declaration.get("AllowedValues")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise TemplateError(f"{path}.AllowedValues: must be a list")
            if item not in allowed:
                raise TemplateError(
                    f"{path}: parameter '{name}' must be one of AllowedValues "
                    f"({', '.join(map(str, allowed))}), not {item!r}{because}"
                )
        pattern = declaration.get("AllowedPattern")
        if pattern is not None:
            try:
                matched = re.fullmatch(str(pattern), item)
            except re.error as exc:
                raise TemplateError(f"{path}.AllowedPattern: not a regular expression: {exc}") from None
            if not matched:
                raise TemplateError(f"{path}: parameter '{name}' must match pattern {pattern}{because}")
    if kind == "String":
        minimum = _number_attribute(declaration, "MinLength", path)
        maximum = _number_attribute(declaration, "MaxLength", path)
        if minimum is not None and len(value) < minimum:
            raise TemplateError(
                f"{path}: parameter '{name}' must contain at least {minimum:g} characters{because}"
            )
        if maximum is not None and len(value) > maximum:
            raise TemplateError(
                f"{path}: parameter '{name}' must contain at most {maximum:g} characters{because}"
            )
    if numeric:
        minimum = _number_attribute(declaration, "MinValue", path)
        maximum = _number_attribute(declaration, "MaxValue", path)
        for item in items:
            if minimum is not None and float(item) < minimum:
                raise TemplateError(
                    f"{path}: parameter '{name}' must be a number not less than {minimum:g}{because}"
                )
            if maximum is not None and float(item) > maximum:
                raise TemplateError(
                    f"{path}: parameter '{name}' must be a number not greater than {maximum:g}{because}"
                )


def _number_attribute(declaration: dict[str, Any], attribute: str, path: str) -> float | None:
    value = declaration.get(attribute)
    if value is None:
        return None
    if not (isinstance(value, str) and _NUMBER.match(value)):
        raise TemplateError(f"{path}.{attribute}: must be a number")
    return float(value)


def pseudo_parameters(account_id: str, region: str, stack_name: str) -> dict[str, str | list[str]]:
    """AWS::AccountId, AWS::Region, ... for this account, region and stack."""
    partition = "aws"
    if region.startswith("cn-"):
        partition = "aws-cn"
    elif region.startswith("us-gov-"):
        partition = "aws-us-gov"
    stack_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"{account_id}/{region}/{stack_name}")
    stack = f"{stack_name}/{stack_uuid}"
    return {
        "AWS::AccountId": account_id,
        "AWS::Region": region,
        "AWS::Partition": partition,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        "AWS::StackName": stack_name,
        "AWS::StackId": f"arn:{partition}:cloudformation:{region}:{account_id}:stack/{stack}",
        "AWS::NotificationARNs": [],
    }
