"""Which rules run when, and on what: trigger kinds, periodic frequency and scope.

RuleEngine inherits these; they need only the managed-rule registry (`self.managed`).
"""

from __future__ import annotations

from roost.compliance import ConfigRule, ExecutionFrequency, MessageType, Owner
from roost.model import ConfigurationItem
from roost.registry import Registry
from roost.rules.catalog import catalog
from roost.rules.managed_rule import ManagedRule, Trigger

DEFAULT_FREQUENCY = ExecutionFrequency.TwentyFour_Hours


class RuleTriggers:
    managed: Registry[type[ManagedRule]]

    # --- what a rule is ----------------------------------------------------------------------

    def managed_class(self, rule: ConfigRule) -> type[ManagedRule] | None:
        identifier = rule.source.source_identifier or ""
        return self.managed.get(identifier) if identifier in self.managed else None

    def change_triggered(self, rule: ConfigRule) -> bool:
        if rule.source.owner is Owner.AWS:
            managed = self.managed_class(rule)
            if managed is not None:
                return Trigger.CONFIGURATION_CHANGE in managed.triggers
            entry = catalog().get(rule.source.source_identifier or "")
            return entry is not None and entry.change_triggered
        if rule.source.owner is Owner.CUSTOM_POLICY:
            return True
        return any(
            d.message_type
            in (MessageType.CONFIGURATION_ITEM_CHANGE, MessageType.OVERSIZED_CONFIGURATION_ITEM_CHANGE)
            for d in rule.source.source_details
        )

    def periodic_frequency(self, rule: ConfigRule) -> ExecutionFrequency | None:
        """How often a rule runs on schedule, or None if it has no periodic trigger."""
        if rule.source.owner is Owner.AWS:
            managed = self.managed_class(rule)
            periodic = (
                Trigger.PERIODIC in managed.triggers
                if managed is not None
                else bool((entry := catalog().get(rule.source.source_identifier or "")) and entry.periodic)
            )
            return (rule.maximum_execution_frequency or DEFAULT_FREQUENCY) if periodic else None
        for detail in rule.source.source_details:
            if detail.message_type is MessageType.SCHEDULED:
                return (
                    detail.maximum_execution_frequency
                    or rule.maximum_execution_frequency
                    or DEFAULT_FREQUENCY
                )
        return None

    def scope_types(self, rule: ConfigRule) -> tuple[str, ...]:
        """The types a rule looks at: its scope's, else the managed rule's own."""
        if rule.scope.resource_types:
            return rule.scope.resource_types
        managed = self.managed_class(rule)
        if managed is not None:
            return managed.resource_types
        return ()

    def in_scope(self, rule: ConfigRule, item: ConfigurationItem) -> bool:
        types = self.scope_types(rule)
        if types and item.resource_type not in types:
            return False
        return rule.scope.matches(item.resource_type, item.resource_id, item.tags)
