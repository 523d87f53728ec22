"""RemediationEngine: runs a rule's remediation on non-compliant resources, by hand or by itself.

- Manual (StartRemediationExecution, `roost remediate`): one execution per resource, queued and run
  on a small thread pool; a batch honours the configuration's ExecutionControls (at most
  ConcurrentExecutionRatePercentage of its resources at once; once more than ErrorPercentage have
  failed, the rest are not started).
- Automatic: a result that turns NON_COMPLIANT under a rule whose configuration is Automatic starts
  an execution at once (`on_results`, the rule engine's listener); `sweep` (every few seconds) starts
  those still NON_COMPLIANT whose last automatic attempt failed, spread over RetryAttemptSeconds.
  After MaximumAutomaticAttempts within that window roost stops, as AWS does, by putting a
  remediation exception on the resource. Remediation exceptions block automatic remediation; one
  run starts at most `max_automatic_per_run` executions.
- After an execution that succeeded, the resource is collected again at once (a targeted collection)
  and its rules re-evaluated, so compliance turns without waiting for the next poll.
- Every execution is stored with its steps and every cloud call it made (the audit record), and
  updated as it goes. After a restart, queued executions run; one that was in progress is marked
  FAILED (its calls so far are in its record): never lost, never run twice unawares.
- A dry run makes the document's reads and lists the writes it would make, changing nothing.
"""

from __future__ import annotations

import logging
import math
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from roost.clock import Clock
from roost.cloud import CloudConnector
from roost.compliance import ComplianceType, EvaluationResult
from roost.errors import CloudError
from roost.model import AccountRegion, ResourceKey
from roost.recorder.recorder import Recorder
from roost.registry import UnknownNameError
from roost.remediation.batch import Batch
from roost.remediation.document import (
    ASSUME_ROLE,
    Automation,
    AutomationDocument,
    ParameterError,
    StepFailed,
    load_documents,
)
from roost.remediation.model import (
    DEFAULT_CONCURRENT_RATE,
    DEFAULT_ERROR_PERCENTAGE,
    Execution,
    ExecutionState,
    RemediationConfiguration,
    RemediationException,
)
from roost.store import Store

log = logging.getLogger(__name__)

#: No progress this long: its process died (AWS-StopEC2Instance waits up to an hour in one step).
ABANDONED_AFTER = timedelta(hours=2)
STOPPED = "it was not run again (the calls it made are in its record)."
INTERRUPTED = f"roost stopped while this execution ran; {STOPPED}"

Reevaluate = Callable[[AccountRegion, str], None]
"""reevaluate(source, rule name): evaluate the rule again soon (after a remediation succeeded)."""


