"""What a handler gets: the caller (account, region) and the services it may use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from roost.aggregator.sources import Aggregation
from roost.api.auth import Caller
from roost.clock import Clock
from roost.cloud import CloudConnector
from roost.compliance import ConfigRule
from roost.delivery import Deliverer
from roost.functions.host import FunctionHost
from roost.model import AccountRegion
from roost.recorder.recorder import Recorder
from roost.remediation.engine import RemediationEngine
from roost.rules.engine import RuleEngine
from roost.store import Store


def _nothing() -> None:
    return None


def _run_in_thread(work: Callable[[], object]) -> None:
    threading.Thread(target=work, name="roost-api-background", daemon=True).start()


@dataclass
class ApiServices:
    store: Store
    clock: Clock
    recorder: Recorder | None = None
    """Targeted collection and recording plans; None when the server records nothing itself."""
    deliverer: Deliverer | None = None
    """Bucket checks and snapshots; None when the server delivers nothing itself."""
    recording_changed: Callable[[], None] = field(default=_nothing)
    """Called after a recorder started, stopped or changed (wakes the recording loop)."""
    rules: RuleEngine | None = None
    """The rule engine: evaluates rules and stores results (PutEvaluations goes through it)."""
    evaluate_rule: Callable[[ConfigRule], None] | None = None
    """Evaluates a rule soon, in the background (after PutConfigRule, StartConfigRulesEvaluation);
    None means evaluate it in the request, through `rules`."""
    connector: CloudConnector | None = None
    """The cloud accounts roost reaches; STS calls are forwarded through it."""
    remediation: RemediationEngine | None = None
    """Runs remediations (StartRemediationExecution, automatic ones); None when this roost runs none."""
    run_soon: Callable[[Callable[[], object]], None] = field(default=_run_in_thread)
    """Runs work in the background, off the request (e.g. a remediation sweep)."""
    aggregation: Aggregation | None = None
    """Which sources aggregators cover (keeps organization member lists cached); made on demand
    from `store`, `clock` and `connector` when None."""
    functions: FunctionHost | None = None
    """Hosted functions (the Lambda-compatible API, custom rules); None when roost hosts none."""


@dataclass(frozen=True, slots=True)
class RequestContext:
    services: ApiServices
    caller: Caller
    operation: str

    @property
    def source(self) -> AccountRegion:
        """Everything a caller sees or changes is scoped by their account and region."""
        return AccountRegion(self.caller.account_id, self.caller.region)

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def clock(self) -> Clock:
        return self.services.clock
