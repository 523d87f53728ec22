"""AWSConfigRemediation-RevokeUnusedIAMUserCredentials, against the sandbox.

moto cannot date a credential in the past (keys are created now, and a key's last use is stamped
when a request is signed with it), so the ages here are 0 days: MaxCredentialUsageAge 0 revokes
credentials created or used today (AWS compares whole days with >=), 1 keeps them. moto's GetUser
never reports PasswordLastUsed, so the deletion of a used password cannot be set up here; what is
tested is AWS's rule that a password never used is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from roost.cloud.sandbox import Sandbox
from roost.remediation.document import ParameterError, load_documents
from tests.remediation.conftest import DocumentRun

NAME = "AWSConfigRemediation-RevokeUnusedIAMUserCredentials"
STEP = "RevokeUnusedIAMUserCredentialsAndVerify"
ROLE = "arn:aws:iam::123456789012:role/remediation"


def _user(iam: Any, name: str) -> str:
    user_id: str = iam.create_user(UserName=name)["User"]["UserId"]
    return user_id


def _use(cloud: Sandbox, key: dict[str, Any]) -> None:
    """Sign a request with the key: the sandbox stamps its last use."""
    boto3.client(
        "sts",
        endpoint_url=cloud.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    ).get_caller_identity()


def _statuses(iam: Any, user: str) -> dict[str, str]:
    return {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}


def _run(
    run_document: Callable[..., DocumentRun], user_id: str, age: str | None = None, *, dry_run: bool = False
) -> DocumentRun:
    given = {"IAMResourceId": [user_id], "AutomationAssumeRole": [ROLE]}
    if age is not None:
        given["MaxCredentialUsageAge"] = [age]
    return run_document(NAME, given, dry_run=dry_run)


def test_keys_unused_for_the_age_are_deactivated_used_or_never_used(
    aws: Callable[..., Any], cloud: Sandbox, run_document: Callable[..., DocumentRun]
) -> None:
    iam = aws("iam")
    user_id = _user(iam, "bob")
    used = iam.create_access_key(UserName="bob")["AccessKey"]
    never_used = iam.create_access_key(UserName="bob")["AccessKey"]
    _use(cloud, used)
    assert (
        "LastUsedDate" in iam.get_access_key_last_used(AccessKeyId=used["AccessKeyId"])["AccessKeyLastUsed"]
    )

    run = _run(run_document, user_id, "0")

    assert run.failure is None and run.step_names == [STEP]
    assert sorted(params["AccessKeyId"] for _, _, params in run.writes) == sorted(
        [used["AccessKeyId"], never_used["AccessKeyId"]]
    )
    assert all(
        operation == "update_access_key" and params["Status"] == "Inactive"
        for _, operation, params in run.writes
    )
    assert _statuses(iam, "bob") == {used["AccessKeyId"]: "Inactive", never_used["AccessKeyId"]: "Inactive"}


def test_keys_used_or_created_within_the_age_stay_active(
    aws: Callable[..., Any], cloud: Sandbox, run_document: Callable[..., DocumentRun]
) -> None:
    iam = aws("iam")
    user_id = _user(iam, "bob")
    used = iam.create_access_key(UserName="bob")["AccessKey"]
    never_used = iam.create_access_key(UserName="bob")["AccessKey"]
    _use(cloud, used)

    for age in ("1", None):  # a day, and the default 90
        run = _run(run_document, user_id, age)
        assert run.failure is None and run.writes == []
    assert _statuses(iam, "bob") == {used["AccessKeyId"]: "Active", never_used["AccessKeyId"]: "Active"}


def test_only_the_user_with_that_resource_id_is_touched_and_inactive_keys_are_left_out(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    iam = aws("iam")
    user_id = _user(iam, "bob")
    _user(iam, "alice")
    alice_key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    inactive = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="bob", AccessKeyId=inactive, Status="Inactive")
    active = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]

    run = _run(run_document, user_id, "0")

    assert run.failure is None
    assert run.writes == [
        ("iam", "update_access_key", {"UserName": "bob", "AccessKeyId": active, "Status": "Inactive"})
    ]
    assert _statuses(iam, "alice") == {alice_key: "Active"}


def test_a_password_never_used_is_kept_however_small_the_age(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    iam = aws("iam")
    user_id = _user(iam, "carol")
    iam.create_login_profile(UserName="carol", Password="Correct-Horse-42!")

    run = _run(run_document, user_id, "0")

    assert run.failure is None and run.writes == []
    assert [c.operation for c in run.calls if c.service == "iam"][-2:] == ["get_user", "get_login_profile"]
    assert iam.get_login_profile(UserName="carol")["LoginProfile"]["UserName"] == "carol"


def test_a_resource_id_no_user_has_fails_the_step(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    _user(aws("iam"), "bob")

    run = _run(run_document, "AIDAEXAMPLENOSUCHUSER")

    assert run.failure is not None and run.failure.step == STEP
    assert "NoSuchEntity" in run.failure.reason and "AIDAEXAMPLENOSUCHUSER" in run.failure.reason


def test_a_dry_run_changes_nothing_and_lists_the_deactivations(
    aws: Callable[..., Any], run_document: Callable[..., DocumentRun]
) -> None:
    iam = aws("iam")
    user_id = _user(iam, "bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]

    run = _run(run_document, user_id, "0", dry_run=True)

    assert run.failure is None
    assert run.writes == [
        ("iam", "update_access_key", {"UserName": "bob", "AccessKeyId": key, "Status": "Inactive"})
    ]
    assert _statuses(iam, "bob") == {key: "Active"}


def test_parameters_are_checked_as_aws_checks_them() -> None:
    document = load_documents().get(NAME)
    assert [(p.name, p.type, p.default) for p in document.parameters] == [
        ("AutomationAssumeRole", "String", None),
        ("IAMResourceId", "String", None),
        ("MaxCredentialUsageAge", "String", "90"),
    ]
    assert document.resource_types == ("AWS::IAM::User",)
    with pytest.raises(ParameterError):
        document.resolve({"IAMResourceId": ["AIDAEXAMPLE"]})  # AutomationAssumeRole is required
    with pytest.raises(ParameterError):
        document.resolve({"AutomationAssumeRole": [ROLE]})  # and so is IAMResourceId
    for bad in ("-1", "10001", "ninety", "9.5", ""):
        with pytest.raises(ParameterError):
            document.resolve(
                {
                    "IAMResourceId": ["AIDAEXAMPLE"],
                    "AutomationAssumeRole": [ROLE],
                    "MaxCredentialUsageAge": [bad],
                }
            )
    for good in ("0", "45", "10000"):
        resolved = document.resolve(
            {
                "IAMResourceId": ["AIDAEXAMPLE"],
                "AutomationAssumeRole": [ROLE],
                "MaxCredentialUsageAge": [good],
            }
        )
        assert resolved["MaxCredentialUsageAge"] == good
    assert document.resolve({"IAMResourceId": ["AIDAEXAMPLE"], "AutomationAssumeRole": [ROLE]}) == {
        "AutomationAssumeRole": ROLE,
        "IAMResourceId": "AIDAEXAMPLE",
        "MaxCredentialUsageAge": "90",
    }
