"""AWS STS's Query protocol on roost's API: AssumeRole (forwarded to the cloud) and GetCallerIdentity.

Why roost answers STS: a function roost hosts (a custom Config rule through rdklib) runs with
AWS_ENDPOINT_URL_STS pointed at roost, calls `sts.assume_role(...)`, and then signs every client with
the temporary credentials it got back, the Config client (which talks to roost) included. So roost
forwards AssumeRole to the cloud, through the CloudConnector that holds the accounts' credentials,
adds the credentials the cloud returned to the KeyRing as keys of the role's account, and returns
them unchanged: they work against roost's API and against the cloud alike.

The wire is STS's: a form-encoded POST (`Action=AssumeRole&Version=2011-06-15&...`) signed with SigV4
for the service `sts`; answers are STS's XML, errors as `<ErrorResponse>` (HTTP 403 for authentication
failures and AccessDenied, 400 for the rest). A bug in roost is answered 500 InternalFailure and
logged with its traceback, as the Config API does.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import botocore.exceptions
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from roost.api.auth import Caller, KeyPair, KeyRing, authenticate_request
from roost.api.context import ApiServices
from roost.cloud import CloudConnector, describe_error
from roost.errors import ApiError, CloudError, CloudUnreachableError

log = logging.getLogger(__name__)

SIGNING_NAME = "sts"
VERSION = "2011-06-15"
NAMESPACE = f"https://sts.amazonaws.com/doc/{VERSION}/"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

_ROLE_ARN = re.compile(r"arn:(?P<partition>aws[a-z-]*):iam::(?P<account>\d{12}):role/[\w+=,.@/-]{1,512}")
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")
_POLICY = re.compile(r"[\t\n\r\u0020-\u00ff]{1,2048}")
_DURATION = (900, 43200)

#: The answer is a tree of elements: text leaves, or nested mappings in document order.
Xml = Mapping[str, "str | Xml"]


class StsError(Exception):
    """An error STS answers with: its code, message and HTTP status."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class AssumedRole:
    """Who the temporary credentials roost handed out are (GetCallerIdentity answers with it)."""

    arn: str
    assumed_role_id: str
    account_id: str


def _element(tag: str, content: str | Xml) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(content, str):
        element.text = content
    else:
        element.extend(_element(name, value) for name, value in content.items())
    return element


def _xml_response(status: int, root: str, content: Xml, request_id: str) -> Response:
    document = _element(root, content)
    document.set("xmlns", NAMESPACE)
    return Response(
        ET.tostring(document, encoding="unicode"),
        status_code=status,
        media_type="text/xml",
        headers={"x-amzn-RequestId": request_id},
    )


def error_response(error: StsError, request_id: str) -> Response:
    kind = "Sender" if error.status < 500 else "Receiver"
    content: Xml = {
        "Error": {"Type": kind, "Code": error.code, "Message": error.message},
        "RequestId": request_id,
    }
    return _xml_response(error.status, "ErrorResponse", content, request_id)


def _result(action: str, result: Xml, request_id: str) -> Response:
    content = {f"{action}Result": result, "ResponseMetadata": {"RequestId": request_id}}
    return _xml_response(200, f"{action}Response", content, request_id)


