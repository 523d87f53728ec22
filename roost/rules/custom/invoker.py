"""LambdaRuleInvoker: how the engine runs a CUSTOM_LAMBDA rule.

One invocation per item for change triggers (deletions included; an item that left the rule's scope
comes with eventLeftScope true), one per run for ScheduledNotification, each with a fresh result
token. Invocations are asynchronous, as AWS Config's are: the function reports through PutEvaluations
(which checks the token) while the engine goes on. A function that fails (raises, times out, runs
out of memory, crashes, cannot be found, or answers with an error document as rdklib's handlers do)
is written into the rule's evaluation status; other rules are not held up.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from roost.compliance import ConfigRule, MessageType
from roost.errors import FunctionError
from roost.functions.host import CANCELLED, FunctionHost
from roost.functions.model import Invocation
from roost.model import AccountRegion, ConfigurationItem, service_linked_role
from roost.rules import tokens
from roost.rules.custom.event import change_event, rule_event, scheduled_event

if TYPE_CHECKING:
    from roost.rules.engine import RuleEngine

log = logging.getLogger(__name__)


class LambdaRuleInvoker:
    def __init__(self, engine: RuleEngine, host: FunctionHost) -> None:
        self.engine = engine
        self.host = host

    def __call__(
        self, rule: ConfigRule, message_type: str, items: Sequence[tuple[ConfigurationItem, bool]] | None
    ) -> None:
        function = self.host.find_own(
            AccountRegion(rule.account_id, rule.region), rule.source.source_identifier or ""
        )
        if function is None:
            self.engine.report_failure(
                rule,
                "ResourceNotFoundException",
                f"The function {rule.source.source_identifier} does not exist: the rule cannot be evaluated.",
            )
            return
        now = self.engine.clock.now()
        role = self._execution_role(rule)
        events: list[dict[str, Any]] = []
        if message_type == MessageType.SCHEDULED:
            events.append(
                rule_event(
                    rule,
                    scheduled_event(rule.account_id, now=now),
                    result_token=tokens.issue(self.engine.store, rule, now),
                    execution_role_arn=role,
                )
            )
        else:
            # A rule gets only the message types its SourceDetails name (an oversized item goes only to
            # rules that asked for OversizedConfigurationItemChangeNotification, as in AWS).
            wanted = {
                str(getattr(d.message_type, "value", d.message_type)) for d in rule.source.source_details
            }
            for item, left_scope in items or ():
                invoking = change_event(item, now=now)
                if invoking["messageType"] not in wanted:
                    continue
                events.append(
                    rule_event(
                        rule,
                        invoking,
                        result_token=tokens.issue(self.engine.store, rule, now),
                        execution_role_arn=role,
                        event_left_scope=left_scope,
                    )
                )

        def done(invocation: Invocation) -> None:
            self._done(rule, invocation, now)

        for event in events:
            try:
                self.host.invoke_async(
                    function, json.dumps(event).encode(), trigger=f"config-rule/{rule.name}", on_done=done
                )
            except FunctionError as error:  # e.g. an event over the asynchronous payload limit
                self.engine.report_failure(rule, error.code, error.message)

    def _execution_role(self, rule: ConfigRule) -> str:
        recorder = self.engine.store.recorders.get(AccountRegion(rule.account_id, rule.region))
        return (
            recorder.role_arn
            if recorder is not None and recorder.role_arn
            else service_linked_role(rule.account_id)
        )

    def _done(self, rule: ConfigRule, invocation: Invocation, invoked: datetime) -> None:
        where = f" (request {invocation.request_id}; see `roost functions logs`)"
        if invocation.error_type == CANCELLED:
            # roost stopped before it ran: the rule is due again, so the next start runs it.
            self.engine.store.rules.mark_periodic_run(rule, None)
            return
        if invocation.failed:
            self.engine.report_failure(
                rule, invocation.error_type or "FunctionError", f"{invocation.error_message or ''}{where}"
            )
            return
        reported = _error_document(invocation.payload)
        if reported is not None:
            code, message = reported
            self.engine.report_failure(rule, code, f"{message}{where}")
            return
        self.engine.report_success(rule, invoked)


def _error_document(payload: bytes) -> tuple[str, str] | None:
    """The error a handler returned instead of raising (the RDK template's and rdklib's way)."""
    try:
        document = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    if document.get("customerErrorCode") or document.get("customerErrorMessage"):
        return (
            str(document.get("customerErrorCode") or "CustomerError"),
            str(document.get("customerErrorMessage") or document.get("customerErrorCode")),
        )
    if document.get("internalErrorMessage"):
        details = document.get("internalErrorDetails")
        message = str(document["internalErrorMessage"])
        return "InternalError", f"{message}: {details}" if details and details != message else message
    return None
