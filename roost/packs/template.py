"""Rendering a conformance pack's CloudFormation template to the rules and remediations it deploys.

AWS's published packs (awslabs/aws-config-rules, aws-config-conformance-packs) are CloudFormation
templates of AWS::Config::ConfigRule and AWS::Config::RemediationConfiguration resources, with
Parameters, Mappings and Conditions; roost takes them unchanged. `render_template` checks the
parameter values given against the template's declarations, evaluates the conditions and intrinsic
functions (roost.packs.intrinsics) and returns a `PackTemplate`. Every error is a `TemplateError`
naming its place as a dotted path from the template's root. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from roost.packs.intrinsics import NO_VALUE, Resolver, TemplateError, load_json, load_yaml, plain
from roost.packs.model import PackTemplate, TemplateRemediation, TemplateRule
from roost.packs.parameters import parameter_values, pseudo_parameters

__all__ = [
    "MAX_RULES",
    "MAX_TEMPLATE_BODY",
    "MAX_TEMPLATE_FILE",
    "TemplateError",
    "parse_template",
    "render_template",
]

#: The longest TemplateBody PutConformancePack accepts.
MAX_TEMPLATE_BODY: Final = 51_200
#: The longest template AWS takes from S3 (TemplateS3Uri); some published packs need more than the
#: inline limit, so this is what a stored pack may have.
MAX_TEMPLATE_FILE: Final = 300_000
#: AWS's limit of rules per conformance pack.
MAX_RULES: Final = 130

CONFIG_RULE: Final = "AWS::Config::ConfigRule"
REMEDIATION: Final = "AWS::Config::RemediationConfiguration"

_SECTIONS: Final = (
    *("AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Mappings"),
    *("Conditions", "Resources", "Outputs", "Transform"),
)
_RULE_PROPERTIES: Final = frozenset(
    {"ConfigRuleName", "Description", "Scope", "Source", "InputParameters", "MaximumExecutionFrequency"}
    | {"EvaluationModes", "Compliance"}
)
_REMEDIATION_PROPERTIES: Final = frozenset(
    {"ConfigRuleName", "TargetId", "TargetType", "TargetVersion", "Parameters", "ResourceType"}
    | {"Automatic", "MaximumAutomaticAttempts", "RetryAttemptSeconds", "ExecutionControls"}
)
_SCOPE_KEYS: Final = frozenset({"ComplianceResourceTypes", "ComplianceResourceId", "TagKey", "TagValue"})
_SOURCE_KEYS: Final = frozenset({"Owner", "SourceIdentifier", "SourceDetails", "CustomPolicyDetails"})
_OWNERS: Final = ("AWS", "CUSTOM_LAMBDA", "CUSTOM_POLICY")
_FREQUENCIES: Final = ("One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")


def parse_template(body: str, *, max_length: int = MAX_TEMPLATE_FILE) -> dict[str, Any]:
    """The template's document (YAML or JSON), its sections checked; every scalar a string.

    `max_length`: the inline TemplateBody's limit is the API's to apply (MAX_TEMPLATE_BODY); a
    template read from S3 or a file may be as long as AWS takes from S3."""
    if len(body) > max_length:
        raise TemplateError(
            f"template: the body is {len(body)} characters long; AWS accepts at most {max_length}"
        )
    if not body.strip():
        raise TemplateError("template: the body is empty")
    try:
        document = plain(load_json(body) if body.lstrip().startswith("{") else load_yaml(body))
    except RecursionError:
        raise TemplateError("template: nested too deeply") from None
    if not isinstance(document, dict):
        raise TemplateError(
            "template: the document must be a mapping of sections (Parameters, Resources, ...)"
        )
    for section in document:
        if section not in _SECTIONS:
            raise TemplateError(f"{section}: unknown template section (known: {', '.join(_SECTIONS)})")
    if "Transform" in document:
        raise TemplateError("Transform: transforms (macros) are not supported in a conformance pack template")
    version = document.get("AWSTemplateFormatVersion")
    if version is not None and version != "2010-09-09":
        raise TemplateError(
            f"AWSTemplateFormatVersion: {version!r} is not a version (the only one is 2010-09-09)"
        )
    for section in ("Metadata", "Parameters", "Mappings", "Conditions", "Resources", "Outputs"):
        if document.get(section) is None:
            document[section] = {}
        elif not isinstance(document[section], dict):
            raise TemplateError(f"{section}: must be a mapping")
    if not document["Resources"]:
        raise TemplateError("Resources: the template has no resources (a pack needs at least one rule)")
    return document


def render_template(
    body: str,
    parameters: Mapping[str, str],
    *,
    account_id: str,
    region: str,
    stack_name: str = "",
    lenient: bool = False,
) -> PackTemplate:
    """The rules and remediation configurations `body` deploys with these parameter values.

    `lenient` (for checking a template without its values) lets parameters with no Default go
    unset: they resolve to "" and are listed in `missing_parameters` instead of failing the render.
    """
    try:
        return _render(body, parameters, account_id, region, stack_name, lenient)
    except RecursionError:
        raise TemplateError("template: nested too deeply") from None


def _render(
    body: str, parameters: Mapping[str, str], account_id: str, region: str, stack_name: str, lenient: bool
) -> PackTemplate:
    document = parse_template(body)
    final, values, missing = parameter_values(document["Parameters"], parameters, lenient=lenient)
    resources: dict[str, Any] = document["Resources"]
    rule_names: dict[str, str] = {}
    naming: list[str] = []
    included: set[str] = set()

    def resource_ref(logical_id: str, path: str) -> str | None:
        """A Ref to a ConfigRule is its name (what a remediation's ConfigRuleName needs)."""
        if logical_id not in resources:
            return None
        if logical_id not in included:
            raise TemplateError(f"{path}: Ref to {logical_id!r}, a resource its Condition leaves out")
        if resources[logical_id]["Type"] != CONFIG_RULE:
            return logical_id
        if logical_id not in rule_names:
            if logical_id in naming:
                raise TemplateError(f"{path}: the name of rule {logical_id!r} refers to itself")
            naming.append(logical_id)
            rule_names[logical_id] = _rule_name(resolver, logical_id, resources[logical_id])
            naming.pop()
        return rule_names[logical_id]

    resolver = Resolver(
        parameters=values,
        pseudo=pseudo_parameters(account_id, region, stack_name),
        mappings=document["Mappings"],
        conditions=document["Conditions"],
        resource_ref=resource_ref,
    )
    for name in document["Conditions"]:
        resolver.condition(name, f"Conditions.{name}")
    for logical_id, resource in resources.items():
        if _check_resource(logical_id, resource, resources, resolver):
            included.add(logical_id)

    rules: list[TemplateRule] = []
    remediations: list[TemplateRemediation] = []
    for logical_id in (lid for lid in resources if lid in included):
        path = f"Resources.{logical_id}.Properties"
        properties = resolver.resolve(resources[logical_id].get("Properties"), path)
        if not isinstance(properties, dict):
            raise TemplateError(f"{path}: must be a mapping of the resource's properties")
        if resources[logical_id]["Type"] == CONFIG_RULE:
            controls = resources[logical_id].get("Controls")
            rules.append(_rule(logical_id, properties, path, controls, lenient=lenient))
    by_name: dict[str, str] = {}
    for rule in rules:
        if rule.name in by_name:
            raise TemplateError(
                f"Resources.{rule.logical_id}.Properties.ConfigRuleName: {rule.name!r} is also the name "
                f"of rule {by_name[rule.name]}; rule names must be unique"
            )
        by_name[rule.name] = rule.logical_id
    for logical_id in (lid for lid in resources if lid in included):
        if resources[logical_id]["Type"] == REMEDIATION:
            path = f"Resources.{logical_id}.Properties"
            properties = resolver.resolve(resources[logical_id].get("Properties"), path)
            remediations.append(_remediation(logical_id, properties, path, by_name, lenient=lenient))
    if not rules and not remediations:
        raise TemplateError("Resources: the conditions leave no resources to deploy (a pack needs a rule)")
    if len(rules) > MAX_RULES:
        raise TemplateError(f"Resources: {len(rules)} rules; a conformance pack can have at most {MAX_RULES}")
    return PackTemplate(
        rules=tuple(rules),
        remediations=tuple(remediations),
        parameters=final,
        missing_parameters=missing,
    )


# --- Resources -----------------------------------------------------------------------------------


def _check_resource(logical_id: str, resource: Any, resources: dict[str, Any], resolver: Resolver) -> bool:
    """Check a resource's Type and attributes; whether its Condition (if any) includes it."""
    path = f"Resources.{logical_id}"
    if not isinstance(resource, dict):
        raise TemplateError(f"{path}: must be a mapping (Type, Properties, ...)")
    kind = resource.get("Type")
    if kind is None:
        raise TemplateError(f"{path}.Type: every resource needs a Type")
    if kind not in (CONFIG_RULE, REMEDIATION):
        raise TemplateError(
            f"{path}.Type: {logical_id} is a {kind!r}; a conformance pack template can only have "
            f"{CONFIG_RULE} and {REMEDIATION} resources"
        )
    depends_on = resource.get("DependsOn") or []
    if not isinstance(depends_on, str | list):
        raise TemplateError(f"{path}.DependsOn: must be a resource name or a list of them")
    for target in [depends_on] if isinstance(depends_on, str) else depends_on:
        if not isinstance(target, str) or target not in resources:
            raise TemplateError(f"{path}.DependsOn: {target!r} is not a resource of the template")
    controls = resource.get("Controls")
    if controls is not None and not (
        isinstance(controls, list) and all(isinstance(control, str) for control in controls)
    ):
        raise TemplateError(f"{path}.Controls: must be a list of control ids")
    condition = resource.get("Condition")
    if condition is None:
        return True
    if not isinstance(condition, str):
        raise TemplateError(f"{path}.Condition: must be the name of a condition")
    return resolver.condition(condition, f"{path}.Condition")


def _rule_name(resolver: Resolver, logical_id: str, resource: dict[str, Any]) -> str:
    """A rule's template name: its ConfigRuleName, or its logical id when it has none."""
    properties = resource.get("Properties")
    raw = properties.get("ConfigRuleName") if isinstance(properties, dict) else None
    if raw is None:
        return logical_id
    path = f"Resources.{logical_id}.Properties.ConfigRuleName"
    name = resolver.resolve(raw, path)
    return logical_id if name is NO_VALUE else _string(name, path, empty_ok=True)


def _rule(
    logical_id: str, properties: dict[str, Any], path: str, controls: list[str] | None, *, lenient: bool
) -> TemplateRule:
    """A resolved AWS::Config::ConfigRule, its properties checked as PutConfigRule would."""
    _known_keys(properties, _RULE_PROPERTIES, path, "an AWS::Config::ConfigRule property")
    properties.pop("Compliance", None)
    name = _string(properties.get("ConfigRuleName", logical_id), f"{path}.ConfigRuleName", empty_ok=lenient)
    if len(name) > 128:
        raise TemplateError(f"{path}.ConfigRuleName: must be at most 128 characters long")
    if not isinstance(properties.get("Description", ""), str):
        raise TemplateError(f"{path}.Description: must be a string")
    source = properties.get("Source")
    if not isinstance(source, dict):
        raise TemplateError(f"{path}.Source: every rule needs a Source (Owner and SourceIdentifier)")
    _known_keys(source, _SOURCE_KEYS, f"{path}.Source", "a Source property")
    owner = source.get("Owner")
    if owner not in _OWNERS:
        raise TemplateError(f"{path}.Source.Owner: must be one of {', '.join(_OWNERS)}, not {owner!r}")
    if owner == "CUSTOM_POLICY":
        if not isinstance(source.get("CustomPolicyDetails"), dict):
            raise TemplateError(f"{path}.Source.CustomPolicyDetails: a CUSTOM_POLICY rule needs its policy")
    else:
        _string(source.get("SourceIdentifier"), f"{path}.Source.SourceIdentifier", empty_ok=lenient)
    scope = properties.get("Scope")
    if scope is not None:
        if not isinstance(scope, dict):
            raise TemplateError(f"{path}.Scope: must be a mapping")
        _known_keys(scope, _SCOPE_KEYS, f"{path}.Scope", "a Scope property")
        types = scope.get("ComplianceResourceTypes", [])
        if not (isinstance(types, list) and all(isinstance(t, str) for t in types)):
            raise TemplateError(f"{path}.Scope.ComplianceResourceTypes: must be a list of resource types")
    if "InputParameters" in properties:
        properties["InputParameters"] = _input_parameters(properties["InputParameters"], path)
    frequency = properties.get("MaximumExecutionFrequency")
    if frequency is not None and frequency not in _FREQUENCIES:
        raise TemplateError(
            f"{path}.MaximumExecutionFrequency: must be one of {', '.join(_FREQUENCIES)}, not {frequency!r}"
        )
    return TemplateRule(logical_id, name, properties, tuple(controls or ()))


def _input_parameters(value: Any, path: str) -> dict[str, str]:
    """InputParameters as an object of strings (nested objects and lists become JSON text)."""
    path = f"{path}.InputParameters"
    if isinstance(value, str):
        try:
            value = plain(json.loads(value), path) if value.strip() else {}
        except ValueError:
            raise TemplateError(f"{path}: must be an object (or its JSON text)") from None
    if not isinstance(value, dict):
        raise TemplateError(f"{path}: must be an object of parameter values")
    return {
        key: item if isinstance(item, str) else "" if item is None else json.dumps(item)
        for key, item in value.items()
    }


def _remediation(
    logical_id: str, properties: Any, path: str, rules: Mapping[str, str], *, lenient: bool
) -> TemplateRemediation:
    """A resolved AWS::Config::RemediationConfiguration, checked as PutRemediationConfigurations would."""
    if not isinstance(properties, dict):
        raise TemplateError(f"{path}: must be a mapping of the resource's properties")
    _known_keys(
        properties, _REMEDIATION_PROPERTIES, path, "an AWS::Config::RemediationConfiguration property"
    )
    rule = _string(properties.get("ConfigRuleName"), f"{path}.ConfigRuleName", empty_ok=lenient)
    if rule not in rules and rule:
        raise TemplateError(f"{path}.ConfigRuleName: {rule!r} is not the name of a rule of the template")
    _string(properties.get("TargetId"), f"{path}.TargetId", empty_ok=lenient)
    if properties.get("TargetType") != "SSM_DOCUMENT":
        raise TemplateError(f"{path}.TargetType: must be SSM_DOCUMENT, not {properties.get('TargetType')!r}")
    for key in ("TargetVersion", "ResourceType"):
        if key in properties:
            _string(properties[key], f"{path}.{key}", empty_ok=lenient)
    parameters = properties.get("Parameters", {})
    if not isinstance(parameters, dict):
        raise TemplateError(f"{path}.Parameters: must be a mapping of SSM document parameters")
    for name, spec in parameters.items():
        _remediation_parameter(spec, f"{path}.Parameters.{name}")
    if "Automatic" in properties:
        properties["Automatic"] = _boolean(properties["Automatic"], f"{path}.Automatic")
    for key, high in (("MaximumAutomaticAttempts", 25), ("RetryAttemptSeconds", 2_678_000)):
        if key in properties:
            properties[key] = _integer(properties[key], f"{path}.{key}", 1, high)
    controls = properties.get("ExecutionControls")
    if controls is not None:
        ssm = controls.get("SsmControls", {}) if isinstance(controls, dict) else None
        if not isinstance(ssm, dict) or set(controls) - {"SsmControls"}:
            raise TemplateError(f"{path}.ExecutionControls: must be {{SsmControls: {{...}}}}")
        _known_keys(
            ssm,
            {"ConcurrentExecutionRatePercentage", "ErrorPercentage"},
            f"{path}.ExecutionControls.SsmControls",
            "an SsmControls property",
        )
        for key in list(ssm):
            ssm[key] = _integer(ssm[key], f"{path}.ExecutionControls.SsmControls.{key}", 1, 100)
    return TemplateRemediation(logical_id, rule, properties)


def _remediation_parameter(spec: Any, path: str) -> None:
    """One of {ResourceValue: {Value: RESOURCE_ID}} or {StaticValue: {Values: [strings]}}."""
    if not (
        isinstance(spec, dict) and len(spec) == 1 and next(iter(spec)) in ("ResourceValue", "StaticValue")
    ):
        raise TemplateError(
            f"{path}: must be {{ResourceValue: {{Value: RESOURCE_ID}}}} or {{StaticValue: {{Values: [...]}}}}"
        )
    if "ResourceValue" in spec:
        value = spec["ResourceValue"]
        if not (isinstance(value, dict) and value.get("Value") == "RESOURCE_ID"):
            raise TemplateError(f"{path}.ResourceValue: must be {{Value: RESOURCE_ID}}")
        return
    static = spec["StaticValue"]
    values = static.get("Values") if isinstance(static, dict) else None
    if not (isinstance(values, list) and all(isinstance(item, str) for item in values)):
        raise TemplateError(f"{path}.StaticValue.Values: must be a list of strings")


def _known_keys(mapping: Mapping[str, Any], known: frozenset[str] | set[str], path: str, what: str) -> None:
    for key in mapping:
        if key not in known:
            raise TemplateError(f"{path}.{key}: unknown property (not {what})")


def _string(value: Any, path: str, *, empty_ok: bool = False) -> str:
    """`value` if it is a string; an empty one only where a lenient render let a parameter go unset."""
    if not isinstance(value, str) or not (value or empty_ok):
        raise TemplateError(f"{path}: must be a non-empty string")
    return value


def _boolean(value: Any, path: str) -> bool:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TemplateError(f"{path}: must be true or false, not {value!r}")


def _integer(value: Any, path: str, low: int, high: int) -> int:
    if not (isinstance(value, str) and value.isascii() and value.isdigit() and low <= int(value) <= high):
        raise TemplateError(f"{path}: must be a whole number from {low} to {high}, not {value!r}")
    return int(value)
