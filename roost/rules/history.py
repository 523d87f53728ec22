"""Compliance history: AWS records every change of a resource's compliance as an
`AWS::Config::ResourceCompliance` configuration item; roost does the same, so a resource's compliance
timeline reads like any other history (GetResourceConfigHistory, `roost resources history`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from roost.compliance import ComplianceType, EvaluationResult, roll_up
from roost.model import AccountRegion, ConfigurationItem, ItemStatus, ResourceKey, ResourceState
from roost.recorder.diff import diff_states
from roost.recorder.writer import next_state_id
from roost.store import NewItem, Store

COMPLIANCE_TYPE = "AWS::Config::ResourceCompliance"


def compliance_resource_id(resource_type: str, resource_id: str) -> str:
    return f"{resource_type}/{resource_id}"


def record_compliance_changes(
    store: Store, source: AccountRegion, changed: Sequence[EvaluationResult], *, now: datetime
) -> list[ConfigurationItem]:
    """Write a ResourceCompliance item for each resource whose compliance the changed results moved."""
    targets = sorted({(r.resource_type, r.resource_id) for r in changed})
    rules = {rule.name: rule for rule in store.rules.list(source)}
    all_results = store.evaluations.results_for_resources(source, targets)
    keys = {t: ResourceKey(COMPLIANCE_TYPE, compliance_resource_id(*t)) for t in targets}
    current = {
        r.resource_id: r
        for start in range(0, len(targets), 500)
        for r in store.items.discovered(
            source,
            COMPLIANCE_TYPE,
            include_deleted=True,
            resource_ids=[keys[t].resource_id for t in targets[start : start + 500]],
        )
    }
    previous_items = store.items.latest_items(
        source, [keys[t] for t in targets if keys[t].resource_id in current]
    )
    batch: list[NewItem] = []
    for resource_type, resource_id in targets:
        results = sorted(all_results.get((resource_type, resource_id), []), key=lambda r: r.rule_name)
        rule_list = [
            {
                "configRuleArn": rules[r.rule_name].arn if r.rule_name in rules else None,
                "configRuleId": rules[r.rule_name].rule_id if r.rule_name in rules else None,
                "configRuleName": r.rule_name,
                "complianceType": r.compliance_type.value,
            }
            for r in results
            if r.compliance_type is not ComplianceType.NOT_APPLICABLE
        ]
        overall = roll_up([r.compliance_type for r in results])
        configuration = {
            "complianceType": overall.value,
            "configRuleList": rule_list,
            "targetResourceId": resource_id,
            "targetResourceType": resource_type,
        }
        key = keys[(resource_type, resource_id)]
        state = ResourceState(
            resource_type=key.resource_type, resource_id=key.resource_id, configuration=configuration
        )
        previous = current.get(key.resource_id)
        if previous is not None and previous.content_hash == state.content_hash():
            continue
        before = previous_items.get(key)
        item = ConfigurationItem(
            account_id=source.account_id,
            region=source.region,
            resource_type=key.resource_type,
            resource_id=key.resource_id,
            capture_time=now,
            status=ItemStatus.RESOURCE_DISCOVERED if previous is None else ItemStatus.OK,
            configuration_state_id=next_state_id(previous, now),
            aws_region=source.region,
            resource_name=key.resource_id,
            configuration=configuration,
            diff=diff_states(before.state() if before else None, state),
        )
        batch.append(NewItem(item, state.content_hash()))
    if batch:
        store.items.append(batch)
    return [n.item for n in batch]
