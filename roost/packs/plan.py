"""Planning a conformance pack deployment: the pack's template rendered, and every rule and
remediation configuration it asks for checked and named, before anything is written."""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from roost.compliance import Owner
from roost.errors import ApiError
from roost.packs.model import PACK_SERVICE, ConformancePack, PackRuleBinding, PackTemplate
from roost.packs.template import TemplateError, render_template
from roost.remediation.configuration import build_configuration
from roost.rules import configuration
from roost.rules.configuration import RuleRequest
from roost.store import Store

_ALPHABET = string.ascii_lowercase + string.digits


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_pack_id() -> str:
    return f"conformance-pack-{_random(12)}"


def deployed_rule_name(template_name: str) -> str:
    """AWS's name for a pack's rule: the template's name and a random suffix."""
    return f"{template_name}-conformance-pack-{_random(8)}"


def stack_name(name: str, pack_id: str) -> str:
    return f"awsconfigconforms-{name}-{pack_id}"


def template_invalid(message: str) -> ApiError:
    return ApiError("ConformancePackTemplateValidationException", message)


@dataclass(frozen=True)
class PackRequest:
    """PutConformancePack, as the caller gave it (the template already fetched when from S3)."""

    name: str
    template_body: str
    input_parameters: dict[str, str]
    template_s3_uri: str | None = None
    delivery_bucket: str | None = None
    delivery_prefix: str | None = None
    scope_tag_key: str | None = None
    scope_tag_value: str | None = None


@dataclass(frozen=True)
class Plan:
    rules: dict[str, RuleRequest]
    """Deployed rule name → what it must be."""
    bindings: tuple[PackRuleBinding, ...]
    remediations: tuple[dict[str, object], ...]
    """PutRemediationConfigurations' shape, ConfigRuleName the deployed name."""


def render(pack: ConformancePack) -> PackTemplate:
    """The pack's template rendered with its parameters (ConformancePackTemplateValidation if wrong)."""
    try:
        return render_template(
            pack.template_body,
            pack.input_parameters,
            account_id=pack.account_id,
            region=pack.region,
            stack_name=stack_name(pack.name, pack.pack_id),
        )
    except TemplateError as exc:
        raise template_invalid(str(exc)) from None


#: Checks a rendered resource against an API shape ("ConfigRule", "RemediationConfiguration"),
#: raising ApiError: the API's own input validation (lengths, types, enums), passed in from above.
ShapeCheck = Callable[[str, dict[str, Any]], None]


def plan_pack(
    store: Store,
    pack: ConformancePack,
    template: PackTemplate,
    *,
    function_exists: Callable[[str], bool] | None,
    check_shape: ShapeCheck | None = None,
) -> Plan:
    """What the pack must deploy, every part checked; nothing is written."""
    known = {b.template_name: b.rule_name for b in pack.rules}
    rules: dict[str, RuleRequest] = {}
    bindings: list[PackRuleBinding] = []
    names: dict[str, str] = {}
    for rule in template.rules:
        deployed = known.get(rule.name) or deployed_rule_name(rule.name)
        names[rule.name] = deployed
        raw = dict(rule.properties)
        raw["ConfigRuleName"] = deployed
        raw["InputParameters"] = json.dumps(raw.get("InputParameters") or {})
        if pack.scope_tag_key:  # a pack's Scope narrows every rule it deploys
            scope = dict(raw.get("Scope") or {})
            scope["TagKey"] = pack.scope_tag_key
            scope.pop("TagValue", None)
            if pack.scope_tag_value is not None:
                scope["TagValue"] = pack.scope_tag_value
            raw["Scope"] = scope
        place = f"Resources.{rule.logical_id}"
        try:
            if check_shape is not None:
                check_shape("ConfigRule", raw)
            request = configuration.rule_request(raw)
            configuration.check_request(request, any_identifier=True)
        except ApiError as exc:
            raise template_invalid(f"{place}: {exc.message}") from None
        except Exception as exc:  # any other shape a template can give is a template error, not a 500
            raise template_invalid(f"{place}: the rule is malformed ({type(exc).__name__}: {exc})") from None
        identifier = request.source.source_identifier or ""
        if (
            request.source.owner is Owner.CUSTOM_LAMBDA
            and function_exists
            and not function_exists(identifier)
        ):
            raise ApiError(
                "InsufficientPermissionsException",
                f"{place}: the AWS Lambda function {identifier} cannot be invoked. Deploy it to roost "
                "(`roost functions deploy`) or pass its ARN as the pack's parameter.",
            )
        rules[deployed] = request
        bindings.append(PackRuleBinding(rule.name, deployed, rule.controls))
    remediations: list[dict[str, object]] = []
    for remediation in template.remediations:
        raw = dict(remediation.properties)
        raw["ConfigRuleName"] = names[remediation.rule_name]
        try:
            if check_shape is not None:
                check_shape("RemediationConfiguration", raw)
            build_configuration(store, pack.source, raw, service=PACK_SERVICE, planned=True)
        except ApiError as exc:
            raise template_invalid(f"Resources.{remediation.logical_id}: {exc.message}") from None
        except Exception as exc:
            raise template_invalid(
                f"Resources.{remediation.logical_id}: the remediation configuration is malformed "
                f"({type(exc).__name__}: {exc})"
            ) from None
        remediations.append(raw)
    return Plan(rules, tuple(bindings), tuple(remediations))
