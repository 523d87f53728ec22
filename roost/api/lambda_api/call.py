"""One Lambda API request as its handler sees it, finding the function it names (within the
caller's reach), and the signed links GetFunction hands out to download a function's code."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request

from roost.api.auth import Caller
from roost.api.context import ApiServices
from roost.api.lambda_api.wire import invalid_value
from roost.errors import FunctionError
from roost.functions.host import FunctionHost
from roost.functions.model import FunctionConfig
from roost.model import AccountRegion

CODE_LINK_SECONDS = 600
"""How long a Code.Location stays good (Lambda's presigned S3 URLs last 10 minutes)."""

INVOKE_ACTIONS = frozenset({"lambda:InvokeFunction", "lambda:*", "*"})


@dataclass(frozen=True)
class Call:
    services: ApiServices
    host: FunctionHost
    caller: Caller
    request: Request
    request_id: str
    body: bytes
    links: CodeLinks

    @property
    def source(self) -> AccountRegion:
        return AccountRegion(self.caller.account_id, self.caller.region)

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)

    def function(self, function_name: str, qualifier: str | None = None, *, action: str) -> FunctionConfig:
        """The function `function_name` names, if the caller may perform `action` on it.

        A name is the caller's own; an ARN may name another region (refused, as Lambda refuses) or
        another account (refused unless its resource policy lets the caller invoke it)."""
        where, name, _ = self.host.parse_name(self.source, function_name)
        if where.region != self.source.region:
            raise invalid_value(
                f"Functions from '{where.region}' are not reachable in this region ('{self.source.region}')"
            )
        if where.account_id != self.source.account_id and not (
            action == "lambda:InvokeFunction" and self._may_invoke(where, name)
        ):
            arn = f"arn:aws:lambda:{where.region}:{where.account_id}:function:{name}"
            raise FunctionError(
                "AccessDeniedException",
                f"User: arn:aws:iam::{self.caller.account_id}:root is not authorized to perform: {action} "
                f"on resource: {arn} because no resource-based policy allows the {action} action",
                status=403,
            )
        return self.host.get(self.source, function_name, qualifier)

    def _may_invoke(self, where: AccountRegion, name: str) -> bool:
        account = self.caller.account_id
        principals = {"*", account, f"arn:aws:iam::{account}:root"}
        return any(
            statement.action in INVOKE_ACTIONS
            and statement.principal in principals
            and statement.source_account in (None, account)
            for statement in self.services.store.functions.policy(where, name) or []
        )

    def check_revision(self, config: FunctionConfig, revision_id: str | None) -> None:
        if revision_id is not None and revision_id != config.revision_id:
            raise FunctionError(
                "PreconditionFailedException",
                "The Revision Id provided does not match the latest Revision Id. "
                "Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
                status=412,
            )


class CodeLinks:
    """Signed, expiring URLs on roost's own server from which a function's package can be fetched
    with a plain GET (GetFunction's Code.Location)."""

    PATH = "/2015-03-31/functions/{name}/code-package"

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)

    def _signature(self, arn: str, sha: str, expires: int) -> str:
        text = f"{arn}\n{sha}\n{expires}".encode()
        return hmac.new(self._secret, text, hashlib.sha256).hexdigest()

    def location(self, base_url: str, config: FunctionConfig) -> str:
        expires = int(time.time()) + CODE_LINK_SECONDS
        query = urlencode(
            {
                "sha256": config.code_sha256,
                "expires": str(expires),
                "signature": self._signature(config.arn, config.code_sha256, expires),
            }
        )
        path = self.PATH.format(name=quote(config.arn, safe=":"))
        return f"{base_url.rstrip('/')}{path}?{query}"

    def check(self, arn: str, query: Any) -> str:
        """The code hash a link grants, or AccessDeniedException when it is forged or expired."""
        sha, expires, signature = query.get("sha256"), query.get("expires"), query.get("signature")
        if not (sha and expires and expires.isdigit() and signature):
            raise FunctionError("AccessDeniedException", "The code link is incomplete.", status=403)
        wanted = self._signature(arn, sha, int(expires))
        if not hmac.compare_digest(wanted, signature):
            raise FunctionError(
                "AccessDeniedException", "The code link's signature does not match.", status=403
            )
        if int(expires) < time.time():
            raise FunctionError("AccessDeniedException", "The code link has expired.", status=403)
        return str(sha)
