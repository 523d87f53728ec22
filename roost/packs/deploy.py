"""Deploying, updating and deleting conformance packs, with AWS's semantics.

A deployment is a reconciliation: the rules and remediation configurations the rendered template asks
for are made to exist (named `<ConfigRuleName>-conformance-pack-<random>`, created by
config-conforms.amazonaws.com, so users cannot change or delete them on their own), and those the pack
deployed before that the template no longer has are removed. A rule whose definition did not change is
left alone (its results stay); only new and changed rules are evaluated again.

Everything checkable is checked before anything is written: a template or rule that is wrong is
ConformancePackTemplateValidationException and nothing is stored. The rule names a deployment will
use are stored with the pack (state *_IN_PROGRESS, leased to this process for LEASE) before any rule
is created, so a crash midway leaves nothing unowned: once the lease has run out, `resume` (`roost
up` runs it every half minute) or the next deployment or deletion of the pack finishes the work (or,
failing that, rolls it back). A failure
while applying rolls back what was applied (CREATE_FAILED: the pack's rules are removed; UPDATE_FAILED:
the previous template is put back), with the reason in DescribeConformancePackStatus.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from roost.compliance import ConfigRule, Owner
from roost.errors import ApiError
from roost.model import AccountRegion
from roost.packs.model import (
    PACK_SERVICE,
    ConformancePack,
    PackRuleBinding,
    PackState,
    PackTemplate,
)
from roost.packs.template import TemplateError, render_template
from roost.remediation.configuration import build_configuration
from roost.rules import configuration
from roost.rules.configuration import RuleRequest
from roost.store import Store

log = logging.getLogger(__name__)

#: Conformance packs per account and region (AWS's limit).
MAX_PACKS = 50
#: How long a deployment or deletion holds its pack: a deployment takes seconds, so a pack still in
#: progress after this was left by a process that died, and another process finishes it.
LEASE = timedelta(minutes=2)
#: This process, as the owner of the packs it deploys.
PROCESS = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
_ALPHABET = string.ascii_lowercase + string.digits


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_pack_id() -> str:
    return f"conformance-pack-{_random(12)}"


def deployed_rule_name(template_name: str) -> str:
    """AWS's name for a pack's rule: the template's name and a random suffix."""
    return f"{template_name}-conformance-pack-{_random(8)}"


def stack_name(name: str, pack_id: str) -> str:
    return f"awsconfigconforms-{name}-{pack_id}"


def template_invalid(message: str) -> ApiError:
    return ApiError("ConformancePackTemplateValidationException", message)


@dataclass(frozen=True)
class PackRequest:
    """PutConformancePack, as the caller gave it (the template already fetched when from S3)."""

    name: str
    template_body: str
    input_parameters: dict[str, str]
    template_s3_uri: str | None = None
    delivery_bucket: str | None = None
    delivery_prefix: str | None = None
    scope_tag_key: str | None = None
    scope_tag_value: str | None = None


@dataclass(frozen=True)
class _Plan:
    rules: dict[str, RuleRequest]
    """Deployed rule name → what it must be."""
    bindings: tuple[PackRuleBinding, ...]
    remediations: tuple[dict[str, object], ...]
    """PutRemediationConfigurations' shape, ConfigRuleName the deployed name."""


def render(pack: ConformancePack) -> PackTemplate:
    """The pack's template rendered with its parameters (ConformancePackTemplateValidation if wrong)."""
    try:
        return render_template(
            pack.template_body,
            pack.input_parameters,
            account_id=pack.account_id,
            region=pack.region,
            stack_name=stack_name(pack.name, pack.pack_id),
        )
    except TemplateError as exc:
        raise template_invalid(str(exc)) from None


#: Checks a rendered resource against an API shape ("ConfigRule", "RemediationConfiguration"),
#: raising ApiError: the API's own input validation (lengths, types, enums), passed in from above.
ShapeCheck = Callable[[str, dict[str, Any]], None]


