"""The recorder: collect, compare with each resource's last item, write only what changed.

A pass over a source (account, region) collects every type its recorder covers. For each resource
the collected state's content hash is compared with the hash stored in the `resources` table, so an
unchanged account costs reads only. Changed resources get a new item (ResourceDiscovered, OK,
ResourceNotRecorded) with its diff; resources that vanished from a complete listing get a
ResourceDeleted item. Items are written in batches, each batch one transaction together with the
current-state rows it moves, so a kill at any moment leaves whole batches or nothing.

A pass is itself recorded (recording_passes); each type, once collected, is marked with the pass id.
A pass that was interrupted is resumed: only the types it had not finished are collected again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from roost.clock import Clock, SystemClock
from roost.cloud import CloudConnector
from roost.errors import CloudError, CloudUnreachableError
from roost.model import (
    AccountRegion,
    CollectionError,
    ConfigurationItem,
    ConfigurationRecorder,
    RecorderLastStatus,
    ResourceKey,
    ResourceState,
)
from roost.recorder.collector import CollectContext, Collector, ResourceFailure, load_collectors
from roost.recorder.recording_group import frequency_for, recorded_types
from roost.recorder.writer import ItemListener, ItemWriter, identity_only, internal_error
from roost.registry import Registry
from roost.store import Store

log = logging.getLogger(__name__)


ProgressCallback = Callable[[str, int], None]
"""Called as (resource_type, resources seen so far) while a type is collected."""


@dataclass
class TypeResult:
    resource_type: str
    seen: int = 0
    items_written: int = 0
    errors: list[CollectionError] = field(default_factory=list)
    failed: bool = False
    """True when the type could not be listed at all (nothing of it was marked deleted)."""


@dataclass
class PassResult:
    source: AccountRegion
    pass_id: int | None
    types: list[TypeResult] = field(default_factory=list)
    resumed: bool = False
    aborted: CloudError | None = None
    """Set when the source could not be reached at all; the pass is resumed next time."""

    @property
    def items_written(self) -> int:
        return sum(t.items_written for t in self.types)

    @property
    def errors(self) -> list[CollectionError]:
        return [e for t in self.types for e in t.errors]


class Recorder:
    def __init__(
        self,
        store: Store,
        connector: CloudConnector,
        *,
        clock: Clock | None = None,
        collectors: Registry[type[Collector]] | None = None,
        batch_size: int = 500,
        discover_unrecorded: bool = False,
    ) -> None:
        self.store = store
        self.connector = connector
        self.clock: Clock = clock or SystemClock()
        self.collectors = collectors if collectors is not None else load_collectors()
        self.batch_size = batch_size
        self.discover_unrecorded = discover_unrecorded
        self.listeners: list[ItemListener] = []
        self.writer = ItemWriter(store, self.clock, self.listeners)
        self._locks: dict[AccountRegion, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # --- planning --------------------------------------------------------------------------

    def plan(self, recorder: ConfigurationRecorder) -> dict[str, bool]:
        """Every type collected in the recorder's source, and whether it is recorded (or only discovered).

        Global types are collected only in the account's global region, once per account. Types
        outside the recording group are collected only with `discover_unrecorded` (AWS discovers them
        as ResourceNotRecorded; roost leaves them alone by default, so that a least-privilege role or
        an exclusion list keeps it away from services the user did not ask to record).
        """
        account = self.connector.account(recorder.account_id)
        collectable = [
            name
            for name, collector in self.collectors.items()
            if not collector.global_resource or recorder.region == account.global_region
        ]
        recorded = recorded_types(recorder.recording_group, collectable)
        return {
            name: name in recorded for name in collectable if self.discover_unrecorded or name in recorded
        }

    def _lock(self, source: AccountRegion) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(source, threading.Lock())

    def context(self, source: AccountRegion) -> CollectContext:
        def factory(service: str) -> object:
            return self.connector.client(source.account_id, source.region, service)

        return CollectContext(source=source, client_factory=factory)

    # --- passes ----------------------------------------------------------------------------

    def record_pass(
        self,
        source: AccountRegion,
        *,
        resource_types: Iterable[str] | None = None,
        progress: ProgressCallback | None = None,
    ) -> PassResult:
        """Collect every planned type of the source (or just `resource_types`), resuming a cut pass."""
        recorder = self.store.recorders.get(source)
        if recorder is None:
            raise CloudError("NoAvailableConfigurationRecorder", f"no configuration recorder in {source}")
        plan = self.plan(recorder)
        wanted = list(plan) if resource_types is None else [t for t in resource_types if t in plan]
        with self._lock(source):
            last = self.store.recorders.last_pass(source)
            result: PassResult
            if last is not None and last.finished_time is None:
                # A pass was cut short (killed, or the cloud became unreachable): finish it first,
                # collecting only the types it had not finished, then whatever else was asked for.
                done = {
                    t
                    for t, (_, pass_id) in self.store.recorders.collections(source).items()
                    if pass_id == last.id
                }
                todo = [t for t in last.resource_types if t in plan and t not in done]
                todo += [t for t in wanted if t not in todo and t not in done]
                result = PassResult(source, last.id, resumed=True)
            else:
                pass_id = self.store.recorders.start_pass(source, wanted, now=self.clock.now())
                todo = wanted
                result = PassResult(source, pass_id)
            try:
                for resource_type in todo:
                    try:
                        type_result = self._record_type(
                            recorder,
                            resource_type,
                            recorded=plan[resource_type],
                            pass_id=result.pass_id,
                            progress=progress,
                        )
                    except CloudUnreachableError as error:
                        result.aborted = error
                        break
                    except Exception as exc:
                        # A bug or an API answer no collector expected: this type fails, the pass goes on.
                        log.exception("collecting %s in %s failed", resource_type, source)
                        type_result = TypeResult(resource_type, failed=True)
                        type_result.errors.append(self._error(resource_type, None, internal_error(exc)))
                        self.store.recorders.replace_errors(source, resource_type, type_result.errors)
                    result.types.append(type_result)
            finally:
                self._finish(recorder, result)
        return result

    def _finish(self, recorder: ConfigurationRecorder, result: PassResult) -> None:
        now = self.clock.now()
        recorders = self.store.recorders
        if result.aborted is not None:
            recorders.set_last_status(
                recorder.source,
                recorder.name,
                RecorderLastStatus.FAILURE,
                now=now,
                error_code=result.aborted.code,
                error_message=result.aborted.message,
            )
            return
        assert result.pass_id is not None
        errors = result.errors
        recorders.finish_pass(
            result.pass_id, now=now, items_written=result.items_written, error_count=len(errors)
        )
        if errors:
            first = errors[0]
            where = first.resource_type + (f" {first.resource_id}" if first.resource_id else "")
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            recorders.set_last_status(
                recorder.source,
                recorder.name,
                RecorderLastStatus.FAILURE,
                now=now,
                error_code=first.error_code,
                error_message=f"{where}: {first.error_message}{more}",
            )
        else:
            recorders.set_last_status(recorder.source, recorder.name, RecorderLastStatus.SUCCESS, now=now)

    def record_type(
        self, source: AccountRegion, resource_type: str, *, progress: ProgressCallback | None = None
    ) -> TypeResult:
        """Collect one type of a source now, outside any pass."""
        recorder = self.store.recorders.get(source)
        if recorder is None:
            raise CloudError("NoAvailableConfigurationRecorder", f"no configuration recorder in {source}")
        plan = self.plan(recorder)
        if resource_type not in plan:
            raise CloudError("ResourceTypeNotCollected", f"{resource_type} is not collected in {source}")
        with self._lock(source):
            return self._record_type(
                recorder, resource_type, recorded=plan[resource_type], pass_id=None, progress=progress
            )

    def _record_type(
        self,
        recorder: ConfigurationRecorder,
        resource_type: str,
        *,
        recorded: bool,
        pass_id: int | None,
        progress: ProgressCallback | None,
    ) -> TypeResult:
        source = recorder.source
        collector = self.collectors.get(resource_type)()
        frequency = frequency_for(recorder.recording_mode, resource_type)
        result = TypeResult(resource_type)
        current = self.store.items.current_states(source, resource_type)
        seen: set[str] = set()
        pending: list[ResourceState] = []

        def flush(states: list[ResourceState]) -> int:
            return self.writer.write(
                source,
                current,
                states,
                frequency,
                recorded=recorded,
                global_resource=collector.global_resource,
            )

        try:
            for found in collector.collect(self.context(source)):
                if found.resource_id in seen:
                    continue  # a paginated listing of a changing set can repeat an entry
                result.seen += 1
                seen.add(found.resource_id)
                if isinstance(found, ResourceFailure):
                    result.errors.append(self._error(resource_type, found.resource_id, found.error))
                else:
                    state = found if recorded else identity_only(found)
                    if self.writer.changed(current.get(state.resource_id), state, recorded=recorded):
                        pending.append(state)
                        if len(pending) >= self.batch_size:
                            result.items_written += flush(pending)
                            pending = []
                if progress is not None:
                    progress(resource_type, result.seen)
        except CloudUnreachableError:
            if pending:
                result.items_written += flush(pending)
            raise
        except CloudError as error:
            result.failed = True
            result.errors.append(self._error(resource_type, None, error))
        if pending:
            result.items_written += flush(pending)
        if not result.failed:
            gone = [r for r in current.values() if r.resource_id not in seen and not r.is_deleted]
            result.items_written += self.writer.write_deletions(
                source, gone, global_resource=collector.global_resource
            )
            self.store.recorders.mark_collected(source, resource_type, now=self.clock.now(), pass_id=pass_id)
        self.store.recorders.replace_errors(source, resource_type, result.errors)
        return result

    # --- one resource ----------------------------------------------------------------------

    def record_resource(self, source: AccountRegion, key: ResourceKey) -> ConfigurationItem | None:
        """Collect one resource now (remediation and change events use this).

        Returns the item written, or None when nothing changed. Raises CloudError when the
        resource could not be read.
        """
        recorder = self.store.recorders.get(source)
        if recorder is None:
            raise CloudError("NoAvailableConfigurationRecorder", f"no configuration recorder in {source}")
        plan = self.plan(recorder)
        if key.resource_type not in plan:
            raise CloudError("ResourceTypeNotCollected", f"{key.resource_type} is not collected in {source}")
        collector = self.collectors.get(key.resource_type)()
        frequency = frequency_for(recorder.recording_mode, key.resource_type)
        with self._lock(source):
            found = collector.collect_one(self.context(source), key.resource_id)
            if isinstance(found, ResourceFailure):
                raise found.error
            previous = self.store.items.current_state(source, key)
            current = {key.resource_id: previous} if previous is not None else {}
            before = self.store.items.latest_item(source, key) if previous is not None else None
            if found is None:
                if previous is None or previous.is_deleted:
                    return None
                self.writer.write_deletions(source, [previous], global_resource=collector.global_resource)
            else:
                state = found if plan[key.resource_type] else identity_only(found)
                if not self.writer.changed(previous, state, recorded=plan[key.resource_type]):
                    return None
                self.writer.write(
                    source,
                    current,
                    [state],
                    frequency,
                    recorded=plan[key.resource_type],
                    global_resource=collector.global_resource,
                )
            after = self.store.items.latest_item(source, key)
            return after if after != before else None

    def _error(self, resource_type: str, resource_id: str | None, error: CloudError) -> CollectionError:
        return CollectionError(
            resource_type=resource_type,
            resource_id=resource_id,
            error_code=error.code,
            error_message=error.message,
            time=self.clock.now(),
        )


__all__ = ["ItemListener", "PassResult", "Recorder", "TypeResult"]