def parse_params(query: str, body: bytes) -> dict[str, str]:
    """The request's parameters: the query string's, then the form body's (the body wins)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise StsError("MalformedQueryString", "The request body is not UTF-8.") from None
    params = dict(parse_qsl(query, keep_blank_values=True))
    params.update(parse_qsl(text, keep_blank_values=True))
    return params


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if value is None:
        raise StsError("MissingParameter", f"The request must contain the parameter {name}.")
    return value


def _invalid(name: str, value: str, constraint: str) -> StsError:
    shown = value if len(value) <= 80 else value[:80] + "..."
    return StsError(
        "ValidationError",
        f"1 validation error detected: Value '{shown}' at '{name[0].lower()}{name[1:]}' failed to satisfy "
        f"constraint: {constraint}",
    )


def assume_role_arguments(params: Mapping[str, str]) -> dict[str, Any]:
    """AssumeRole's arguments for boto3, checked against STS's constraints."""
    role_arn = _required(params, "RoleArn")
    if not _ROLE_ARN.fullmatch(role_arn):
        raise _invalid(
            "RoleArn", role_arn, "Member must be the ARN of an IAM role (arn:aws:iam::<account>:role/<name>)"
        )
    session_name = _required(params, "RoleSessionName")
    if not _SESSION_NAME.fullmatch(session_name):
        raise _invalid(
            "RoleSessionName",
            session_name,
            "Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*",
        )
    arguments: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name}
    if "DurationSeconds" in params:
        text = params["DurationSeconds"]
        low, high = _DURATION
        if not text.isdigit() or not low <= int(text) <= high:
            raise _invalid("DurationSeconds", text, f"Member must be a number between {low} and {high}")
        arguments["DurationSeconds"] = int(text)
    if "ExternalId" in params:
        if not _EXTERNAL_ID.fullmatch(params["ExternalId"]):
            raise _invalid(
                "ExternalId",
                params["ExternalId"],
                "Member must have length between 2 and 1224 and satisfy regular expression pattern: "
                "[\\w+=,.@:\\/-]*",
            )
        arguments["ExternalId"] = params["ExternalId"]
    if "Policy" in params:
        if not _POLICY.fullmatch(params["Policy"]):
            raise _invalid("Policy", params["Policy"], "Member must have length between 1 and 2048")
        arguments["Policy"] = params["Policy"]
    return arguments


def _configured(connector: CloudConnector, account_id: str) -> bool:
    try:
        connector.account(account_id)
    except CloudError:
        return False
    return True


def _iso8601(value: Any) -> str:
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


class StsApi:
    """Answers STS requests for the accounts in `keys`; AssumeRole goes to `services.connector`.

    `keys` must be the KeyRing the Config API checks, so the credentials handed out here are accepted
    there."""

    def __init__(self, services: ApiServices, keys: KeyRing) -> None:
        self.services = services
        self.keys = keys
        self._assumed: dict[str, AssumedRole] = {}
        self._lock = threading.Lock()
        self._actions: dict[str, Callable[[Caller, Mapping[str, str]], Xml]] = {
            "AssumeRole": self.assume_role,
            "GetCallerIdentity": self.get_caller_identity,
        }

    async def handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            body = await request.body()
            try:
                caller = authenticate_request(
                    self.keys, request, body, now=self.services.clock.now(), service=SIGNING_NAME
                )
            except ApiError as error:
                raise StsError(error.code, error.message, status=403) from None
            params = parse_params(request.url.query, body)
            action = params.get("Action")
            if not action:
                raise StsError("InvalidAction", "The request has no Action parameter.")
            answer = self._actions.get(action)
            version = params.get("Version", VERSION)
            if answer is None or version != VERSION:
                raise StsError("InvalidAction", f"Could not find operation {action} for version {version}.")
            result = await run_in_threadpool(answer, caller, params)
            return _result(action, result, request_id)
        except StsError as error:
            return error_response(error, request_id)
        except Exception:
            log.exception("internal error answering an STS request")
            failure = StsError(
                "InternalFailure", "roost failed to answer this request; its log says why.", status=500
            )
            return error_response(failure, request_id)

    def assume_role(self, caller: Caller, params: Mapping[str, str]) -> Xml:
        """Assume the role in the cloud; accept the credentials it returns as the role account's keys."""
        arguments = assume_role_arguments(params)
        role_arn: str = arguments["RoleArn"]
        match = _ROLE_ARN.fullmatch(role_arn)
        assert match is not None  # checked by assume_role_arguments
        role_account = match["account"]
        connector = self.services.connector
        if connector is None:
            raise StsError(
                "ServiceUnavailable", "This roost reaches no cloud accounts: it cannot forward AssumeRole."
            )
        # Always as the caller, as STS does: the role's trust policy judges the caller's account, and
        # a key of one account never borrows the credentials roost holds for another.
        through = caller.account_id
        if not _configured(connector, through):
            raise StsError(
                "AccessDenied",
                f"roost does not reach the caller's account {caller.account_id}: "
                f"it cannot assume {role_arn}.",
                status=403,
            )
        if role_account != caller.account_id and connector.account(through).endpoint_url is not None:
            # A simulated cloud (the sandbox, LocalStack) checks no trust policy: there, a role in another
            # account would hand the caller that account's data in roost. Real AWS's STS decides itself.
            raise StsError(
                "AccessDenied",
                f"roost refuses to assume {role_arn} from account {caller.account_id}: the account's cloud "
                f"({connector.account(through).endpoint_url}) checks no trust policies.",
                status=403,
            )
        try:
            answer = connector.client(through, caller.region, "sts").assume_role(**arguments)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, CloudError) as exc:
            error = describe_error(exc)
            message = error.message
            if isinstance(error, CloudUnreachableError):
                message = f"roost could not reach account {through}'s STS: {message}"
            status = 403 if error.code == "AccessDenied" else 400
            raise StsError(error.code, message, status=status) from None
        credentials = answer["Credentials"]
        user = answer["AssumedRoleUser"]
        expires = credentials["Expiration"]
        self.keys.add(
            KeyPair(
                credentials["AccessKeyId"],
                credentials["SecretAccessKey"],
                role_account,
                expires=expires if isinstance(expires, datetime) else None,
            )
        )
        with self._lock:
            self._assumed[credentials["AccessKeyId"]] = AssumedRole(
                user["Arn"], user["AssumedRoleId"], role_account
            )
            if len(self._assumed) % 100 == 0:  # forget sessions whose credentials expired
                self._assumed = {k: v for k, v in self._assumed.items() if self.keys.get(k) is not None}
        result: dict[str, str | Xml] = {
            "Credentials": {
                "AccessKeyId": credentials["AccessKeyId"],
                "SecretAccessKey": credentials["SecretAccessKey"],
                "SessionToken": credentials["SessionToken"],
                "Expiration": _iso8601(credentials["Expiration"]),
            },
            "AssumedRoleUser": {"AssumedRoleId": user["AssumedRoleId"], "Arn": user["Arn"]},
        }
        if "PackedPolicySize" in answer:
            result["PackedPolicySize"] = str(answer["PackedPolicySize"])
        if "SourceIdentity" in answer:
            result["SourceIdentity"] = str(answer["SourceIdentity"])
        return result

    def get_caller_identity(self, caller: Caller, params: Mapping[str, str]) -> Xml:
        """The caller as roost knows it: the role session for credentials roost's STS handed out, else
        the access key roost.toml gives (as a user of its account)."""
        with self._lock:
            assumed = self._assumed.get(caller.access_key_id)
        if assumed is not None:
            return {"UserId": assumed.assumed_role_id, "Account": assumed.account_id, "Arn": assumed.arn}
        return {
            "UserId": caller.access_key_id,
            "Account": caller.account_id,
            "Arn": f"arn:aws:iam::{caller.account_id}:user/roost/{caller.access_key_id}",
        }
