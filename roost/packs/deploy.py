"""Deploying, updating and deleting conformance packs, with AWS's semantics.

A deployment is a reconciliation: the rules and remediation configurations the rendered template asks
for are made to exist (named `<ConfigRuleName>-conformance-pack-<random>`, created by
config-conforms.amazonaws.com, so users cannot change or delete them on their own), and those the pack
deployed before that the template no longer has are removed. A rule whose definition did not change is
left alone (its results stay); only new and changed rules are evaluated again.

Everything checkable is checked before anything is written: a template or rule that is wrong is
ConformancePackTemplateValidationException and nothing is stored. The rule names a deployment will
use are stored with the pack (state *_IN_PROGRESS, held by this process: roost.packs.lease) before
any rule is created, so a crash midway leaves nothing unowned: once the lease has run out, `resume`
(`roost up` runs it every half minute) or the next deployment or deletion of the pack finishes the
work (or, failing that, rolls it back). A failure while applying rolls back what was applied
(CREATE_FAILED: the pack's rules are removed; UPDATE_FAILED: the previous template is put back),
with the reason in DescribeConformancePackStatus.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from roost.compliance import ConfigRule
from roost.errors import ApiError
from roost.model import AccountRegion
from roost.packs.lease import PROCESS, Lease, LeaseLost, busy_here, in_use, working_on
from roost.packs.model import (
    PACK_SERVICE,
    ConformancePack,
    PackRuleBinding,
    PackState,
)
from roost.packs.plan import (
    PackRequest,
    Plan,
    ShapeCheck,
    new_pack_id,
    plan_pack,
    render,
)
from roost.remediation.configuration import build_configuration
from roost.rules import configuration
from roost.store import Store

__all__ = ["MAX_PACKS", "PackRequest", "delete_pack", "new_pack_id", "put_pack", "render", "resume"]

log = logging.getLogger(__name__)

#: Conformance packs per account and region (AWS's limit).
MAX_PACKS = 50


def put_pack(
    store: Store,
    source: AccountRegion,
    request: PackRequest,
    *,
    now: datetime,
    function_exists: Callable[[str], bool] | None = None,
    check_shape: ShapeCheck | None = None,
) -> tuple[ConformancePack, list[ConfigRule]]:
    """Create or update a pack; returns it and the rules to evaluate (the new and changed ones).

    Raises ApiError: ConformancePackTemplateValidation (nothing stored), ResourceInUse (a deployment
    of it is in progress), MaxNumberOfConformancePacksExceeded, InsufficientPermissions (a rule's
    function is not hosted). A failure while applying does not raise: the pack is *_FAILED, rolled
    back, with the reason."""
    interrupted = _finish_interrupted(store, source, request.name, now=now)
    with working_on(source, request.name):
        done, changed = _put(store, source, request, now, function_exists, check_shape)
    return done, [*interrupted, *changed]


def _put(
    store: Store,
    source: AccountRegion,
    request: PackRequest,
    now: datetime,
    function_exists: Callable[[str], bool] | None,
    check_shape: ShapeCheck | None,
) -> tuple[ConformancePack, list[ConfigRule]]:
    existing = store.packs.get(source, request.name)
    if existing is not None and existing.state.in_progress:
        raise in_use(request.name)
    # A pack whose creation failed deployed nothing: putting it again creates it.
    creating = existing is None or existing.state is PackState.CREATE_FAILED
    lease = Lease(store, source, request.name, now)
    pack = ConformancePack(
        account_id=source.account_id,
        region=source.region,
        name=request.name,
        pack_id=existing.pack_id if existing is not None else new_pack_id(),
        state=PackState.CREATE_IN_PROGRESS if creating else PackState.UPDATE_IN_PROGRESS,
        template_body=request.template_body,
        template_s3_uri=request.template_s3_uri,
        input_parameters=dict(request.input_parameters),
        delivery_bucket=request.delivery_bucket,
        delivery_prefix=request.delivery_prefix,
        scope_tag_key=request.scope_tag_key,
        scope_tag_value=request.scope_tag_value,
        last_update_requested=now,
        rules=existing.rules if existing is not None else (),
        remediations=existing.remediations if existing is not None else (),
    )
    if store.recorders.get(source) is None:
        raise ApiError(
            "InsufficientPermissionsException",
            "A conformance pack needs a configuration recorder in its account and region: put one first "
            "(PutConfigurationRecorder).",
        )
    plan = plan_pack(store, pack, render(pack), function_exists=function_exists, check_shape=check_shape)
    claimed = store.packs.claim(
        replace(pack, lease_owner=PROCESS, lease_until=lease.until()), limit=MAX_PACKS
    )
    if claimed == "limit":
        raise ApiError(
            "MaxNumberOfConformancePacksExceededException",
            f"Failed to put conformance pack '{request.name}' because the maximum number of conformance "
            f"packs: {MAX_PACKS} is reached.",
        )
    if isinstance(claimed, str):
        raise in_use(request.name)
    return _apply(store, claimed, plan, lease, previous=None if creating else existing, now=now)


def _apply(
    store: Store,
    pack: ConformancePack,
    plan: Plan,
    lease: Lease,
    *,
    previous: ConformancePack | None,
    now: datetime,
) -> tuple[ConformancePack, list[ConfigRule]]:
    creating = pack.state is PackState.CREATE_IN_PROGRESS
    # Every rule name this deployment may touch belongs to the pack before any is created.
    owned = {b.rule_name: b for b in pack.rules}
    owned.update({b.rule_name: b for b in plan.bindings})
    store.packs.save(replace(pack, rules=tuple(owned.values()), lease_until=lease.until()))
    try:
        changed = _reconcile(store, pack.source, plan, lease, owned=set(owned), now=now)
    except LeaseLost:
        raise in_use(pack.name) from None  # another process has it now: touch nothing more
    except Exception as exc:  # anything else: the pack must end failed and rolled back, never stuck
        reason = exc.message if isinstance(exc, ApiError) else f"{type(exc).__name__}: {exc}"
        log.warning("conformance pack %s failed: %s", pack.name, reason)
        return _roll_back(store, pack, previous, owned, lease, reason=reason[:2000], now=now)
    done = replace(
        _released(pack),
        state=PackState.CREATE_COMPLETE if creating else PackState.UPDATE_COMPLETE,
        rules=plan.bindings,
        remediations=tuple(
            (str(r["ConfigRuleName"]), str(r["ResourceType"]) if r.get("ResourceType") else None)
            for r in plan.remediations
        ),
        last_update_completed=now,
        status_reason=None,
    )
    store.packs.save(done)
    return done, changed


def _reconcile(
    store: Store, source: AccountRegion, plan: Plan, lease: Lease, *, owned: set[str], now: datetime
) -> list[ConfigRule]:
    """Make the pack's rules and remediation configurations what the plan says (the lease renewed
    before each rule); returns the rules created or changed. Rules are created and changed before
    any is deleted, so a failure midway has removed nothing."""
    changed: list[ConfigRule] = []
    for name, request in plan.rules.items():
        before = store.rules.get(source, name)
        if before is not None and configuration.unchanged(before, request, service=PACK_SERVICE):
            continue  # left alone: not written again, not evaluated again (it may be evaluating now)
        lease.renew()
        rule, created = configuration.put_rule(
            store, source, request, now=now, service=PACK_SERVICE, any_identifier=True
        )
        if created or before is None or replace(before, state=rule.state) != rule:
            changed.append(rule)
    wanted_remediations = {
        (str(r["ConfigRuleName"]), str(r["ResourceType"]) if r.get("ResourceType") else None)
        for r in plan.remediations
    }
    for config in store.remediation.configurations(source, sorted(owned)):
        if config.created_by_service != PACK_SERVICE:
            continue  # not the pack's
        if (config.config_rule_name, config.resource_type) not in wanted_remediations:
            store.remediation.delete_configuration(source, config.config_rule_name, config.resource_type)
    for raw in plan.remediations:
        store.remediation.put_configuration(
            build_configuration(store, source, dict(raw), service=PACK_SERVICE)
        )
    for name in sorted(owned - set(plan.rules)):
        lease.renew()
        _delete_rule(store, source, name, now=now)
    return changed


def _delete_rule(store: Store, source: AccountRegion, name: str, *, now: datetime) -> None:
    """Delete a rule the pack created, with its remediation configurations; a rule of that name the
    pack did not create (a user's) is left alone. The pack is held while this runs, so a rule of it
    found DELETING was being deleted by a process that died: its deletion is finished."""
    rule = store.rules.get(source, name)
    if rule is None or rule.created_by != PACK_SERVICE:
        return
    for config in store.remediation.configurations(source, [name]):
        store.remediation.delete_configuration(source, name, config.resource_type)
    configuration.delete_rule(store, source, name, now=now, service=PACK_SERVICE, resume=True)


def _roll_back(
    store: Store,
    pack: ConformancePack,
    previous: ConformancePack | None,
    owned: dict[str, PackRuleBinding],
    lease: Lease,
    *,
    reason: str,
    now: datetime,
) -> tuple[ConformancePack, list[ConfigRule]]:
    """Undo a failed deployment: a new pack loses every rule it made (CREATE_FAILED); an update gets
    its `previous` template back (UPDATE_FAILED; the rules that puts back are returned, to be
    evaluated). When that is unknown (an update a stop interrupted) or fails too, the pack keeps
    every name it owns, so deleting it still cleans up."""
    if pack.state is PackState.CREATE_IN_PROGRESS:
        kept: list[PackRuleBinding] = []  # rules that could not be deleted stay the pack's
        for name in sorted(owned):
            try:
                _delete_rule(store, pack.source, name, now=now)
            except Exception:
                log.exception("rolling back conformance pack %s: rule %s", pack.name, name)
                kept.append(owned[name])
        failed = replace(
            _released(pack),
            state=PackState.CREATE_FAILED,
            rules=tuple(kept),
            remediations=(),
            status_reason=reason,
            last_update_completed=now,
        )
        store.packs.save(failed)
        return failed, []
    failed = replace(
        _released(pack),
        state=PackState.UPDATE_FAILED,
        rules=tuple(owned.values()),
        status_reason=reason,
        last_update_completed=now,
    )
    restored: list[ConfigRule] = []
    if previous is not None:
        try:
            plan = plan_pack(store, previous, render(previous), function_exists=None)
            restored = _reconcile(store, pack.source, plan, lease, owned=set(owned), now=now)
            failed = replace(
                failed,
                template_body=previous.template_body,
                template_s3_uri=previous.template_s3_uri,
                input_parameters=previous.input_parameters,
                rules=plan.bindings,
                remediations=previous.remediations,
            )
        except Exception as exc:
            log.exception("rolling back conformance pack %s", pack.name)
            failed = replace(failed, status_reason=f"{reason} (rolling back failed too: {exc})"[:2000])
    store.packs.save(failed)
    return failed, restored


def delete_pack(store: Store, source: AccountRegion, name: str, *, now: datetime) -> None:
    """Delete a pack with its rules, their results and remediation configurations."""
    _finish_interrupted(store, source, name, now=now)
    with working_on(source, name):
        lease = Lease(store, source, name, now)
        begun = store.packs.begin_delete(source, name, owner=PROCESS, until=lease.until())
        if begun == "missing":
            raise ApiError("NoSuchConformancePackException", f"Could not find conformance pack '{name}'.")
        if isinstance(begun, str):
            raise in_use(name)
        _finish_delete(store, begun, lease, now=now)


def _finish_delete(store: Store, pack: ConformancePack, lease: Lease, *, now: datetime) -> None:
    try:
        for binding in pack.rules:
            lease.renew()
            _delete_rule(store, pack.source, binding.rule_name, now=now)
    except LeaseLost:
        raise in_use(pack.name) from None
    except Exception as exc:
        reason = exc.message if isinstance(exc, ApiError) else f"{type(exc).__name__}: {exc}"
        store.packs.save(_released(replace(pack, state=PackState.DELETE_FAILED, status_reason=reason[:2000])))
        raise ApiError("ResourceInUseException", f"Deleting the conformance pack failed: {reason}") from None
    store.packs.delete(pack.source, pack.name)
    store.tags.remove_all(pack.source, pack.arn)  # a pack's tags go with it, whoever finishes it


def _released(pack: ConformancePack) -> ConformancePack:
    return replace(pack, lease_owner=None, lease_until=None)


def _finish_interrupted(store: Store, source: AccountRegion, name: str, *, now: datetime) -> list[ConfigRule]:
    """If the pack's last deployment or deletion was interrupted (its process died: the lease ran
    out), finish it now; the rules to evaluate."""
    pack = store.packs.get(source, name)
    if pack is None or not pack.state.in_progress or busy_here(source, name):
        return []
    if pack.lease_until is not None and pack.lease_until >= now:
        return []  # its process is (as far as anyone can tell) still at it
    with working_on(source, name):
        lease = Lease(store, source, name, now)
        if not store.packs.take_over(pack, owner=PROCESS, until=lease.until(), now=now):
            return []  # another process took it first
        try:
            return _finish(
                store, replace(pack, lease_owner=PROCESS, lease_until=lease.until()), lease, now=now
            )
        except ApiError as exc:  # ResourceInUse: it was taken over again meanwhile
            log.warning("conformance pack %s: %s", name, exc.message)
            return []


def _finish(store: Store, pack: ConformancePack, lease: Lease, *, now: datetime) -> list[ConfigRule]:
    log.info("finishing the interrupted %s of conformance pack %s", pack.state.value, pack.name)
    if pack.state is PackState.DELETE_IN_PROGRESS:
        _finish_delete(store, pack, lease, now=now)
        return []
    try:
        plan = plan_pack(store, pack, render(pack), function_exists=None)
    except ApiError as exc:
        owned = {b.rule_name: b for b in pack.rules}
        return _roll_back(store, pack, None, owned, lease, reason=exc.message, now=now)[1]
    done, _ = _apply(store, pack, plan, lease, previous=None, now=now)
    if done.state.value.endswith("_FAILED"):
        return []
    # Which rules the interrupted deployment made and evaluated is unknown: evaluate them all.
    return store.rules.get_many(pack.source, [b.rule_name for b in done.rules])


def resume(store: Store, *, now: datetime) -> list[ConfigRule]:
    """Finish the deployments and deletions whose process died (their lease ran out): `roost up`
    runs this at start and every half minute. Returns the rules to evaluate."""
    changed: list[ConfigRule] = []
    for pack in store.packs.unfinished(now):
        try:
            changed += _finish_interrupted(store, pack.source, pack.name, now=now)
        except Exception:  # one pack's trouble holds up no other
            log.exception("finishing conformance pack %s", pack.name)
    return changed
