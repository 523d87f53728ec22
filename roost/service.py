"""The running roost: store, cloud, recorder, recording loop, delivery, rules and hosted functions,
wired together.

`roost up` builds one of these; tests and benchmarks build the parts they need directly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from roost.api.app import ConfigApi
from roost.api.auth import KeyPair, KeyRing
from roost.api.context import ApiServices
from roost.api.lambda_api import LambdaApi
from roost.api.server import HttpServer, build_app
from roost.api.sts import StsApi
from roost.clock import Clock, SystemClock
from roost.cloud import CloudConnector, describe_error
from roost.cloud.lab_seed import delivery_bucket_name
from roost.compliance import Owner
from roost.errors import CloudError
from roost.functions.host import FunctionHost
from roost.model import (
    AccountRegion,
    ConfigurationRecorder,
    DeliveryChannel,
    RecordingGroup,
    service_linked_role,
)
from roost.packs.deploy import resume as resume_packs
from roost.recorder.loop import RecordingLoop
from roost.recorder.recorder import Recorder
from roost.recorder.retention import PRUNE_INTERVAL_SECONDS, prune_history
from roost.remediation.engine import RemediationEngine
from roost.rules.custom.invoker import LambdaRuleInvoker
from roost.rules.engine import RuleEngine
from roost.rules.runner import RuleRunner
from roost.settings import Settings
from roost.store import Store
from roost.web.app import Dashboard

log = logging.getLogger(__name__)

REMEDIATION_SWEEP_SECONDS = 3.0
PACK_SWEEP_SECONDS = 30.0


class Ticker:
    """Calls `work` every `seconds` on a daemon thread until stopped; failures are logged, not raised."""

    def __init__(self, name: str, seconds: float, work: Callable[[], object]) -> None:
        self._work = work
        self._seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._work()
            except Exception:
                log.exception("%s failed", self._thread.name)
            self._stop.wait(self._seconds)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)


@dataclass
class SourceSetup:
    source: AccountRegion
    recorder_created: bool
    channel_created: bool
    bucket: str


class Roost:
    def __init__(self, settings: Settings, *, store: Store | None = None, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.store = store or Store.open(settings.db_url)
        self.connector = CloudConnector(settings.accounts)
        self.recorder = Recorder(
            self.store,
            self.connector,
            clock=self.clock,
            batch_size=settings.batch_size,
            discover_unrecorded=settings.discover_unrecorded_types,
        )
        self.loop = RecordingLoop(self.recorder, settings)
        from roost.delivery import Deliverer

        self.deliverer = Deliverer(
            self.store, self.connector, self.clock, history_interval_seconds=settings.history_interval_seconds
        )
        self.rules = RuleEngine(self.store, self.connector, self.clock)
        self.functions = FunctionHost(self.store, self.clock, self.connector)
        self.rules.custom_invokers[Owner.CUSTOM_LAMBDA] = LambdaRuleInvoker(self.rules, self.functions)
        self._reaper = Ticker("roost-function-reaper", 30.0, self.functions.pool.reap)
        self.remediation = RemediationEngine(
            self.store, self.connector, self.clock, recorder=self.recorder, reevaluate=self._reevaluate
        )
        # A result that turns NON_COMPLIANT under an automatic remediation starts it at once; the sweep
        # retries failures and picks up what is still NON_COMPLIANT.
        self.rules.result_listeners.append(self.remediation.on_results)
        self._remediation_sweep = Ticker(
            "roost-remediation", REMEDIATION_SWEEP_SECONDS, self.remediation.sweep
        )
        self.rule_runner = RuleRunner(self.rules)
        # Every committed batch of items goes to the change-triggered rules at once.
        self.recorder.listeners.append(self.rule_runner.submit)
        self._delivery_ticker = Ticker("roost-delivery", 2.0, self.deliverer.run_once)
        self._retention_ticker = Ticker("roost-retention", PRUNE_INTERVAL_SECONDS, self.prune_history)
        # Conformance pack deployments and deletions whose process died (their lease ran out) are
        # finished, or rolled back, here: at start and every half minute.
        self._packs_ticker = Ticker("roost-packs", PACK_SWEEP_SECONDS, self.finish_interrupted_packs)

    def ensure_recording(self, source: AccountRegion, *, bucket: str | None = None) -> SourceSetup:
        """Record everything in `source`, delivering to `bucket`, unless a recorder is already set up there.

        This is lab part 1, step 1, done for the user on the sandbox: a recorder of all supported
        types including global ones, a delivery channel to an S3 bucket (created if missing), started.
        """
        bucket = bucket or delivery_bucket_name(source.account_id)
        recorder_created = channel_created = False
        if self.store.recorders.get(source) is None:
            self.store.recorders.put(
                ConfigurationRecorder(
                    source.account_id,
                    source.region,
                    role_arn=service_linked_role(source.account_id),
                    recording_group=RecordingGroup(all_supported=True, include_global_resource_types=True),
                )
            )
            recorder_created = True
        channel = self.store.channels.get(source)
        if channel is None:
            s3 = self.connector.client(source.account_id, source.region, "s3")
            try:
                s3.head_bucket(Bucket=bucket)
            except Exception:
                try:
                    params = {"Bucket": bucket}
                    if source.region != "us-east-1":
                        params["CreateBucketConfiguration"] = {"LocationConstraint": source.region}  # type: ignore[assignment]
                    s3.create_bucket(**params)
                except Exception as exc:
                    error = describe_error(exc)
                    if error.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise error from None
            channel = DeliveryChannel(source.account_id, source.region, s3_bucket_name=bucket)
            self.deliverer.check_writable(channel)
            self.store.channels.put(channel, start_cursor=self.store.items.last_item_row_id())
            channel_created = True
        recorder = self.store.recorders.get(source)
        assert recorder is not None
        status = self.store.recorders.status(source, recorder.name)
        if status is not None and not status.recording:
            self.store.recorders.set_recording(source, recorder.name, recording=True, now=self.clock.now())
        return SourceSetup(source, recorder_created, channel_created, channel.s3_bucket_name)

    def check_sources(self) -> dict[AccountRegion, CloudError | None]:
        """Whether each configured (account, region) answers; one entry per source."""
        found: dict[AccountRegion, CloudError | None] = {}
        for account in self.settings.accounts:
            for region in account.regions:
                try:
                    self.connector.check(account.account_id, region)
                    found[AccountRegion(account.account_id, region)] = None
                except CloudError as error:
                    found[AccountRegion(account.account_id, region)] = error
        return found

    def prune_history(self) -> dict[AccountRegion, int]:
        """Delete history older than each source's retention period, then refresh the planner's
        statistics (runs at start and hourly)."""
        pruned = prune_history(self.store, self.clock)
        self.store.optimize()
        return pruned

    def serve_api(
        self,
        keys: Sequence[KeyPair],
        *,
        host: str = "127.0.0.1",
        port: int = 7700,
        permissive: bool = False,
        dashboard: bool = True,
    ) -> HttpServer:
        """Serve the Config, STS and Lambda APIs over this roost on host:port (0: a free port), started.

        One KeyRing for every API: the credentials STS hands out, and those hosted functions run with,
        are then accepted by the Config API.
        """
        services = ApiServices(
            store=self.store,
            clock=self.clock,
            recorder=self.recorder,
            deliverer=self.deliverer,
            recording_changed=self.loop.wake,
            rules=self.rules,
            evaluate_rule=self.rule_runner.evaluate_soon,
            connector=self.connector,
            functions=self.functions,
            remediation=self.remediation,
        )
        keyring = KeyRing(keys, permissive=permissive)
        config_api = ConfigApi(services, keyring)
        pages = (
            Dashboard(
                config_api,
                keyring,
                default_account=self.settings.accounts[0].account_id
                if self.settings.accounts
                else "123456789012",
                default_region=self.settings.accounts[0].regions[0]
                if self.settings.accounts
                else "us-east-1",
                # Off loopback, a person signs in with a key pair and sees only that key's account.
                sign_in_required=host not in ("127.0.0.1", "localhost", "::1"),
            ).routes()
            if dashboard
            else []
        )
        app = build_app(
            config_api,
            sts_api=StsApi(services, keyring),
            lambda_api=LambdaApi(services, keyring),
            pages=pages,
        )
        server = HttpServer(app, host=host, port=port)
        server.start()
        # Functions reach roost through loopback when it listens on every address.
        reachable = server.url.replace("://0.0.0.0:", "://127.0.0.1:").replace("://[::]:", "://127.0.0.1:")
        self.functions.serve(
            reachable, sts=True, grant=lambda key, secret, account: keyring.add(KeyPair(key, secret, account))
        )
        return server

    def finish_interrupted_packs(self) -> None:
        for rule in resume_packs(self.store, now=self.clock.now()):
            self.rule_runner.evaluate_soon(rule)

    def _reevaluate(self, source: AccountRegion, rule_name: str) -> None:
        """After a remediation: a periodic rule is evaluated again now (change-triggered rules already
        judge the item the targeted collection wrote)."""
        rule = self.store.rules.get(source, rule_name)
        if rule is not None and not self.rules.change_triggered(rule):
            self.rule_runner.evaluate_soon(rule)

    def start(self) -> None:
        self.remediation.resume()
        self._remediation_sweep.start()
        self.rule_runner.start()
        self._packs_ticker.start()
        self.loop.start()
        self._delivery_ticker.start()
        self._retention_ticker.start()
        self._reaper.start()

    def stop(self, *, close_store: bool = True) -> None:
        self.loop.stop()
        self._packs_ticker.stop()  # before the runner: what it finishes is evaluated there
        self._delivery_ticker.stop()
        self.rule_runner.stop()
        self._retention_ticker.stop()
        self._reaper.stop()
        self._remediation_sweep.stop()
        self.remediation.close()
        self.functions.close()
        if close_store:
            self.store.close()
