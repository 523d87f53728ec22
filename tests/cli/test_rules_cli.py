"""`roost rules` and `roost compliance` as a user runs them: lab part 3's first half from the terminal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from roost.cloud.sandbox import Sandbox


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_restricted_ssh_from_the_cli(
    roost: Callable[..., Result], cloud: Sandbox, aws: Callable[..., Any]
) -> None:
    ec2 = aws("ec2")
    aws("s3").create_bucket(Bucket="delivery")
    group = ec2.create_security_group(GroupName="unrestricted-ssh", Description="lab")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    Path("roost.toml").write_text(
        f'[[accounts]]\naccount_id = "123456789012"\nregions = ["us-east-1"]\n'
        f'access_key_id = "test"\nsecret_access_key = "test"\nendpoint_url = "{cloud.endpoint_url}"\n'
    )
    _ok(roost("recorder", "put"))
    _ok(roost("delivery-channel", "put", "--bucket", "delivery"))
    _ok(roost("recorder", "start"))
    _ok(roost("record", "--once", "--type", "AWS::EC2::SecurityGroup"))

    added = _ok(roost("rules", "put", "INCOMING_SSH_DISABLED"))
    assert "rule restricted-ssh added in 123456789012/us-east-1: NON_COMPLIANT" in added
    flagged = json.loads(_ok(roost("-o", "json", "compliance", "--status", "NON_COMPLIANT")))
    assert [(r["rule"], r["resource id"]) for r in flagged] == [("restricted-ssh", group)]
    listed = json.loads(_ok(roost("-o", "json", "rules", "list")))
    assert listed[0]["rule"] == "restricted-ssh" and listed[0]["compliance"] == "NON_COMPLIANT"
    shown = json.loads(_ok(roost("-o", "json", "rules", "show", "restricted-ssh")))
    assert shown["source"] == "AWS INCOMING_SSH_DISABLED"
    assert {r["resource id"] for r in shown["results"]} >= {group}

    unknown = roost("rules", "put", "NOT_AN_AWS_RULE")
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
    catalogue = json.loads(_ok(roost("-o", "json", "rules", "catalog", "--search", "SSH")))
    ssh = next(r for r in catalogue if r["identifier"] == "INCOMING_SSH_DISABLED")
    assert ssh["in roost"] is True and ssh["name"] == "restricted-ssh"
    _ok(roost("rules", "delete", "restricted-ssh"))
    assert json.loads(_ok(roost("-o", "json", "compliance"))) == []


def test_a_custom_rule_from_the_cli_runs_in_roost_up(
    roost: Callable[..., Result], cloud: Sandbox, tmp_path: Path
) -> None:
    """Lab part 2 from the terminal: deploy the function, add the rule; `roost up` (here: its rule
    engine over the same store) takes the rule up and runs the function."""
    from roost.clock import SystemClock
    from roost.cloud import CloudConnector
    from roost.compliance import Owner
    from roost.functions.host import FunctionHost
    from roost.model import AccountRegion
    from roost.rules.custom.invoker import LambdaRuleInvoker
    from roost.rules.engine import RuleEngine
    from roost.store import Store
    from tests.rules.custom.conftest import wait_for

    Path("roost.toml").write_text(
        f'[[accounts]]\naccount_id = "123456789012"\nregions = ["us-east-1"]\n'
        f'access_key_id = "test"\nsecret_access_key = "test"\nendpoint_url = "{cloud.endpoint_url}"\n'
    )
    Path("check.py").write_text(
        "import json\n\ndef lambda_handler(event, context):\n"
        "    print('got', json.loads(event['invokingEvent'])['messageType'], event['configRuleName'])\n"
    )
    _ok(roost("recorder", "put"))
    _ok(roost("functions", "deploy", "check", "check.py"))
    needs_trigger = roost("rules", "put", "--function", "check")
    assert needs_trigger.exit_code == 1 and "--frequency" in needs_trigger.output
    added = _ok(roost("rules", "put", "--function", "check", "--frequency", "One_Hour"))
    assert "rule check added in 123456789012/us-east-1: roost up runs check" in added
    shown = json.loads(_ok(roost("-o", "json", "rules", "show", "check")))
    assert shown["source"].startswith("CUSTOM_LAMBDA arn:aws:lambda:us-east-1:123456789012:function:check")

    store = Store.open(f"sqlite:///{tmp_path / 'roost.db'}")
    engine = RuleEngine(store, CloudConnector([]), SystemClock())
    host = FunctionHost(store, SystemClock())
    engine.custom_invokers[Owner.CUSTOM_LAMBDA] = LambdaRuleInvoker(engine, host)
    try:
        assert engine.run_due_periodic() == 1
        source = AccountRegion("123456789012", "us-east-1")
        (entry,) = wait_for(lambda: host.logs(source, "check"), what="the function's run")
        assert "got ScheduledNotification check" in entry.log
        assert engine.run_due_periodic() == 0  # not again within the hour
        _ok(roost("rules", "evaluate", "check"))  # ... unless asked
        assert engine.run_due_periodic() == 1
    finally:
        host.close()
        store.close()
