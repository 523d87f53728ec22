"""Retention: configuration history older than a source's retention period is deleted.

A source keeps the days its retention configuration says (PutRetentionConfiguration, 30 to 2557),
or AWS's default of 2557 days (7 years) without one. Every resource's latest item stays whatever
its age: it is the resource's current state. Roost runs `prune_history` every hour.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from roost.clock import Clock
from roost.model import AccountRegion
from roost.store import Store
from roost.store.retention import DEFAULT_RETENTION_DAYS

log = logging.getLogger(__name__)

#: How often `roost up` prunes.
PRUNE_INTERVAL_SECONDS = 3600.0


def prune_history(store: Store, clock: Clock, *, batch_size: int = 1000) -> dict[AccountRegion, int]:
    """Prune every source's history to its retention period; items deleted, per source pruned."""
    now = clock.now()
    days = {config.source: config.retention_period_in_days for config in store.retention.list()}
    sources = sorted(set(store.items.sources()) | set(days), key=lambda s: (s.account_id, s.region))
    pruned: dict[AccountRegion, int] = {}
    for source in sources:
        keep = days.get(source, DEFAULT_RETENTION_DAYS)
        deleted = store.items.prune_history(source, now - timedelta(days=keep), batch_size=batch_size)
        if deleted:
            pruned[source] = deleted
            log.info("retention %s: deleted %d items older than %d days", source, deleted, keep)
    return pruned
