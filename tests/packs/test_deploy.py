"""Deploying conformance packs at the domain level, on SQLite and PostgreSQL, with a frozen clock:
reconciliation, ownership, the rollback of a deployment that fails midway, ResourceInUse while one is
in progress, and `resume` finishing what a crash interrupted (a real SIGKILL of a deploying process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from roost.compliance import ComplianceType, EvaluationResult, RuleState
from roost.errors import ApiError
from roost.packs import lease, plan
from roost.packs.deploy import PackRequest, delete_pack, put_pack, resume
from roost.packs.model import PACK_SERVICE, ConformancePack, PackRuleBinding, PackState
from roost.rules import configuration
from roost.store import Store
from tests.api.test_rule_operations import put_recorder
from tests.conftest import SOURCE
from tests.rules.conftest import managed_rule

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
#: When the lease of a pack interrupted at NOW has run out.
EXPIRED = NOW + lease.LEASE + timedelta(seconds=1)
ROOT = Path(__file__).resolve().parents[2]


def template(*rules: tuple[str, str, dict[str, str] | None]) -> str:
    resources = {}
    for name, identifier, parameters in rules:
        properties: dict[str, object] = {
            "ConfigRuleName": name,
            "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
        }
        if parameters:
            properties["InputParameters"] = parameters
        resources[name.replace("-", "")] = {"Type": "AWS::Config::ConfigRule", "Properties": properties}
    return json.dumps({"Resources": resources})


SSH = ("ssh", "INCOMING_SSH_DISABLED", None)


def keys(age: str) -> tuple[str, str, dict[str, str]]:
    return ("keys", "ACCESS_KEYS_ROTATED", {"maxAccessKeyAge": age})


def request(name: str, body: str, **parameters: str) -> PackRequest:
    return PackRequest(name=name, template_body=body, input_parameters=parameters)


def rule_names(store: Store) -> set[str]:
    return {r.name for r in store.rules.list(SOURCE)}


def bound(pack: ConformancePack) -> dict[str, str]:
    return {b.template_name: b.rule_name for b in pack.rules}


@pytest.fixture
def store(any_store: Store) -> Store:
    put_recorder(any_store)
    return any_store


def test_put_update_and_delete(store: Store) -> None:
    pack, changed = put_pack(store, SOURCE, request("p", template(SSH, keys("90"))), now=NOW)
    assert pack.state is PackState.CREATE_COMPLETE
    assert (pack.last_update_requested, pack.last_update_completed) == (NOW, NOW)
    names = bound(pack)
    assert set(names) == {"ssh", "keys"}
    for template_name, rule_name in names.items():
        assert (
            rule_name.startswith(f"{template_name}-conformance-pack-")
            and len(rule_name.rsplit("-", 1)[1]) == 8
        )
    assert rule_names(store) == set(names.values())
    assert {r.name for r in changed} == set(names.values())
    assert all(r.created_by == PACK_SERVICE for r in store.rules.list(SOURCE))
    assert store.packs.get(SOURCE, "p") == pack

    # Users cannot delete or change the pack's rules.
    with pytest.raises(ApiError) as denied:
        configuration.delete_rule(store, SOURCE, names["ssh"], now=NOW)
    assert denied.value.code == "AccessDeniedException"

    # A result of the unchanged rule survives the update; only the changed rule is re-evaluated.
    store.evaluations.put(
        SOURCE,
        [
            EvaluationResult(
                rule_name=names["ssh"],
                resource_type="AWS::EC2::SecurityGroup",
                resource_id="sg-1",
                compliance_type=ComplianceType.COMPLIANT,
                ordering_timestamp=NOW,
                result_recorded_time=NOW,
                config_rule_invoked_time=NOW,
            )
        ],
    )
    updated, changed = put_pack(store, SOURCE, request("p", template(SSH, keys("30"))), now=LATER)
    assert updated.state is PackState.UPDATE_COMPLETE and updated.pack_id == pack.pack_id
    assert (updated.last_update_requested, updated.last_update_completed) == (LATER, LATER)
    assert bound(updated) == names
    assert [r.name for r in changed] == [names["keys"]]
    assert json.loads(store.rules.get(SOURCE, names["keys"]).input_parameters) == {"maxAccessKeyAge": "30"}  # type: ignore[union-attr]
    assert len(store.evaluations.results(SOURCE, rule_names=[names["ssh"]])) == 1

    # The same template again changes nothing.
    assert put_pack(store, SOURCE, request("p", template(SSH, keys("30"))), now=LATER)[1] == []

    delete_pack(store, SOURCE, "p", now=LATER)
    assert store.packs.get(SOURCE, "p") is None
    assert rule_names(store) == set()
    assert store.evaluations.results(SOURCE, rule_names=[names["ssh"]]) == []
    with pytest.raises(ApiError) as missing:
        delete_pack(store, SOURCE, "p", now=LATER)
    assert missing.value.code == "NoSuchConformancePackException"


def test_a_deployment_that_fails_midway_is_rolled_back(store: Store) -> None:
    old, _ = put_pack(store, SOURCE, request("old", template(keys("90"))), now=NOW)
    # Fill the account up to one rule under AWS's 1000-rule limit: the second new rule cannot be made.
    base = managed_rule("INCOMING_SSH_DISABLED")
    for i in range(configuration.MAX_RULES - 2):
        store.rules.put(replace(base, name=f"filler-{i:04d}", rule_id=f"config-rule-f{i:05d}"), now=NOW)
    before = rule_names(store)
    assert len(before) == configuration.MAX_RULES - 1

    # An update: keys changes, two rules are added; the second cannot be created.
    failed, changed = put_pack(
        store,
        SOURCE,
        request("old", template(keys("30"), SSH, ("ssh2", "INCOMING_SSH_DISABLED", None))),
        now=LATER,
    )
    # keys was changed before the failure and changed back: it is to be evaluated again.
    assert [r.name for r in changed] == [bound(old)["keys"]]
    assert failed.state is PackState.UPDATE_FAILED
    assert failed.status_reason and "maximum number of config rules" in failed.status_reason
    assert store.packs.get(SOURCE, "old") == failed
    # The previous template is back: its rule with its old parameters, nothing added.
    assert bound(failed) == bound(old)
    assert json.loads(failed.template_body) == json.loads(template(keys("90")))
    assert rule_names(store) == before
    assert json.loads(store.rules.get(SOURCE, bound(old)["keys"]).input_parameters) == {
        "maxAccessKeyAge": "90"
    }  # type: ignore[union-attr]

    # A creation: the first rule is made, the second fails; nothing of the pack is left.
    new, changed = put_pack(store, SOURCE, request("new", template(SSH, keys("1"))), now=LATER)
    assert changed == []
    assert new.state is PackState.CREATE_FAILED and new.rules == ()
    assert new.status_reason and "maximum number of config rules" in new.status_reason
    assert rule_names(store) == before

    # Room made, putting the failed pack again creates it (same id).
    for filler in ("filler-0000", "filler-0001"):
        found = store.rules.get(SOURCE, filler)
        assert found is not None
        store.rules.delete(found)
    again, _ = put_pack(store, SOURCE, request("new", template(SSH, keys("1"))), now=LATER)
    assert again.state is PackState.CREATE_COMPLETE and again.pack_id == new.pack_id
    assert set(bound(again).values()) <= rule_names(store)


def test_an_invalid_template_stores_nothing(store: Store) -> None:
    with pytest.raises(ApiError) as raised:
        put_pack(store, SOURCE, request("p", "Resources: {R: {Type: AWS::Config::ConfigRule}}"), now=NOW)
    assert raised.value.code == "ConformancePackTemplateValidationException"
    assert store.packs.get(SOURCE, "p") is None and rule_names(store) == set()


def interrupted(store: Store, name: str, body: str, state: PackState, *, created: int) -> ConformancePack:
    """A pack as a deployment killed midway leaves it: claimed (leased to its process until
    NOW + LEASE), its rule names bound (as `_apply` stores them before reconciling), the first
    `created` of its rules made."""
    pack = ConformancePack(
        account_id=SOURCE.account_id,
        region=SOURCE.region,
        name=name,
        pack_id=plan.new_pack_id(),
        state=state,
        template_body=body,
        input_parameters={},
        last_update_requested=NOW,
        lease_owner="another-host:1234:deadbeef",
        lease_until=NOW + lease.LEASE,
    )
    claimed = store.packs.claim(pack)
    assert isinstance(claimed, ConformancePack)
    rendered = plan.render(claimed)
    bindings = tuple(PackRuleBinding(r.name, plan.deployed_rule_name(r.name)) for r in rendered.rules)
    store.packs.save(replace(claimed, rules=bindings))
    for binding, rule in list(zip(bindings, rendered.rules, strict=True))[:created]:
        raw = {**rule.properties, "ConfigRuleName": binding.rule_name}
        raw["InputParameters"] = json.dumps(raw.get("InputParameters") or {})
        configuration.put_rule(
            store, SOURCE, configuration.rule_request(raw), now=NOW, service=PACK_SERVICE, any_identifier=True
        )
    found = store.packs.get(SOURCE, name)
    assert found is not None
    return found


def test_in_progress_refuses_others_and_resume_finishes(store: Store) -> None:
    body = template(SSH, keys("90"), ("mfa", "IAM_USER_MFA_ENABLED", None))
    pack = interrupted(store, "p", body, PackState.CREATE_IN_PROGRESS, created=1)
    for call in (
        lambda: put_pack(store, SOURCE, request("p", body), now=NOW),
        lambda: delete_pack(store, SOURCE, "p", now=NOW),
    ):
        with pytest.raises(ApiError) as raised:
            call()
        assert raised.value.code == "ResourceInUseException"

    changed = resume(store, now=EXPIRED)
    done = store.packs.get(SOURCE, "p")
    assert done is not None and done.state is PackState.CREATE_COMPLETE
    assert done.last_update_completed == EXPIRED
    assert bound(done) == bound(pack)  # the names bound before the crash are the ones deployed
    assert rule_names(store) == set(bound(pack).values())
    assert {r.name for r in changed} == set(bound(pack).values())
    assert store.packs.unfinished(EXPIRED) == []


def test_resume_of_an_update_removes_what_the_template_dropped(store: Store) -> None:
    first, _ = put_pack(store, SOURCE, request("p", template(SSH, keys("90"))), now=NOW)
    # An update to drop `ssh` was killed after it claimed the pack and bound its names.
    claimed = store.packs.claim(
        replace(first, state=PackState.UPDATE_IN_PROGRESS, template_body=template(keys("90")))
    )
    assert isinstance(claimed, ConformancePack)
    resume(store, now=LATER)
    done = store.packs.get(SOURCE, "p")
    assert done is not None and done.state is PackState.UPDATE_COMPLETE
    assert set(bound(done)) == {"keys"} and bound(done)["keys"] == bound(first)["keys"]
    assert rule_names(store) == {bound(first)["keys"]}


def test_resume_finishes_a_deletion(store: Store) -> None:
    pack, _ = put_pack(store, SOURCE, request("p", template(SSH, keys("90"))), now=NOW)
    store.tags.replace(SOURCE, pack.arn, {"team": "sec"})
    # As delete_pack claims it, then killed.
    begun = store.packs.begin_delete(SOURCE, "p", owner="another-host:1:x", until=NOW + lease.LEASE)
    assert isinstance(begun, ConformancePack) and begun.state is PackState.DELETE_IN_PROGRESS
    with pytest.raises(ApiError) as raised:
        put_pack(store, SOURCE, request("p", template(SSH)), now=NOW)
    assert raised.value.code == "ResourceInUseException"
    resume(store, now=EXPIRED)
    assert store.packs.get(SOURCE, "p") is None
    assert rule_names(store) == set()
    assert pack.rules
    assert store.tags.get(SOURCE, pack.arn) == {}  # its tags went with it


def test_resume_after_a_real_kill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roost.db'}"
    store = Store.open(url)
    put_recorder(store)
    identifiers = ["INCOMING_SSH_DISABLED", "IAM_USER_MFA_ENABLED", "S3_BUCKET_VERSIONING_ENABLED"]
    body = template(*((f"rule-{i:03d}", identifiers[i % 3], None) for i in range(130)))
    script = textwrap.dedent(
        f"""
        import sys
        from datetime import datetime, UTC
        from roost.model import AccountRegion
        from roost.packs.deploy import PackRequest, put_pack
        from roost.store import Store

        store = Store.open({url!r})
        body = sys.stdin.read()
        put_pack(store, AccountRegion({SOURCE.account_id!r}, {SOURCE.region!r}),
                 PackRequest(name="big", template_body=body, input_parameters={{}}),
                 now=datetime.now(UTC))
        print("finished")
        """
    )
    try:
        for _attempt in range(5):
            process = subprocess.Popen(
                [sys.executable, "-c", script],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            assert process.stdin is not None
            process.stdin.write(body.encode())
            process.stdin.close()
            deadline = time.monotonic() + 60
            # Kill it once the pack is claimed and some, not all, of its rules exist.
            while time.monotonic() < deadline and process.poll() is None:
                pack = store.packs.get(SOURCE, "big")
                if pack is not None and pack.state.in_progress and 0 < len(rule_names(store)) < 130:
                    os.kill(process.pid, signal.SIGKILL)
                    break
                time.sleep(0.005)
            process.wait(timeout=60)
            if process.returncode == -signal.SIGKILL:
                break
            delete_pack(store, SOURCE, "big", now=NOW)  # it finished first: try again
        else:
            pytest.skip("the deploying process always finished before it could be killed")

        killed = store.packs.get(SOURCE, "big")
        assert killed is not None and killed.state is PackState.CREATE_IN_PROGRESS
        assert len(killed.rules) == 130
        assert 0 < len(rule_names(store)) < 130

        # Its lease runs out LEASE after the killed process took it (it used the real clock).
        assert killed.lease_until is not None and killed.lease_owner != lease.PROCESS
        assert resume(store, now=killed.lease_until - timedelta(seconds=1)) == []
        resume(store, now=killed.lease_until + timedelta(seconds=1))
        done = store.packs.get(SOURCE, "big")
        assert done is not None and done.state is PackState.CREATE_COMPLETE
        assert bound(done) == bound(killed)
        # Every rule of the pack exists, and no rule exists that the pack does not own.
        assert rule_names(store) == set(bound(done).values())
        delete_pack(store, SOURCE, "big", now=LATER)
        assert rule_names(store) == set()
    finally:
        store.close()


def test_an_update_leaves_unchanged_rules_alone_even_while_they_are_evaluated(store: Store) -> None:
    """A user's StartConfigRulesEvaluation sets a pack's rule EVALUATING: an update that does not
    change that rule must neither fail on it nor write it again."""
    pack, _ = put_pack(store, SOURCE, request("p", template(SSH, keys("90"))), now=NOW)
    ssh = store.rules.get(SOURCE, bound(pack)["ssh"])
    assert ssh is not None
    store.rules.set_state(ssh, RuleState.EVALUATING)

    updated, changed = put_pack(store, SOURCE, request("p", template(SSH, keys("45"))), now=LATER)
    assert updated.state is PackState.UPDATE_COMPLETE, updated.status_reason
    assert [r.name for r in changed] == [bound(pack)["keys"]]
    still = store.rules.get(SOURCE, bound(pack)["ssh"])
    assert still is not None and still.state is RuleState.EVALUATING


def test_a_users_rule_is_never_the_packs_to_delete(store: Store) -> None:
    """Names a pack owns are checked against the rule's creator before anything is deleted."""
    pack, _ = put_pack(store, SOURCE, request("p", template(SSH)), now=NOW)
    owned = bound(pack)["ssh"]
    # As if the pack's rule had gone (a failed creation) and a user then made one of that name.
    configuration.delete_rule(store, SOURCE, owned, now=NOW, service=PACK_SERVICE)
    mine = configuration.rule_request(
        {"ConfigRuleName": owned, "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}}
    )
    configuration.put_rule(store, SOURCE, mine, now=NOW)
    delete_pack(store, SOURCE, "p", now=LATER)
    kept = store.rules.get(SOURCE, owned)
    assert kept is not None and kept.created_by is None


def test_a_live_lease_is_left_to_its_owner_and_a_lapsed_one_is_taken_over(store: Store) -> None:
    body = template(SSH, keys("90"))
    pack = interrupted(store, "p", body, PackState.CREATE_IN_PROGRESS, created=1)
    assert pack.lease_until == NOW + lease.LEASE
    # Its process may still be at it: nothing else touches the pack until the lease runs out.
    within = NOW + lease.LEASE - timedelta(seconds=1)
    assert resume(store, now=within) == []
    with pytest.raises(ApiError) as raised:
        put_pack(store, SOURCE, request("p", template(SSH)), now=within)
    assert raised.value.code == "ResourceInUseException"

    # Once it has run out, the next deployment first finishes the interrupted one, then applies.
    after = NOW + lease.LEASE + timedelta(seconds=1)
    done, to_evaluate = put_pack(store, SOURCE, request("p", template(SSH)), now=after)
    assert done.state is PackState.UPDATE_COMPLETE and (done.lease_owner, done.lease_until) == (None, None)
    assert bound(done) == {"ssh": bound(pack)["ssh"]}
    assert rule_names(store) == {bound(pack)["ssh"]}
    assert bound(pack)["ssh"] in {r.name for r in to_evaluate}  # made before the crash, never evaluated


def test_of_two_processes_only_one_takes_an_interrupted_pack(store: Store) -> None:
    pack = interrupted(store, "p", template(SSH), PackState.CREATE_IN_PROGRESS, created=0)
    after = NOW + lease.LEASE + timedelta(seconds=1)
    until = after + lease.LEASE
    assert store.packs.take_over(pack, owner="one", until=until, now=after)
    assert not store.packs.take_over(pack, owner="two", until=until, now=after)
    taken = store.packs.get(SOURCE, "p")
    assert taken is not None and (taken.lease_owner, taken.lease_until) == ("one", until)


def test_a_pack_this_process_works_on_is_never_taken_over_here(store: Store) -> None:
    """However long this process takes (a deletion over a big fleet), its own sweep leaves it be."""
    pack = interrupted(store, "p", template(SSH), PackState.CREATE_IN_PROGRESS, created=0)
    with lease.working_on(SOURCE, "p"):
        assert resume(store, now=EXPIRED) == []
        with pytest.raises(ApiError) as raised:
            put_pack(store, SOURCE, request("p", template(SSH)), now=EXPIRED)
        assert raised.value.code == "ResourceInUseException"
    assert store.packs.get(SOURCE, "p") == pack


def test_a_lease_is_renewed_by_its_holder_and_lost_to_a_take_over(store: Store) -> None:
    pack = interrupted(store, "p", template(SSH), PackState.CREATE_IN_PROGRESS, created=0)
    # The pack is another process's: renewing it from here fails, and says so.
    mine = lease.Lease(store, SOURCE, "p", EXPIRED)
    with pytest.raises(lease.LeaseLost):
        mine.renew()
    assert store.packs.take_over(pack, owner=lease.PROCESS, until=mine.until(), now=EXPIRED)
    mine.renew()
    renewed = store.packs.get(SOURCE, "p")
    assert renewed is not None and renewed.lease_owner == lease.PROCESS
    assert renewed.lease_until is not None and renewed.lease_until >= EXPIRED + lease.LEASE


def test_a_rule_left_deleting_by_a_dead_process_is_deleted_with_its_pack(store: Store) -> None:
    pack, _ = put_pack(store, SOURCE, request("p", template(SSH, keys("90"))), now=NOW)
    # Killed while deleting the pack, in the middle of one rule's deletion.
    half = store.rules.get(SOURCE, bound(pack)["ssh"])
    assert half is not None
    store.rules.set_state(half, RuleState.DELETING)
    store.packs.begin_delete(SOURCE, "p", owner="another-host:1:x", until=NOW + lease.LEASE)
    resume(store, now=EXPIRED)
    assert store.packs.get(SOURCE, "p") is None
    assert rule_names(store) == set()
