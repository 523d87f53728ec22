"""`roost packs check`: before deploying, which rules of a template roost evaluates and which not yet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from roost.packs.model import PackTemplate
from roost.packs.template import render_template
from roost.remediation.document import load_documents
from roost.rules.configuration import PROCESS_CHECK, known_identifier
from roost.rules.managed_rule import load_managed_rules


@dataclass(frozen=True)
class RuleSupport:
    name: str
    """The rule's name in the template (deployed with a suffix)."""
    owner: str
    identifier: str
    evaluated: bool
    """Whether roost evaluates it once deployed."""
    why: str


def _support(owner: str, identifier: str) -> tuple[bool, str]:
    if owner == "CUSTOM_LAMBDA":
        return True, "a custom rule: roost invokes the function (deploy it with `roost functions deploy`)"
    if owner == "CUSTOM_POLICY":
        return False, "a Guard policy rule: roost does not run Guard policies yet"
    if identifier == PROCESS_CHECK:
        return True, "a process check: its results come from PutExternalEvaluation"
    if identifier in load_managed_rules():
        return True, "a managed rule roost implements"
    if known_identifier(identifier):
        return False, "an AWS managed rule roost does not implement yet (INSUFFICIENT_DATA)"
    return False, "not an AWS managed rule roost knows of (it will report that it is not implemented)"


def check_template(
    body: str, parameters: Mapping[str, str], *, account_id: str, region: str
) -> tuple[PackTemplate, list[RuleSupport]]:
    """The template rendered leniently (parameters without a value are listed, not fatal) and, for
    each rule, whether roost evaluates it. Raises TemplateError when the template itself is wrong."""
    template = render_template(body, parameters, account_id=account_id, region=region, lenient=True)
    found = []
    for rule in template.rules:
        source = rule.properties.get("Source") or {}
        owner = str(source.get("Owner") or "")
        identifier = str(source.get("SourceIdentifier") or "")
        evaluated, why = _support(owner, identifier)
        found.append(RuleSupport(rule.name, owner, identifier, evaluated, why))
    return template, found


@dataclass(frozen=True)
class RemediationSupport:
    rule_name: str
    """The template name of the rule it remediates."""
    document: str
    runs: bool
    """Whether roost implements the automation document (else executions fail, saying so)."""


def remediation_support(template: PackTemplate) -> list[RemediationSupport]:
    """Each remediation configuration of a rendered template and whether roost runs its document."""
    documents = load_documents()
    return [
        RemediationSupport(
            r.rule_name, str(r.properties.get("TargetId") or ""), r.properties.get("TargetId") in documents
        )
        for r in template.remediations
    ]