def _plan(
    store: Store,
    pack: ConformancePack,
    template: PackTemplate,
    *,
    function_exists: Callable[[str], bool] | None,
    check_shape: ShapeCheck | None = None,
) -> _Plan:
    """What the pack must deploy, every part checked; nothing is written."""
    known = {b.template_name: b.rule_name for b in pack.rules}
    rules: dict[str, RuleRequest] = {}
    bindings: list[PackRuleBinding] = []
    names: dict[str, str] = {}
    for rule in template.rules:
        deployed = known.get(rule.name) or deployed_rule_name(rule.name)
        names[rule.name] = deployed
        raw = dict(rule.properties)
        raw["ConfigRuleName"] = deployed
        raw["InputParameters"] = json.dumps(raw.get("InputParameters") or {})
        if pack.scope_tag_key:  # a pack's Scope narrows every rule it deploys
            scope = dict(raw.get("Scope") or {})
            scope["TagKey"] = pack.scope_tag_key
            scope.pop("TagValue", None)
            if pack.scope_tag_value is not None:
                scope["TagValue"] = pack.scope_tag_value
            raw["Scope"] = scope
        place = f"Resources.{rule.logical_id}"
        try:
            if check_shape is not None:
                check_shape("ConfigRule", raw)
            request = configuration.rule_request(raw)
            configuration.check_request(request, any_identifier=True)
        except ApiError as exc:
            raise template_invalid(f"{place}: {exc.message}") from None
        except Exception as exc:  # any other shape a template can give is a template error, not a 500
            raise template_invalid(f"{place}: the rule is malformed ({type(exc).__name__}: {exc})") from None
        identifier = request.source.source_identifier or ""
        if (
            request.source.owner is Owner.CUSTOM_LAMBDA
            and function_exists
            and not function_exists(identifier)
        ):
            raise ApiError(
                "InsufficientPermissionsException",
                f"{place}: the AWS Lambda function {identifier} cannot be invoked. Deploy it to roost "
                "(`roost functions deploy`) or pass its ARN as the pack's parameter.",
            )
        rules[deployed] = request
        bindings.append(PackRuleBinding(rule.name, deployed, rule.controls))
    remediations: list[dict[str, object]] = []
    for remediation in template.remediations:
        raw = dict(remediation.properties)
        raw["ConfigRuleName"] = names[remediation.rule_name]
        try:
            if check_shape is not None:
                check_shape("RemediationConfiguration", raw)
            build_configuration(store, pack.source, raw, service=PACK_SERVICE, planned=True)
        except ApiError as exc:
            raise template_invalid(f"Resources.{remediation.logical_id}: {exc.message}") from None
        except Exception as exc:
            raise template_invalid(
                f"Resources.{remediation.logical_id}: the remediation configuration is malformed "
                f"({type(exc).__name__}: {exc})"
            ) from None
        remediations.append(raw)
    return _Plan(rules, tuple(bindings), tuple(remediations))


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
    existing = store.packs.get(source, request.name)
    if existing is not None and existing.state.in_progress:
        raise _in_use(request.name)
    # A pack whose creation failed deployed nothing: putting it again creates it.
    creating = existing is None or existing.state is PackState.CREATE_FAILED
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
        lease_owner=PROCESS,
        lease_until=now + LEASE,
    )
    if store.recorders.get(source) is None:
        raise ApiError(
            "InsufficientPermissionsException",
            "A conformance pack needs a configuration recorder in its account and region: put one first "
            "(PutConfigurationRecorder).",
        )
    plan = _plan(store, pack, render(pack), function_exists=function_exists, check_shape=check_shape)
    claimed = store.packs.claim(pack, limit=MAX_PACKS)
    if claimed == "limit":
        raise ApiError(
            "MaxNumberOfConformancePacksExceededException",
            f"Failed to put conformance pack '{request.name}' because the maximum number of conformance "
            f"packs: {MAX_PACKS} is reached.",
        )
    if isinstance(claimed, str):
        raise _in_use(request.name)
    done, changed = _apply(store, claimed, plan, previous=None if creating else existing, now=now)
    return done, [*interrupted, *changed]


def _in_use(name: str) -> ApiError:
    return ApiError(
        "ResourceInUseException",
        f"The conformance pack {name} is being deployed or deleted: retry once it is done.",
    )


def _apply(
    store: Store,
    pack: ConformancePack,
    plan: _Plan,
    *,
    previous: ConformancePack | None,
    now: datetime,
) -> tuple[ConformancePack, list[ConfigRule]]:
    creating = pack.state is PackState.CREATE_IN_PROGRESS
    # Every rule name this deployment may touch belongs to the pack before any is created.
    owned = {b.rule_name: b for b in pack.rules}
    owned.update({b.rule_name: b for b in plan.bindings})
    store.packs.save(replace(pack, rules=tuple(owned.values())))
    try:
        changed = _reconcile(store, pack.source, plan, owned=set(owned), now=now)
    except Exception as exc:  # anything: the pack must end failed and rolled back, never stuck
        reason = exc.message if isinstance(exc, ApiError) else f"{type(exc).__name__}: {exc}"
        log.warning("conformance pack %s failed: %s", pack.name, reason)
        return _roll_back(store, pack, previous, owned, reason=reason[:2000], now=now), []
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
    store: Store, source: AccountRegion, plan: _Plan, *, owned: set[str], now: datetime
) -> list[ConfigRule]:
    """Make the pack's rules and remediation configurations what the plan says; returns the rules
    created or changed."""
    wanted_remediations = {
        (str(r["ConfigRuleName"]), str(r["ResourceType"]) if r.get("ResourceType") else None)
        for r in plan.remediations
    }
    for config in store.remediation.configurations(source, sorted(owned)):
        if config.created_by_service != PACK_SERVICE:
            continue  # not the pack's
        if (config.config_rule_name, config.resource_type) not in wanted_remediations:
            store.remediation.delete_configuration(source, config.config_rule_name, config.resource_type)
    for name in sorted(owned - set(plan.rules)):
        _delete_rule(store, source, name, now=now)
    changed: list[ConfigRule] = []
    for name, request in plan.rules.items():
        before = store.rules.get(source, name)
        if before is not None and configuration.unchanged(before, request, service=PACK_SERVICE):
            continue  # left alone: not written again, not evaluated again (it may be evaluating now)
        rule, created = configuration.put_rule(
            store, source, request, now=now, service=PACK_SERVICE, any_identifier=True
        )
        if created or before is None or replace(before, state=rule.state) != rule:
            changed.append(rule)
    for raw in plan.remediations:
        store.remediation.put_configuration(
            build_configuration(store, source, dict(raw), service=PACK_SERVICE)
        )
    return changed


