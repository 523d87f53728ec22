"""The event a custom rule's function receives, key for key as AWS Config sends it.

`invokingEvent` and `ruleParameters` are JSON text (`"{}"` when the rule has none: older rules
`json.loads` it unconditionally). An item whose change notification would pass 256 KiB is sent as an
OversizedConfigurationItemChangeNotification carrying its summary; the function then reads the item
with GetResourceConfigHistory.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from roost.clock import iso_millis
from roost.compliance import ConfigRule
from roost.delivery.messages import SNS_MAX_MESSAGE_BYTES, change_notification, oversized_notification
from roost.functions.host import MAX_ASYNC_PAYLOAD
from roost.model import ConfigurationItem

EVENT_VERSION = "1.0"
SCHEDULED_RECORD_VERSION = "1.0"
ENVELOPE_ALLOWANCE = 8 * 1024
"""Room kept for the rest of the event (token, ARNs, rule parameters) around `invokingEvent`."""


def change_event(item: ConfigurationItem, *, now: datetime) -> dict[str, Any]:
    """A ConfigurationItemChangeNotification, or its oversized form for an item that is too large."""
    event = change_notification(item, now=now)
    # Too large for SNS, or too large once escaped into `invokingEvent` (as rule_event and the
    # invoker serialise it) for Lambda's asynchronous payload limit: the function gets the summary.
    fits_sns = len(json.dumps(event, separators=(",", ":")).encode()) <= SNS_MAX_MESSAGE_BYTES
    if fits_sns and len(json.dumps(json.dumps(event)).encode()) + ENVELOPE_ALLOWANCE <= MAX_ASYNC_PAYLOAD:
        return event
    return oversized_notification(item, s3_location="", error_code=None, error_message=None, now=now)


def scheduled_event(account_id: str, *, now: datetime) -> dict[str, Any]:
    return {
        "awsAccountId": account_id,
        "notificationCreationTime": iso_millis(now),
        "messageType": "ScheduledNotification",
        "recordVersion": SCHEDULED_RECORD_VERSION,
    }


def rule_event(
    rule: ConfigRule,
    invoking_event: dict[str, Any],
    *,
    result_token: str,
    execution_role_arn: str,
    event_left_scope: bool = False,
) -> dict[str, Any]:
    """The whole event passed to the function."""
    return {
        "version": EVENT_VERSION,
        "invokingEvent": json.dumps(invoking_event),
        "ruleParameters": rule.input_parameters or "{}",
        "resultToken": result_token,
        "eventLeftScope": event_left_scope,
        "executionRoleArn": execution_role_arn,
        "configRuleArn": rule.arn,
        "configRuleName": rule.name,
        "configRuleId": rule.rule_id,
        "accountId": rule.account_id,
        "evaluationMode": "DETECTIVE",
    }
