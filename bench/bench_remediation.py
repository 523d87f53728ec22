"""Automatic remediation: from re-adding the open SSH rule in the sandbox to its removal by roost.

Lab part 3, step 6, timed. A `Roost` as `roost up` builds it against the sandbox, with the default
settings (the sandbox account is recorded every 10 s; the remediation sweep runs every 3 s), over a
fresh SQLite file: the lab's resources seeded, recording everything in us-east-1, the managed rule
restricted-ssh (INCOMING_SSH_DISABLED) and an automatic remediation with
AWS-DisablePublicAccessForSecurityGroup (GroupId from the resource id, an AutomationAssumeRole).

Each run waits a random 0-10 s (seeded: the runs land at different moments of the 10 s recording
cycle, as a user's change would), authorizes tcp/22 from 0.0.0.0/0 on the lab's `unrestricted-ssh`
group, then polls the sandbox every 50 ms until the rule is gone. The run's time is split with what
roost stored:

* wait for the pass: from the authorize call to the capture time of the group's item that has the
  rule (the recording pass that saw it; roost has no change events from the sandbox);
* judge and start: from that capture to the automatic execution's invocation time (the rule judges
  the item, its NON_COMPLIANT result starts the execution);
* remediate: from the invocation to the stop time of the document's DisableFromAllIp step (the
  revoke call answered);
* the rest is the 50 ms poll's resolution.

The configuration keeps AWS's defaults (MaximumAutomaticAttempts 5 within RetryAttemptSeconds 60):
a new NON_COMPLIANT result counts only failed attempts, so a group fixed and broken again every few
seconds is remediated every time.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

import boto3

from bench.harness import Run, benchmark, log, median
from roost.cloud.lab_seed import seed_lab
from roost.cloud.sandbox import Sandbox
from roost.compliance import ComplianceType, Owner, RuleSource
from roost.model import AccountRegion, ResourceKey
from roost.remediation.model import Execution, ParameterValue, RemediationConfiguration
from roost.rules.configuration import RuleRequest, put_rule
from roost.service import REMEDIATION_SWEEP_SECONDS, Roost
from roost.settings import SANDBOX_ACCOUNT_ID, Settings

REGION = "us-east-1"
SOURCE = AccountRegion(SANDBOX_ACCOUNT_ID, REGION)
RULE = "restricted-ssh"
DOCUMENT = "AWS-DisablePublicAccessForSecurityGroup"
SG = "AWS::EC2::SecurityGroup"
OPEN_SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
POLL_SECONDS = 0.05
TIMEOUT_SECONDS = 120.0


def p95(values: Sequence[float]) -> float:
    if len(values) < 2:
        return values[0]
    return float(statistics.quantiles(values, n=20, method="inclusive")[18])


def ssh_open(ec2: Any, group: str) -> bool:
    found = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    return any(
        p.get("IpProtocol") == "tcp"
        and p.get("FromPort") == 22
        and p.get("ToPort") == 22
        and any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges") or [])
        for p in found.get("IpPermissions") or []
    )


def wait_for(check: Callable[[], Any], what: str, timeout: float = TIMEOUT_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL_SECONDS)


def newest_automatic(roost: Roost, group: str, after: datetime) -> Execution | None:
    found = roost.store.remediation.executions(SOURCE, RULE, resource=(SG, group), limit=1)
    if found and found[0].automatic and found[0].invocation_time >= after and found[0].state.finished:
        return found[0]
    return None


def first_item_with_ssh(roost: Roost, group: str, after: datetime) -> datetime | None:
    """The capture time of the first item of the group recorded after `after` (the one with the rule)."""
    history = roost.store.items.history(SOURCE, ResourceKey(SG, group))
    times = sorted(i.capture_time for i in history if i.capture_time >= after)
    return times[0] if times else None


@benchmark("remediation", "re-added open SSH rule to its removal by automatic remediation (sandbox)")
def remediation(run: Run) -> None:
    runs = run.size(full=10, quick=3)
    chooser = random.Random(7)
    with Sandbox() as sandbox:
        sandbox.reset()
        resources = seed_lab(sandbox.endpoint_url, regions=(REGION,))
        group = resources.security_groups[REGION]
        ec2 = boto3.client(
            "ec2",
            endpoint_url=sandbox.endpoint_url,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        settings = Settings(db_url=f"sqlite:///{run.db_dir / 'remediation.db'}").with_sandbox_account(
            sandbox.endpoint_url, (REGION,)
        )
        interval = settings.recording_interval(settings.accounts[0])
        roost = Roost(settings)
        try:
            roost.ensure_recording(SOURCE)
            rule, _ = put_rule(
                roost.store,
                SOURCE,
                RuleRequest(RuleSource(Owner.AWS, "INCOMING_SSH_DISABLED"), name=RULE),
                now=roost.clock.now(),
            )
            roost.store.remediation.put_configuration(
                RemediationConfiguration(
                    account_id=SOURCE.account_id,
                    region=SOURCE.region,
                    config_rule_name=RULE,
                    target_id=DOCUMENT,
                    arn=f"arn:aws:config:{REGION}:{SANDBOX_ACCOUNT_ID}:remediation-configuration/{RULE}/bench",
                    parameters={
                        "GroupId": ParameterValue(resource_value="RESOURCE_ID"),
                        "AutomationAssumeRole": ParameterValue(
                            static_values=(f"arn:aws:iam::{SANDBOX_ACCOUNT_ID}:role/remediation",)
                        ),
                    },
                    resource_type=SG,
                    automatic=True,
                )
            )
            roost.start()
            roost.rule_runner.evaluate_soon(rule)
            # The lab's group starts open: the first pass and automatic remediation close it (not timed).
            wait_for(lambda: not ssh_open(ec2, group), "the first automatic remediation")
            wait_for(
                lambda: any(
                    r.resource_id == group and r.compliance_type is ComplianceType.COMPLIANT
                    for r in roost.store.evaluations.results(SOURCE, rule_names=[RULE])
                ),
                "the group to turn COMPLIANT",
            )
            totals: list[float] = []
            pass_waits: list[float] = []
            judge: list[float] = []
            remediate: list[float] = []
            for index in range(runs):
                time.sleep(chooser.uniform(0, interval))
                started = roost.clock.now()
                t0 = time.monotonic()
                ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[OPEN_SSH])
                wait_for(lambda: not ssh_open(ec2, group), f"run {index + 1}'s removal")
                totals.append(time.monotonic() - t0)
                execution = wait_for(
                    partial(newest_automatic, roost, group, started), "the execution's record"
                )
                captured = first_item_with_ssh(roost, group, started)
                stopped = next(
                    (s.stop_time for s in execution.steps if s.name == "DisableFromAllIp" and s.stop_time),
                    execution.last_updated_time,
                )
                if captured is not None:
                    pass_waits.append((captured - started).total_seconds())
                    judge.append((execution.invocation_time - captured).total_seconds())
                remediate.append((stopped - execution.invocation_time).total_seconds())
                waited = pass_waits[-1] if pass_waits else 0.0
                log(
                    f"  run {index + 1}/{runs}: {totals[-1]:.2f} s (pass {waited:.2f} s, "
                    f"judge {judge[-1] if judge else 0:.3f} s, remediate {remediate[-1]:.3f} s, "
                    f"{execution.state.value} attempt {execution.attempt})"
                )
            notes = (
                f"{runs} runs, recording every {interval:g} s, sweep every {REMEDIATION_SWEEP_SECONDS:g} s, "
                f"polled every {POLL_SECONDS * 1000:.0f} ms"
            )
            run.report("removal.median", median(totals), "s", notes)
            run.report("removal.p95", p95(totals), "s", f"max {max(totals):.2f} s")
            if pass_waits:
                run.report(
                    "wait_for_pass.median", median(pass_waits), "s", "authorize -> item captured by a pass"
                )
                run.report(
                    "judge_and_start.median",
                    median(judge),
                    "s",
                    "item captured -> automatic execution invoked (rule judged it NON_COMPLIANT)",
                )
            run.report(
                "remediate.median",
                median(remediate),
                "s",
                f"invoked -> revoke done (DisableFromAllIp stopped); p95 {p95(remediate):.3f} s",
            )
        finally:
            roost.stop()