class RemediationEngine:
    def __init__(
        self,
        store: Store,
        connector: CloudConnector,
        clock: Clock,
        *,
        recorder: Recorder | None = None,
        reevaluate: Reevaluate | None = None,
        workers: int = 4,
        max_automatic_per_run: int = 25,
    ) -> None:
        self.store = store
        self.connector = connector
        self.clock = clock
        self.recorder = recorder
        self.reevaluate = reevaluate
        self.max_automatic_per_run = max_automatic_per_run
        self.documents = load_documents()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="roost-remediation")
        self._lock = threading.Lock()
        self._running: set[tuple[str, str, str, str, str]] = set()
        self._closed = False

    # --- configurations ----------------------------------------------------------------------

    def configuration(
        self, source: AccountRegion, rule_name: str, resource_type: str | None = None
    ) -> RemediationConfiguration | None:
        """The rule's configuration for a resource type: the type's own, else the one naming none."""
        found = self.store.remediation.configurations(source, [rule_name])
        exact = [c for c in found if c.resource_type == resource_type] if resource_type else []
        general = [c for c in found if not c.resource_type]
        chosen = exact or general or (found if resource_type is None else [])
        return chosen[0] if chosen else None

    def document(self, name: str) -> type[AutomationDocument]:
        return self.documents.get(name)

    # --- starting executions -----------------------------------------------------------------

    def start(
        self,
        source: AccountRegion,
        rule_name: str,
        keys: Sequence[ResourceKey],
        *,
        automatic: bool = False,
        attempt: int = 1,
    ) -> tuple[list[Execution], list[tuple[ResourceKey, str]]]:
        """Queue one execution per resource; (queued, [(key, why not)])."""
        queued: list[Execution] = []
        refused: list[tuple[ResourceKey, str]] = []
        for key in keys:
            config = self.configuration(source, rule_name, key.resource_type)
            if config is None:
                refused.append((key, f"The rule {rule_name} has no remediation for {key.resource_type}."))
                continue
            marker = (source.account_id, source.region, rule_name, key.resource_type, key.resource_id)
            with self._lock:  # check and claim in one step: two starts never both run one resource
                busy = marker in self._running or self._recorded_busy(source, rule_name, key)
                if not busy:
                    self._running.add(marker)
            if busy:
                refused.append((key, f"A remediation of {key.resource_id} is already in progress."))
                continue
            execution = self._new_execution(source, config, key, automatic=automatic, attempt=attempt)
            self.store.remediation.save_execution(execution)
            queued.append(execution)
        if queued:
            config = self.configuration(source, rule_name, queued[0].resource_type)
            self._submit_batch(queued, config)
        return queued, refused

    def dry_run(self, source: AccountRegion, rule_name: str, key: ResourceKey) -> Execution:
        """Run the document now without changing anything: the calls it would make are its record."""
        config = self.configuration(source, rule_name, key.resource_type)
        if config is None:
            raise CloudError(
                "NoSuchRemediationConfigurationException",
                f"The rule {rule_name} has no remediation configuration.",
            )
        execution = replace(
            self._new_execution(source, config, key, automatic=False, attempt=1), dry_run=True
        )
        return self._run(execution)

    def _new_execution(
        self,
        source: AccountRegion,
        config: RemediationConfiguration,
        key: ResourceKey,
        *,
        automatic: bool,
        attempt: int,
    ) -> Execution:
        now = self.clock.now()
        return Execution(
            execution_id=str(uuid.uuid4()),
            account_id=source.account_id,
            region=source.region,
            config_rule_name=config.config_rule_name,
            resource_type=key.resource_type,
            resource_id=key.resource_id,
            document=config.target_id,
            state=ExecutionState.QUEUED,
            invocation_time=now,
            last_updated_time=now,
            automatic=automatic,
            attempt=attempt,
        )

    def _recorded_busy(self, source: AccountRegion, rule_name: str, key: ResourceKey) -> bool:
        latest = self.store.remediation.executions(
            source, rule_name, resource=(key.resource_type, key.resource_id), limit=1
        )
        return bool(latest) and not latest[0].state.finished

    def _submit_batch(self, executions: list[Execution], config: RemediationConfiguration | None) -> None:
        rate = (config.concurrent_execution_rate_percentage if config else None) or DEFAULT_CONCURRENT_RATE
        errors = (config.error_percentage if config else None) or DEFAULT_ERROR_PERCENTAGE
        total = len(executions)
        concurrency = max(1, math.ceil(total * rate / 100))
        allowed_failures = math.floor(total * errors / 100)
        batch = Batch(list(executions), concurrency, allowed_failures)
        for _ in range(min(concurrency, total)):
            self._launch_next(batch)

    def _launch_next(self, batch: Batch) -> None:
        execution = batch.next()
        if execution is None:
            return
        if batch.stopped:
            self._finish(
                execution,
                ExecutionState.FAILED,
                f"Not started: more than {batch.allowed_failures} of the batch's {batch.total} executions "
                "failed (the configuration's ErrorPercentage).",
            )
            with self._lock:
                self._running.discard(_marker(execution))
            self._launch_next(batch)
            return

        def work() -> None:
            failed = True
            try:
                failed = self._run(execution).state is not ExecutionState.SUCCEEDED
            finally:  # whatever happened, the batch goes on
                batch.done(failed=failed)
                self._launch_next(batch)

        with self._lock:
            if self._closed:
                return
            self._running.add(_marker(execution))
        try:
            self._pool.submit(work)
        except RuntimeError:  # shut down meanwhile: it stays QUEUED and runs after the restart
            with self._lock:
                self._running.discard(_marker(execution))

    # --- running one -------------------------------------------------------------------------

    def _run(self, execution: Execution) -> Execution:
        source = AccountRegion(execution.account_id, execution.region)
        try:
            execution = self._save(execution, state=ExecutionState.IN_PROGRESS)
            config = self.configuration(source, execution.config_rule_name, execution.resource_type)
            if config is None:
                return self._finish(
                    execution, ExecutionState.FAILED, "The remediation configuration was deleted."
                )
            try:
                document = self.document(config.target_id)
                given = resolve_values(config, execution.resource_id)
                params = document.resolve(given)
            except (UnknownNameError, ParameterError) as exc:
                return self._finish(execution, ExecutionState.FAILED, str(exc))
            execution = replace(execution, parameters=given)
            role = str(params.get(ASSUME_ROLE) or "")
            if role and role.split(":")[4:5] != [source.account_id]:
                return self._finish(
                    execution, ExecutionState.FAILED, f"{role} is not a role of account {source.account_id}."
                )
            automation = Automation(self._clients(source, role), self.clock, dry_run=execution.dry_run)
            current = execution

            def progress(steps: Sequence[Any]) -> None:
                if not execution.dry_run:
                    self._save(replace(current, steps=tuple(steps), calls=tuple(automation.calls)))

            automation.on_step = progress
            try:
                document().run(automation, params)
            except StepFailed as exc:
                failed = replace(execution, steps=tuple(automation.steps), calls=tuple(automation.calls))
                return self._finish(failed, ExecutionState.FAILED, str(exc))
            done = replace(execution, steps=tuple(automation.steps), calls=tuple(automation.calls))
            finished = self._finish(done, ExecutionState.SUCCEEDED, None)
        except Exception as exc:  # a bug of a document or of roost: this execution fails, nothing else
            log.exception("remediation %s failed", execution.execution_id)
            return self._finish(
                execution, ExecutionState.FAILED, f"InternalError: {type(exc).__name__}: {exc}"
            )
        finally:
            with self._lock:
                self._running.discard(_marker(execution))
        if not execution.dry_run:
            self._after_success(source, finished)
        return finished

    def _clients(self, source: AccountRegion, role: str) -> Callable[[str], Any]:
        def client(service: str) -> Any:
            if role:
                return self.connector.client_as(source.account_id, source.region, service, role)
            return self.connector.client(source.account_id, source.region, service)

        return client

    def _after_success(self, source: AccountRegion, execution: Execution) -> None:
        """Collect the resource again now and let its rules judge it (not wait for the next pass)."""
        try:
            if self.recorder is not None:
                self.recorder.record_resource(
                    source, ResourceKey(execution.resource_type, execution.resource_id)
                )
            if self.reevaluate is not None:
                self.reevaluate(source, execution.config_rule_name)
        except Exception as error:  # it succeeded: its batch goes on, and the next pass records the resource
            log.warning(
                "could not re-record %s/%s: %s", execution.resource_type, execution.resource_id, error
            )

    def _save(self, execution: Execution, *, state: ExecutionState | None = None) -> Execution:
        updated = replace(execution, state=state or execution.state, last_updated_time=self.clock.now())
        if not updated.dry_run:
            self.store.remediation.save_execution(updated)
        return updated

    def _finish(self, execution: Execution, state: ExecutionState, error: str | None) -> Execution:
        finished = replace(execution, error_message=error)
        return self._save(finished, state=state) if not execution.dry_run else replace(finished, state=state)

    # --- automatic ---------------------------------------------------------------------------

    def on_results(self, source: AccountRegion, results: Sequence[EvaluationResult]) -> None:
        """The rule engine's listener: results that changed; NON_COMPLIANT ones may start a remediation."""
        flagged: dict[str, list[ResourceKey]] = {}
        for result in results:
            if result.compliance_type is ComplianceType.NON_COMPLIANT:
                flagged.setdefault(result.rule_name, []).append(
                    ResourceKey(result.resource_type, result.resource_id)
                )
        for rule_name, keys in flagged.items():
            self._automatic(source, rule_name, keys)

    def sweep(self) -> int:
        """Start automatic remediations still due (retries, and any a listener missed); how many."""
        now = self.clock.now()
        self.store.remediation.delete_expired_exceptions(now)
        self._fail_abandoned(now)
        started = 0
        for config in self.store.remediation.configurations():
            if not config.automatic:
                continue
            source = AccountRegion(config.account_id, config.region)
            results = self.store.evaluations.results(source, rule_names=[config.config_rule_name])
            keys = [
                ResourceKey(r.resource_type, r.resource_id)
                for r in results
                if r.compliance_type is ComplianceType.NON_COMPLIANT
                and (not config.resource_type or r.resource_type == config.resource_type)
            ]
            started += self._automatic(source, config.config_rule_name, keys, retries_only=True)
        return started

    def _fail_abandoned(self, now: datetime) -> None:
        """What a dead process left IN_PROGRESS (no progress for ABANDONED_AFTER) is FAILED."""
        with self._lock:
            mine = set(self._running)
        why = f"Its process stopped (no progress for {ABANDONED_AFTER}); {STOPPED}"
        for e in self.store.remediation.unfinished_executions():
            stale = e.state is ExecutionState.IN_PROGRESS and e.last_updated_time < now - ABANDONED_AFTER
            if stale and _marker(e) not in mine:  # written only if nobody has written it since
                failed = replace(e, state=ExecutionState.FAILED, error_message=why, last_updated_time=now)
                self.store.remediation.replace_execution_if_unchanged(
                    failed, last_updated=e.last_updated_time
                )

    def _automatic(
        self,
        source: AccountRegion,
        rule_name: str,
        keys: Sequence[ResourceKey],
        *,
        retries_only: bool = False,
    ) -> int:
        now = self.clock.now()
        excepted = {
            (e.resource_type, e.resource_id)
            for e in self.store.remediation.exceptions(source, rule_name, now=now)
        }
        due: list[tuple[ResourceKey, int]] = []
        for key in keys:
            config = self.configuration(source, rule_name, key.resource_type)
            if config is None or not config.automatic or (key.resource_type, key.resource_id) in excepted:
                continue
            attempt = self._next_attempt(source, config, key, now, retries_only=retries_only)
            if attempt is not None:
                due.append((key, attempt))
        started = 0
        for key, attempt in due[: self.max_automatic_per_run]:
            queued, _ = self.start(source, rule_name, [key], automatic=True, attempt=attempt)
            started += len(queued)
        if len(due) > self.max_automatic_per_run:
            log.warning(
                "rule %s: %d resources await automatic remediation; %d started now, the rest on later sweeps",
                rule_name,
                len(due),
                self.max_automatic_per_run,
            )
        return started

    def _next_attempt(
        self,
        source: AccountRegion,
        config: RemediationConfiguration,
        key: ResourceKey,
        now: datetime,
        *,
        retries_only: bool,
    ) -> int | None:
        """The attempt number to start now, or None (running, waiting to retry, or out of attempts)."""
        window = timedelta(seconds=config.retry_window_seconds)
        history = self.store.remediation.executions(
            source,
            config.config_rule_name,
            resource=(key.resource_type, key.resource_id),
            limit=config.attempts + 1,
        )
        if history and not history[0].state.finished:
            return None
        # A new NON_COMPLIANT result counts the failed attempts only (a fix that worked, undone by a new
        # change, is no reason to stop); the sweep, for a resource that stayed NON_COMPLIANT, counts
        # every attempt (one that "succeeded" yet fixed nothing must not run for ever).
        recent = [
            e
            for e in history
            if e.automatic
            and now - e.invocation_time < window
            and (retries_only or e.state is not ExecutionState.SUCCEEDED)
        ]
        if len(recent) >= config.attempts:
            self._give_up(source, config, key, len(recent))
            return None
        # A new NON_COMPLIANT result starts one at once; the sweep (retries, a resource that stayed
        # NON_COMPLIANT) spreads its attempts over the window: one per window / attempts at most.
        if recent and retries_only and now - recent[0].invocation_time < window / config.attempts:
            return None
        return len(recent) + 1

    def _give_up(
        self, source: AccountRegion, config: RemediationConfiguration, key: ResourceKey, tried: int
    ) -> None:
        self.store.remediation.put_exceptions(
            [
                RemediationException(
                    source.account_id,
                    source.region,
                    config.config_rule_name,
                    key.resource_type,
                    key.resource_id,
                    message=(
                        f"Automatic remediation stopped: {tried} attempts within "
                        f"{config.retry_window_seconds} seconds left the resource NON_COMPLIANT."
                    ),
                )
            ]
        )

    # --- lifecycle ---------------------------------------------------------------------------

    def resume(self) -> tuple[int, int]:
        """After a restart: run what was queued, fail what was in progress; (resumed, failed)."""
        resumed = failed = 0
        queued: list[Execution] = []
        for execution in self.store.remediation.unfinished_executions():
            if execution.state is ExecutionState.IN_PROGRESS:
                self._finish(execution, ExecutionState.FAILED, INTERRUPTED)
                failed += 1
            else:
                queued.append(execution)
        for execution in queued:
            source = AccountRegion(execution.account_id, execution.region)
            self._submit_batch([execution], self.configuration(source, execution.config_rule_name))
            resumed += 1
        return resumed, failed

    def in_progress(self, source: AccountRegion, rule_name: str) -> bool:
        return any(not e.state.finished for e in self.store.remediation.latest_executions(source, rule_name))

    def idle(self) -> bool:
        with self._lock:
            return not self._running

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)


def resolve_values(config: RemediationConfiguration, resource_id: str) -> dict[str, list[str]]:
    """The document parameters of a configuration for one resource (RESOURCE_ID filled in)."""
    given: dict[str, list[str]] = {}
    for name, value in config.parameters.items():
        if value.resource_value is not None:
            given[name] = [resource_id]
        elif value.static_values is not None:
            given[name] = list(value.static_values)
    return given


def _marker(execution: Execution) -> tuple[str, str, str, str, str]:
    return (
        execution.account_id,
        execution.region,
        execution.config_rule_name,
        execution.resource_type,
        execution.resource_id,
    )
