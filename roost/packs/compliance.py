"""A conformance pack's compliance: per rule, per resource, the pack's roll-up and its score.

AWS's definitions, and where roost is stricter so a pack never looks more compliant than it is:

- A rule is NON_COMPLIANT if any resource it judged is, COMPLIANT if it judged some and all are,
  else INSUFFICIENT_DATA (NOT_APPLICABLE results count for nothing).
- The pack is NON_COMPLIANT if any rule is; otherwise COMPLIANT if some rule is COMPLIANT (AWS: rules
  with insufficient data do not hold it back); INSUFFICIENT_DATA when no rule has data. roost adds one
  rule: a rule roost cannot evaluate (a managed rule it does not implement yet, a Guard policy rule)
  keeps the pack at INSUFFICIENT_DATA instead of COMPLIANT.
- The score is the percentage of compliant (rule, resource) pairs among all the pairs judged, as a
  string with two decimals ("INSUFFICIENT_DATA" when the rules roost evaluates judged none, as the
  pack's roll-up then is). A rule roost cannot evaluate adds the pairs it would have judged (the
  recorded resources of its types, at least one) to the pairs that are not compliant: roost does not
  know them to be compliant.
"""

from __future__ import annotations

from dataclasses import dataclass

from roost.compliance import ComplianceType, ConfigRule, Owner
from roost.packs.model import ConformancePack, PackRuleBinding
from roost.rules.catalog import catalog
from roost.rules.configuration import PROCESS_CHECK
from roost.rules.managed_rule import load_managed_rules
from roost.store import Store

INSUFFICIENT = "INSUFFICIENT_DATA"


def evaluates(rule: ConfigRule) -> bool:
    """Whether roost evaluates this rule (else it reports NotImplemented and stays without data)."""
    if rule.source.owner is Owner.CUSTOM_LAMBDA:
        return True
    if rule.source.owner is Owner.AWS:
        identifier = rule.source.source_identifier or ""
        return identifier == PROCESS_CHECK or identifier in load_managed_rules()
    return False  # CUSTOM_POLICY: roost does not run Guard policies yet


def rule_types(rule: ConfigRule) -> tuple[str, ...]:
    """The resource types a rule judges: its scope's, else its managed rule's (empty: account level)."""
    if rule.scope.resource_types:
        return rule.scope.resource_types
    if rule.source.owner is not Owner.AWS:
        return ()
    entry = catalog().get(rule.source.source_identifier or "")
    return entry.resource_types if entry is not None else ()


@dataclass(frozen=True)
class RuleCompliance:
    binding: PackRuleBinding
    rule: ConfigRule | None
    """None when the rule is missing (a deployment in progress or rolled back)."""
    compliance_type: ComplianceType
    compliant: int = 0
    non_compliant: int = 0
    evaluated: bool = True
    """False when roost cannot evaluate the rule."""

    @property
    def rule_name(self) -> str:
        return self.binding.rule_name


def rules_compliance(store: Store, pack: ConformancePack) -> list[RuleCompliance]:
    """Each of the pack's rules with its compliance, in the pack's order."""
    names = [b.rule_name for b in pack.rules]
    counts = store.evaluations.counts_by_rule(pack.source, rule_names=names) if names else {}
    rules = {r.name: r for r in store.rules.get_many(pack.source, names)}
    found: list[RuleCompliance] = []
    for binding in pack.rules:
        rule = rules.get(binding.rule_name)
        by_type = counts.get(binding.rule_name, {})
        compliant = by_type.get(ComplianceType.COMPLIANT, 0)
        non_compliant = by_type.get(ComplianceType.NON_COMPLIANT, 0)
        evaluated = rule is not None and evaluates(rule)
        if non_compliant:
            compliance = ComplianceType.NON_COMPLIANT
        elif compliant and evaluated:
            compliance = ComplianceType.COMPLIANT
        else:
            compliance = ComplianceType.INSUFFICIENT_DATA
        found.append(RuleCompliance(binding, rule, compliance, compliant, non_compliant, evaluated))
    return found


def pack_compliance(rules: list[RuleCompliance]) -> ComplianceType:
    types = {r.compliance_type for r in rules}
    if ComplianceType.NON_COMPLIANT in types:
        return ComplianceType.NON_COMPLIANT
    if any(not r.evaluated for r in rules):
        return ComplianceType.INSUFFICIENT_DATA
    if ComplianceType.COMPLIANT in types:
        return ComplianceType.COMPLIANT
    return ComplianceType.INSUFFICIENT_DATA


def score(store: Store, pack: ConformancePack, rules: list[RuleCompliance]) -> str:
    evaluated = [r for r in rules if r.evaluated]
    compliant = sum(r.compliant for r in evaluated)
    judged = sum(r.compliant + r.non_compliant for r in evaluated)
    if judged == 0:
        return INSUFFICIENT
    unevaluated = [r for r in rules if not r.evaluated]
    if unevaluated:
        counts = store.items.resource_counts(pack.source)
        for r in unevaluated:
            types = rule_types(r.rule) if r.rule is not None else ()
            judged += max(1, sum(counts.get(t, 0) for t in types))
    return f"{100 * compliant / judged:.2f}"