def _delete_rule(store: Store, source: AccountRegion, name: str, *, now: datetime) -> None:
    """Delete a rule the pack created, with its remediation configurations; a rule of that name the
    pack did not create (a user's) is left alone."""
    rule = store.rules.get(source, name)
    if rule is None or rule.created_by != PACK_SERVICE:
        return
    for config in store.remediation.configurations(source, [name]):
        store.remediation.delete_configuration(source, name, config.resource_type)
    configuration.delete_rule(store, source, name, now=now, service=PACK_SERVICE)


def _roll_back(
    store: Store,
    pack: ConformancePack,
    previous: ConformancePack | None,
    owned: dict[str, PackRuleBinding],
    *,
    reason: str,
    now: datetime,
) -> ConformancePack:
    """Undo a failed deployment: a new pack loses every rule it made (CREATE_FAILED); an update gets
    its `previous` template back (UPDATE_FAILED). When that is unknown (an update a stop interrupted)
    or fails too, the pack keeps every name it owns, so deleting it still cleans up."""
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
        return failed
    failed = replace(
        _released(pack),
        state=PackState.UPDATE_FAILED,
        rules=tuple(owned.values()),
        status_reason=reason,
        last_update_completed=now,
    )
    if previous is not None:
        try:
            plan = _plan(store, previous, render(previous), function_exists=None)
            _reconcile(store, pack.source, plan, owned=set(owned), now=now)
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
    return failed


def delete_pack(store: Store, source: AccountRegion, name: str, *, now: datetime) -> None:
    """Delete a pack with its rules, their results and remediation configurations."""
    _finish_interrupted(store, source, name, now=now)
    begun = store.packs.begin_delete(source, name, owner=PROCESS, until=now + LEASE)
    if begun == "missing":
        raise ApiError(
            "NoSuchConformancePackException",
            f"Could not find conformance pack '{name}'.",
        )
    if isinstance(begun, str):
        raise _in_use(name)
    _finish_delete(store, begun, now=now)


def _finish_delete(store: Store, pack: ConformancePack, *, now: datetime) -> None:
    try:
        for binding in pack.rules:
            _delete_rule(store, pack.source, binding.rule_name, now=now)
    except Exception as exc:
        reason = exc.message if isinstance(exc, ApiError) else f"{type(exc).__name__}: {exc}"
        store.packs.save(_released(replace(pack, state=PackState.DELETE_FAILED, status_reason=reason[:2000])))
        raise ApiError("ResourceInUseException", f"Deleting the conformance pack failed: {reason}") from None
    store.packs.delete(pack.source, pack.name)


def _released(pack: ConformancePack) -> ConformancePack:
    return replace(pack, lease_owner=None, lease_until=None)


def _finish_interrupted(store: Store, source: AccountRegion, name: str, *, now: datetime) -> list[ConfigRule]:
    """If the pack's last deployment or deletion was interrupted (its process died: the lease ran
    out), finish it now; the rules to evaluate."""
    pack = store.packs.get(source, name)
    if (
        pack is None
        or not pack.state.in_progress
        or (pack.lease_until is not None and pack.lease_until >= now)
    ):
        return []
    if not store.packs.take_over(pack, owner=PROCESS, until=now + LEASE, now=now):
        return []  # another process took it first
    return _finish(store, replace(pack, lease_owner=PROCESS, lease_until=now + LEASE), now=now)


def _finish(store: Store, pack: ConformancePack, *, now: datetime) -> list[ConfigRule]:
    log.info("finishing the interrupted %s of conformance pack %s", pack.state.value, pack.name)
    if pack.state is PackState.DELETE_IN_PROGRESS:
        try:
            _finish_delete(store, pack, now=now)
        except ApiError:
            log.warning("conformance pack %s: deletion failed again", pack.name)
        return []
    try:
        plan = _plan(store, pack, render(pack), function_exists=None)
    except ApiError as exc:
        owned = {b.rule_name: b for b in pack.rules}
        _roll_back(store, pack, None, owned, reason=exc.message, now=now)
        return []
    done, _ = _apply(store, pack, plan, previous=None, now=now)
    if done.state.value.endswith("_FAILED"):
        return []
    # Which rules the interrupted deployment made and evaluated is unknown: evaluate them all.
    return store.rules.get_many(pack.source, [b.rule_name for b in done.rules])


def resume(store: Store, *, now: datetime) -> list[ConfigRule]:
    """Finish the deployments and deletions whose process died (their lease ran out): `roost up`
    runs this at start and every half minute. Returns the rules to evaluate."""
    changed: list[ConfigRule] = []
    for pack in store.packs.unfinished(now):
        changed += _finish_interrupted(store, pack.source, pack.name, now=now)
    return changed
