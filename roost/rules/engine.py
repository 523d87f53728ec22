"""The rule engine: which rules judge which items, and what becomes of their verdicts.

- A recorded item triggers every change-triggered rule of its source whose scope it is in. A
  ResourceDeleted item, or an item that left a rule's scope, turns the rule's result for that resource
  into NOT_APPLICABLE (so it drops out of the roll-ups), as AWS's managed rules do.
- Periodic rules run when their MaximumExecutionFrequency (default 24 hours) has passed; creating or
  updating a rule, and StartConfigRulesEvaluation, evaluate it at once.
- Results are stored one per (rule, resource), the newest ordering timestamp winning; the rule's
  evaluation status says when it last ran and how it went.
- A resource the rule could not read (the cloud refused a call it needed) is never left COMPLIANT:
  its result is removed (so it counts as INSUFFICIENT_DATA) and the error is in the status.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from roost.clock import Clock
from roost.cloud import CloudConnector
from roost.compliance import (
    ComplianceType,
    ConfigRule,
    EvaluationResult,
    MessageType,
    Owner,
    RuleEvaluationStatus,
    RuleState,
)
from roost.errors import CloudError
from roost.model import AccountRegion, CollectionError, ConfigurationItem, ItemStatus
from roost.rules.history import record_compliance_changes
from roost.rules.managed_rule import (
    InvalidParameterError,
    ManagedRule,
    RuleContext,
    Trigger,
    Verdict,
    load_managed_rules,
)
from roost.rules.triggers import RuleTriggers
from roost.store import Store

log = logging.getLogger(__name__)

NOT_RECORDED = (ItemStatus.RESOURCE_NOT_RECORDED, ItemStatus.RESOURCE_DELETED_NOT_RECORDED)

CustomInvoker = Callable[[ConfigRule, str, Sequence[tuple[ConfigurationItem, bool]] | None], None]
"""Runs a custom rule: (rule, message type, (item, left its scope) pairs for change triggers or None
for a scheduled run). It must not wait for the rule's function: the engine's lock is held."""


ResultListener = Callable[[AccountRegion, Sequence[EvaluationResult]], None]
"""Told of every stored result whose compliance changed (automatic remediation listens)."""


class RuleEngine(RuleTriggers):
    def __init__(self, store: Store, connector: CloudConnector, clock: Clock) -> None:
        self.store = store
        self.connector = connector
        self.clock = clock
        self.managed = load_managed_rules()
        self.custom_invokers: dict[Owner, CustomInvoker] = {}
        self.result_listeners: list[ResultListener] = []
        self._lock = threading.RLock()

    # --- running -----------------------------------------------------------------------------

    def handle_items(self, items: Sequence[ConfigurationItem]) -> None:
        """Run the change-triggered rules of each item's source (the recorder calls this)."""
        by_source: dict[AccountRegion, list[ConfigurationItem]] = {}
        for item in items:
            if item.status in NOT_RECORDED or item.resource_type.startswith("AWS::Config::"):
                continue
            by_source.setdefault(item.source, []).append(item)
        for source, source_items in by_source.items():
            for rule in self.store.rules.list(source):
                if rule.state in (RuleState.DELETING, RuleState.DELETING_RESULTS):
                    continue
                try:
                    with self._lock:
                        if self.change_triggered(rule):
                            self._on_change(rule, source_items)
                        else:
                            # A periodic rule is not run by a change, but a deleted resource must still
                            # drop out of its results (AWS's managed rules answer NOT_APPLICABLE).
                            self._on_deletions(rule, [i for i in source_items if i.status.is_deletion])
                except Exception as exc:  # one broken rule never stops the others
                    log.exception("rule %s failed", rule.name)
                    self._failed(rule, "InternalError", f"{type(exc).__name__}: {exc}")

    def _on_deletions(self, rule: ConfigRule, deleted: Sequence[ConfigurationItem]) -> None:
        if not deleted:
            return
        existing = self.store.evaluations.results_for_resources(
            AccountRegion(rule.account_id, rule.region),
            [(i.resource_type, i.resource_id) for i in deleted],
            rule_name=rule.name,
        )
        verdicts = [
            (
                Verdict(
                    ComplianceType.NOT_APPLICABLE, "The resource was deleted.", i.resource_type, i.resource_id
                ),
                i.capture_time,
            )
            for i in deleted
            if (i.resource_type, i.resource_id) in existing
        ]
        self._store(rule, verdicts, invoked=self.clock.now())

    def _on_change(self, rule: ConfigRule, items: Sequence[ConfigurationItem]) -> None:
        # Only the results of these items' resources matter (did one leave the scope?): found through
        # the resource index, never by reading every result of the rule.
        existing = set(
            self.store.evaluations.results_for_resources(
                AccountRegion(rule.account_id, rule.region),
                [(i.resource_type, i.resource_id) for i in items],
                rule_name=rule.name,
            )
        )
        judged: list[ConfigurationItem] = []
        gone: list[tuple[ConfigurationItem, str]] = []
        for item in items:
            if item.status.is_deletion:
                # Only resources the rule judged: a deletion elsewhere is none of its business.
                if (item.resource_type, item.resource_id) in existing:
                    gone.append((item, "The resource was deleted."))
            elif self.in_scope(rule, item):
                judged.append(item)
            elif (item.resource_type, item.resource_id) in existing:
                gone.append((item, "The resource is no longer in the rule's scope."))
        if not judged and not gone and rule.source.owner is Owner.AWS:
            return
        now = self.clock.now()
        verdicts = [
            (
                Verdict(ComplianceType.NOT_APPLICABLE, why, item.resource_type, item.resource_id),
                item.capture_time,
            )
            for item, why in gone
        ]
        # What left (deleted, out of scope) drops out whatever else happens: it needs no judgement,
        # so a rule that cannot judge (bad parameters, not implemented) still lets it go.
        self._store(rule, verdicts, invoked=now)
        if rule.source.owner is not Owner.AWS:
            # A custom rule's function gets every item of its scope, deletions included, and an item
            # that left the scope with eventLeftScope set: what it does with them is its own affair.
            events = [(i, False) for i in items if self.in_scope(rule, i)]
            events += [(i, True) for i, _ in gone if not i.status.is_deletion]
            if events:
                self._custom(rule, MessageType.CONFIGURATION_ITEM_CHANGE, events)
            return
        if not judged:
            return
        managed = self._managed_or_fail(rule)
        if managed is None:
            return
        self._judge(rule, managed, judged, [], invoked=now, periodic=False)

    def evaluate_rule(self, rule: ConfigRule) -> None:
        """Evaluate a rule now over what is recorded (on creation, update and StartConfigRulesEvaluation)."""
        with self._lock:
            current = self.store.rules.get(AccountRegion(rule.account_id, rule.region), rule.name)
            if current is None or current.rule_id != rule.rule_id:
                return  # deleted (or replaced) while it waited: its results must not come back
            rule = current
            try:
                self._evaluate_rule(rule)
            except Exception as exc:
                log.exception("rule %s failed", rule.name)
                self._failed(rule, "InternalError", f"{type(exc).__name__}: {exc}")
            finally:
                if rule.state is RuleState.EVALUATING:  # StartConfigRulesEvaluation's run is over
                    self.store.rules.set_state(rule, RuleState.ACTIVE)

    def _evaluate_rule(self, rule: ConfigRule) -> None:
        source = AccountRegion(rule.account_id, rule.region)
        now = self.clock.now()
        items = self._current_items(rule)
        if rule.source.owner is not Owner.AWS:
            if self.change_triggered(rule):
                self._custom(rule, MessageType.CONFIGURATION_ITEM_CHANGE, [(i, False) for i in items])
            if self.periodic_frequency(rule) is not None:
                self._custom(rule, MessageType.SCHEDULED, None)
            self.store.rules.mark_periodic_run(rule, now)
            return
        managed = self._managed_or_fail(rule)
        if managed is None:
            self.store.rules.mark_periodic_run(rule, now)  # not again every few seconds
            return
        periodic = self.periodic_frequency(rule) is not None and not self.change_triggered(rule)
        self._judge(rule, managed, items, [], invoked=now, periodic=periodic)
        self._drop_unjudged(rule, source, items, now)
        self.store.rules.mark_periodic_run(rule, now)

    def _drop_unjudged(
        self, rule: ConfigRule, source: AccountRegion, items: Sequence[ConfigurationItem], now: datetime
    ) -> None:
        """A full run judged every current resource in scope: a result for any other resource (gone,
        or outside a scope the rule was narrowed to) is NOT_APPLICABLE now, as AWS's managed rules say."""
        judged = {(i.resource_type, i.resource_id) for i in items}
        left = [
            r
            for r in self.store.evaluations.results(source, rule_names=[rule.name])
            if (r.resource_type, r.resource_id) not in judged
            and r.resource_type != "AWS::::Account"  # account-level answers are not per resource
            and r.compliance_type is not ComplianceType.NOT_APPLICABLE
        ]
        why = "The resource is no longer recorded in the rule's scope."
        self._store(
            rule,
            [
                (Verdict(ComplianceType.NOT_APPLICABLE, why, r.resource_type, r.resource_id), now)
                for r in left
            ],
            invoked=now,
        )

    def run_due_periodic(self) -> int:
        """Run every periodic rule whose frequency has passed, and every rule that never ran in full
        (one another process created or asked to evaluate, e.g. `roost rules put`); how many ran."""
        ran = 0
        now = self.clock.now()
        for rule in self.store.rules.list():
            if rule.state is not RuleState.ACTIVE:
                continue
            frequency = self.periodic_frequency(rule)
            last = self.store.rules.last_periodic_run(rule)
            if last is not None and (frequency is None or now - last < timedelta(seconds=frequency.seconds)):
                continue
            self.evaluate_rule(rule)
            ran += 1
        return ran

    # --- judging -----------------------------------------------------------------------------

    def _current_items(self, rule: ConfigRule) -> list[ConfigurationItem]:
        source = AccountRegion(rule.account_id, rule.region)
        managed = self.managed_class(rule)
        if managed is not None and not managed.resource_types and not rule.scope.resource_types:
            return []  # an account-level rule: it asks the cloud, not the inventory
        found: list[ConfigurationItem] = []
        for resource_type in self.scope_types(rule) or self._all_types(source):
            current = self.store.items.discovered(source, resource_type)
            keys = [r.key for r in current if r.status not in NOT_RECORDED]
            items = self.store.items.latest_items(source, keys)
            found.extend(i for i in items.values() if self.in_scope(rule, i))
        return sorted(found, key=lambda i: (i.resource_type, i.resource_id))

    def _all_types(self, source: AccountRegion) -> list[str]:
        return sorted(
            t for t in self.store.items.resource_counts(source) if not t.startswith("AWS::Config::")
        )

    def _managed_or_fail(self, rule: ConfigRule) -> type[ManagedRule] | None:
        managed = self.managed_class(rule)
        if managed is None:
            self._failed(
                rule,
                "NotImplemented",
                f"roost does not implement the managed rule {rule.source.source_identifier} yet; "
                "its compliance stays INSUFFICIENT_DATA.",
            )
        return managed

    def _judge(
        self,
        rule: ConfigRule,
        managed: type[ManagedRule],
        items: Sequence[ConfigurationItem],
        verdicts: list[tuple[Verdict, datetime]],
        *,
        invoked: datetime,
        periodic: bool,
    ) -> None:
        source = AccountRegion(rule.account_id, rule.region)
        try:
            params = managed.parse_parameters(rule.input_parameters)
        except InvalidParameterError as exc:
            self._failed(rule, "InvalidParameterValueException", str(exc))
            return
        context = RuleContext(
            source=source,
            params=params,
            now=invoked,
            store=self.store,
            client_factory=lambda service: self.connector.client(source.account_id, source.region, service),
        )
        instance = managed()
        unreadable: list[tuple[str, str]] = []
        errors: list[CloudError] = []
        items, stale = self._split_stale(source, items)
        for item, failure in stale:
            # The recorder could not read this resource in its last collection: what is recorded may be
            # out of date, so the rule says nothing about it (INSUFFICIENT_DATA) rather than guess.
            unreadable.append((item.resource_type, item.resource_id))
            errors.append(
                CloudError(
                    failure.error_code, f"{item.resource_id} could not be recorded: {failure.error_message}"
                )
            )
        try:
            self._judge_all(
                instance, context, items, verdicts, errors, unreadable, periodic=periodic, invoked=invoked
            )
        except InvalidParameterError as exc:  # a parameter only the rule itself could check
            self._failed(rule, "InvalidParameterValueException", str(exc))
            return
        if unreadable:
            self.store.evaluations.delete(source, rule.name, unreadable)
        self._store(rule, verdicts, invoked=invoked)
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            self._failed(rule, first.code, f"{first.message}{more}", evaluated=bool(verdicts))
        else:
            self._succeeded(rule, invoked)

    def _split_stale(
        self, source: AccountRegion, items: Sequence[ConfigurationItem]
    ) -> tuple[list[ConfigurationItem], list[tuple[ConfigurationItem, CollectionError]]]:
        """Items whose resource (or whole type) failed its last collection, apart from the others."""
        failures = self.store.recorders.errors(source)
        if not failures:
            return list(items), []
        by_resource = {(f.resource_type, f.resource_id): f for f in failures if f.resource_id}
        by_type = {f.resource_type: f for f in failures if not f.resource_id}
        fresh: list[ConfigurationItem] = []
        stale: list[tuple[ConfigurationItem, CollectionError]] = []
        for item in items:
            failure = by_resource.get((item.resource_type, item.resource_id)) or by_type.get(
                item.resource_type
            )
            if failure is None:
                fresh.append(item)
            else:
                stale.append((item, failure))
        return fresh, stale

    @staticmethod
    def _judge_all(
        instance: ManagedRule,
        context: RuleContext,
        items: Sequence[ConfigurationItem],
        verdicts: list[tuple[Verdict, datetime]],
        errors: list[CloudError],
        unreadable: list[tuple[str, str]],
        *,
        periodic: bool,
        invoked: datetime,
    ) -> None:
        if periodic and type(instance).evaluate_periodic is not ManagedRule.evaluate_periodic:
            # An account-level rule: one call decides. If it fails, its last answer must not stand.
            try:
                verdicts += [(v, invoked) for v in instance.evaluate_periodic(context, items)]
            except CloudError as error:
                errors.append(error)
                unreadable.append(("AWS::::Account", context.source.account_id))
            return
        # Per resource (change-triggered, or periodic over each resource): a resource that cannot be
        # read loses its result; the others keep theirs.
        for item in items:
            try:
                found = instance.evaluate(item, context)
            except CloudError as error:
                errors.append(error)
                unreadable.append((item.resource_type, item.resource_id))
                continue
            for verdict in [found] if isinstance(found, Verdict) else found:
                verdicts.append(
                    (
                        Verdict(
                            verdict.compliance_type,
                            verdict.annotation,
                            verdict.resource_type or item.resource_type,
                            verdict.resource_id or item.resource_id,
                        ),
                        item.capture_time
                        if Trigger.CONFIGURATION_CHANGE in type(instance).triggers
                        else invoked,
                    )
                )

    def _custom(
        self, rule: ConfigRule, message_type: str, items: Sequence[tuple[ConfigurationItem, bool]] | None
    ) -> None:
        invoker = self.custom_invokers.get(rule.source.owner)
        if invoker is None:
            self._failed(rule, "NotImplemented", f"roost cannot run {rule.source.owner.value} rules yet.")
            return
        invoker(rule, message_type, items)

    # --- storing -----------------------------------------------------------------------------

    def _store(
        self, rule: ConfigRule, verdicts: Sequence[tuple[Verdict, datetime]], *, invoked: datetime
    ) -> None:
        if not verdicts:
            return
        source = AccountRegion(rule.account_id, rule.region)
        recorded = self.clock.now()
        results = [
            EvaluationResult(
                rule_name=rule.name,
                resource_type=str(verdict.resource_type),
                resource_id=str(verdict.resource_id),
                compliance_type=verdict.compliance_type,
                ordering_timestamp=ordering,
                result_recorded_time=recorded,
                config_rule_invoked_time=invoked,
                annotation=verdict.annotation[:256] if verdict.annotation else None,
            )
            for verdict, ordering in verdicts
        ]
        self.store_results(source, results)

    def store_results(self, source: AccountRegion, results: Sequence[EvaluationResult]) -> None:
        """Store results (PutEvaluations comes here too), record the compliance they change, and tell
        the result listeners (automatic remediation) which changed."""
        with self._lock:  # results and the compliance history they move are written by one thread at a time
            changed = self.store.evaluations.put(source, results)
            if changed:
                record_compliance_changes(self.store, source, changed, now=self.clock.now())
        for listener in self.result_listeners if changed else ():
            try:
                listener(source, changed)
            except Exception:  # a listener's failure is its own; the results are stored
                log.exception("result listener failed")

    def _succeeded(self, rule: ConfigRule, when: datetime) -> None:
        def change(status: RuleEvaluationStatus) -> RuleEvaluationStatus:
            return replace(
                status,
                last_successful_invocation_time=when,
                last_successful_evaluation_time=when,
                first_evaluation_started=True,
            )

        self.store.rules.update_status(AccountRegion(rule.account_id, rule.region), rule.name, change)

    def report_success(self, rule: ConfigRule, when: datetime) -> None:
        """Record a successful invocation of the rule (custom rules report theirs here)."""
        self._succeeded(rule, when)

    def report_failure(self, rule: ConfigRule, code: str, message: str) -> None:
        """Record a failed invocation: DescribeConfigRuleEvaluationStatus shows code and message."""
        self._failed(rule, code, message)

    def _failed(self, rule: ConfigRule, code: str, message: str, *, evaluated: bool = False) -> None:
        now = self.clock.now()

        def change(status: RuleEvaluationStatus) -> RuleEvaluationStatus:
            return replace(
                status,
                last_failed_invocation_time=now,
                last_failed_evaluation_time=now,
                last_successful_evaluation_time=now if evaluated else status.last_successful_evaluation_time,
                last_error_code=code,
                last_error_message=message[:1000],
                first_evaluation_started=True,
            )

        self.store.rules.update_status(AccountRegion(rule.account_id, rule.region), rule.name, change)
