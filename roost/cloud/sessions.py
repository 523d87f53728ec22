"""The only place that builds boto3 sessions and clients.

Per account: credentials from a profile, static keys, or a role to assume (on top of either);
an optional endpoint URL (the sandbox, moto, LocalStack); adaptive retries. Clients are cached per
(account, region, service) and are thread-safe for the calls roost makes.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import boto3
import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.session

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
        self._source_locks: dict[tuple[str, str], threading.Lock] = {}

    @property
    def accounts(self) -> list[AccountSettings]:
        return list(self._accounts.values())

    def account(self, account_id: str) -> AccountSettings:
        try:
            return self._accounts[account_id]
        except KeyError:
            raise CloudError("UnknownAccount", f"account {account_id} is not configured") from None

    def client(self, account_id: str, region: str, service: str) -> Any:
        """A cached client; raises CloudUnreachableError when the account's credentials cannot be had."""
        key = (account_id, region, service)
        with self._lock:
            found = self._clients.get(key)
        if found is not None:
            return found
        account = self.account(account_id)
        # Building a session may call STS (a role to assume): hold only this source's lock meanwhile,
        # so a slow or unreachable STS of one account never stalls the others.
        with self._source_lock(account_id, region):
            with self._lock:
                found = self._clients.get(key)
            if found is not None:
                return found
            try:
                session = self._session(account, region)
                made = session.client(service, endpoint_url=account.endpoint_url, config=client_config())
            except botocore.exceptions.BotoCoreError as exc:
                raise describe_error(exc) from None
            with self._lock:
                self._clients[key] = made
            return made

    def client_as(self, account_id: str, region: str, service: str, role_arn: str) -> Any:
        """A client acting as `role_arn`, assumed with the account's own credentials (an automation
        document's AutomationAssumeRole); cached, its credentials renewed before they expire."""
        key = (account_id, region, f"{service}@{role_arn}")
        with self._lock:
            found = self._clients.get(key)
        if found is not None:
            return found
        account = self.account(account_id)
        with self._source_lock(account_id, region):
            try:
                base = self._session(account, region)
                as_role = replace(account, role_arn=role_arn, external_id=None)
                session = self._assume_role(base, as_role, region, session_name="roost-remediation")
                made = session.client(service, endpoint_url=account.endpoint_url, config=client_config())
            except botocore.exceptions.BotoCoreError as exc:
                raise describe_error(exc) from None
        with self._lock:
            self._clients[key] = made
        return made

    def credentials(self, account_id: str, region: str) -> tuple[str, str, str | None]:
        """The (access key, secret, session token) roost reaches an account with right now: what
        hosted functions are handed, so their code reaches the account as roost does."""
        account = self.account(account_id)
        with self._source_lock(account_id, region):
            try:
                found = self._session(account, region).get_credentials()
            except botocore.exceptions.BotoCoreError as exc:
                raise describe_error(exc) from None
        if found is None:
            raise CloudUnreachableError("NoCredentialsError", f"no credentials for account {account_id}")
        frozen = found.get_frozen_credentials()
        return frozen.access_key, frozen.secret_key, frozen.token

    def _source_lock(self, account_id: str, region: str) -> threading.Lock:
        with self._lock:
            return self._source_locks.setdefault((account_id, region), threading.Lock())

    def _session(self, account: AccountSettings, region: str) -> boto3.session.Session:
        key = (account.account_id, region)
        with self._lock:
            cached = self._sessions.get(key)
        if cached is not None:
            return cached
        base = boto3.session.Session(
            profile_name=account.profile,
            aws_access_key_id=account.access_key_id,
            aws_secret_access_key=account.secret_access_key,
            aws_session_token=account.session_token,
            region_name=region,
        )
        session = self._assume_role(base, account, region) if account.role_arn else base
        with self._lock:
            self._sessions[key] = session
        return session

    @staticmethod
    def _assume_role(
        base: boto3.session.Session,
        account: AccountSettings,
        region: str,
        *,
        session_name: str = "roost-recorder",
    ) -> boto3.session.Session:
        """A session whose credentials come from assuming the account's role, renewed before they expire.

        The first credentials are fetched now, so a role that cannot be assumed (trust policy, external
        id, unreachable STS) is one error for the whole account and region, not one per resource type.
        """
        extra: dict[str, Any] = {"RoleSessionName": session_name}
        if account.external_id:
            extra["ExternalId"] = account.external_id
        source = base.get_credentials()
        if source is None:
            raise CloudUnreachableError(
                "NoCredentialsError", f"no credentials to assume {account.role_arn} with"
            )

        def sts_client(service: str, **kwargs: Any) -> Any:
            return base._session.create_client(
                service,
                region_name=region,
                endpoint_url=account.endpoint_url,
                config=client_config(),
                **kwargs,
            )

        fetcher = botocore.credentials.AssumeRoleCredentialFetcher(
            client_creator=sts_client, source_credentials=source, role_arn=account.role_arn, extra_args=extra
        )
        credentials = botocore.credentials.DeferredRefreshableCredentials(
            method="assume-role", refresh_using=fetcher.fetch_credentials
        )
        try:
            credentials.get_frozen_credentials()
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            error = describe_error(exc)
            raise CloudUnreachableError(
                error.code, f"cannot assume {account.role_arn}: {error.message}"
            ) from None
        assumed = botocore.session.Session()
        assumed._credentials = credentials  # botocore's own way to hand a session refreshing credentials
        return boto3.session.Session(botocore_session=assumed, region_name=region)

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
