"""The only place that builds boto3 sessions and clients.

Per account: credentials from a profile, static keys, or a role to assume (on top of either);
an optional endpoint URL (the sandbox, moto, LocalStack); adaptive retries. Clients are cached per
(account, region, service) and are thread-safe for the calls roost makes.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from roost.errors import CloudError, CloudUnreachableError
from roost.settings import AccountSettings

#: Retries happen inside botocore (adaptive mode backs off on throttling).
RETRY_ATTEMPTS = 5


def client_config(*, max_attempts: int = RETRY_ATTEMPTS) -> botocore.config.Config:
    return botocore.config.Config(
        retries={"mode": "adaptive", "max_attempts": max_attempts},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=32,
    )


class CloudConnector:
    """Hands out boto3 clients for the accounts in the settings."""

    def __init__(self, accounts: tuple[AccountSettings, ...] | list[AccountSettings]) -> None:
        self._accounts = {a.account_id: a for a in accounts}
        self._sessions: dict[tuple[str, str], boto3.session.Session] = {}
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.RLock()

    @property
    def accounts(self) -> list[AccountSettings]:
        return list(self._accounts.values())

    def account(self, account_id: str) -> AccountSettings:
        try:
            return self._accounts[account_id]
        except KeyError:
            raise CloudError("UnknownAccount", f"account {account_id} is not configured") from None

    def client(self, account_id: str, region: str, service: str) -> Any:
        key = (account_id, region, service)
        with self._lock:
            if key not in self._clients:
                account = self.account(account_id)
                try:
                    session = self._session(account, region)
                    self._clients[key] = session.client(
                        service, endpoint_url=account.endpoint_url, config=client_config()
                    )
                except botocore.exceptions.BotoCoreError as exc:
                    raise describe_error(exc) from None
            return self._clients[key]

    def _session(self, account: AccountSettings, region: str) -> boto3.session.Session:
        key = (account.account_id, region)
        if key not in self._sessions:
            base = boto3.session.Session(
                profile_name=account.profile,
                aws_access_key_id=account.access_key_id,
                aws_secret_access_key=account.secret_access_key,
                aws_session_token=account.session_token,
                region_name=region,
            )
            if account.role_arn:
                base = self._assume_role(base, account, region)
            self._sessions[key] = base
        return self._sessions[key]

    @staticmethod
    def _assume_role(
        base: boto3.session.Session, account: AccountSettings, region: str
    ) -> boto3.session.Session:
        sts = base.client("sts", endpoint_url=account.endpoint_url, config=client_config())
        params: dict[str, Any] = {"RoleArn": account.role_arn, "RoleSessionName": "roost-recorder"}
        if account.external_id:
            params["ExternalId"] = account.external_id
        try:
            credentials = sts.assume_role(**params)["Credentials"]
        except botocore.exceptions.ClientError as exc:
            raise describe_error(exc) from None
        except botocore.exceptions.BotoCoreError as exc:
            raise describe_error(exc) from None
        return boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
        )

    def check(self, account_id: str, region: str) -> str:
        """Ask STS who we are: the cheapest call that proves the endpoint and credentials work."""
        try:
            identity = self.client(account_id, region, "sts").get_caller_identity()
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise describe_error(exc) from None
        return str(identity["Account"])


_UNREACHABLE = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.NoCredentialsError,
    botocore.exceptions.PartialCredentialsError,
    botocore.exceptions.ProfileNotFound,
)
_BAD_CREDENTIALS = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "ExpiredToken",
    "InvalidAccessKeyId",
}


def describe_error(exc: BaseException) -> CloudError:
    """Turn a botocore failure into a one-line CloudError with the AWS error code."""
    if isinstance(exc, CloudError):
        return exc
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "ClientError")
        message = str(error.get("Message") or exc)
        if code in _BAD_CREDENTIALS:
            return CloudUnreachableError(code, message)
        return CloudError(code, message)
    if isinstance(exc, _UNREACHABLE):
        return CloudUnreachableError(type(exc).__name__, str(exc))
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return CloudError(type(exc).__name__, str(exc))
    return CloudError(type(exc).__name__, str(exc) or type(exc).__name__)
