"""CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, UpdateFunctionCode,
UpdateFunctionConfiguration, DeleteFunction, and the code-package download GetFunction links to."""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import Any

import botocore.exceptions
from starlette.responses import Response

from roost.api.lambda_api.call import Call, CodeLinks
from roost.api.lambda_api.wire import (
    empty_response,
    environment_variables,
    function_configuration,
    get_bool,
    get_int,
    get_list,
    get_object,
    get_str,
    get_string_map,
    invalid_content,
    invalid_value,
    json_response,
    parse_json,
    require_str,
    validation,
)
from roost.errors import CloudError, FunctionError
from roost.functions.code import check_package, code_sha256
from roost.functions.host import FunctionHost
from roost.functions.model import LATEST

DEFAULT_MAX_ITEMS = 50
MAX_ITEMS = 10000

#: Settings roost cannot honour: refused rather than silently dropped.
UNSUPPORTED = {
    "Layers": "roost does not support layers: put the libraries in the deployment package.",
    "FileSystemConfigs": "roost does not mount file systems into functions.",
    "ImageConfig": "roost runs Zip functions only: ImageConfig is not supported.",
    "CodeSigningConfigArn": "roost does not check code signatures.",
}


def _refuse_unsupported(params: dict[str, Any]) -> None:
    for name, message in UNSUPPORTED.items():
        if params.get(name):
            raise invalid_value(message)
    architectures = get_list(params, "Architectures")
    if architectures is not None and architectures != ["x86_64"]:
        if architectures == ["arm64"]:
            raise invalid_value("roost runs functions on this machine: Architectures must be [x86_64].")
        raise validation(
            architectures, "architectures", "Member must satisfy enum value set: [x86_64, arm64]"
        )


def package_from(call: Call, code: dict[str, Any]) -> bytes:
    """The deployment package a request's code members give: ZipFile, or S3Bucket and S3Key."""
    if code.get("ImageUri") is not None:
        raise invalid_value("roost runs Zip functions only: ImageUri (a container image) is not supported.")
    zip_file = get_str(code, "ZipFile")
    bucket, key, version = get_str(code, "S3Bucket"), get_str(code, "S3Key"), get_str(code, "S3ObjectVersion")
    if zip_file is not None:
        if bucket or key:
            raise invalid_value("Please provide either ZipFile or S3Bucket and S3Key, not both.")
        try:
            return base64.b64decode(zip_file, validate=True)
        except (binascii.Error, ValueError):
            raise invalid_content("ZipFile is not valid base64") from None
    if bucket and key:
        return _s3_object(call, bucket, key, version)
    raise invalid_value("Please provide a source for function code: ZipFile, or S3Bucket and S3Key.")


def _s3_object(call: Call, bucket: str, key: str, version: str | None) -> bytes:
    connector = call.services.connector
    account = call.source.account_id
    if connector is None:
        raise invalid_value(
            "roost reaches no cloud here: give the code as ZipFile instead of S3Bucket/S3Key."
        )
    try:
        s3 = connector.client(account, call.source.region, "s3")
        extra = {"VersionId": version} if version else {}
        found = s3.get_object(Bucket=bucket, Key=key, **extra)
        return bytes(found["Body"].read())
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise invalid_value(
            f"Error occurred while GetObject. S3 Error Code: {error.get('Code')}. "
            f"S3 Error Message: {error.get('Message')}"
        ) from None
    except (CloudError, botocore.exceptions.BotoCoreError) as exc:
        raise invalid_value(f"roost could not read s3://{bucket}/{key} of account {account}: {exc}") from None


def create_function(call: Call) -> Response:
    params = parse_json(call.body)
    if get_str(params, "PackageType") not in (None, "Zip"):
        raise invalid_value("roost runs Zip functions only: PackageType Image is not supported.")
    _refuse_unsupported(params)
    name = require_str(params, "FunctionName", "functionName")
    role = require_str(params, "Role", "role")
    code = get_object(params, "Code")
    if code is None:
        raise validation("null", "code", "Member must not be null")
    runtime, handler = get_str(params, "Runtime"), get_str(params, "Handler")
    timeout, memory = get_int(params, "Timeout"), get_int(params, "MemorySize")
    description = get_str(params, "Description") or ""
    environment = environment_variables(params)
    tags = get_string_map(params, "Tags")
    get_bool(params, "Publish")
    package = package_from(call, code)
    config = call.host.create(
        call.source,
        name=name,
        runtime=runtime,
        handler=handler,
        role=role,
        package=package,
        timeout=timeout,
        memory_size=memory,
        environment=environment,
        description=description,
        tags=tags,
    )
    return json_response(201, function_configuration(config), call.request_id)


def get_function(call: Call) -> Response:
    config = call.function(call.path("name"), call.query("Qualifier"), action="lambda:GetFunction")
    body = {
        "Configuration": function_configuration(config),
        "Code": {
            "RepositoryType": "S3",
            "Location": call.links.location(str(call.request.base_url), config),
        },
        "Tags": dict(config.tags),
    }
    return json_response(200, body, call.request_id)


def get_function_configuration(call: Call) -> Response:
    config = call.function(
        call.path("name"), call.query("Qualifier"), action="lambda:GetFunctionConfiguration"
    )
    return json_response(200, function_configuration(config), call.request_id)


def list_functions(call: Call) -> Response:
    version = call.query("FunctionVersion")
    if version not in (None, "ALL"):
        raise validation(version, "functionVersion", "Member must satisfy enum value set: [ALL]")
    max_items = _max_items(call.query("MaxItems"))
    functions = sorted(call.host.list(call.source), key=lambda config: config.name)
    marker = call.query("Marker")
    if marker:
        after = _unmark(marker)
        functions = [config for config in functions if config.name > after]
    page = functions[:max_items]
    body: dict[str, Any] = {"Functions": [function_configuration(config) for config in page]}
    if len(functions) > max_items:
        body["NextMarker"] = base64.urlsafe_b64encode(page[-1].name.encode()).decode()
    return json_response(200, body, call.request_id)


def _max_items(text: str | None) -> int:
    if text is None:
        return DEFAULT_MAX_ITEMS
    try:
        value = int(text)
    except ValueError:
        raise validation(text, "maxItems", "Member must be an integer") from None
    if not 1 <= value <= MAX_ITEMS:
        raise validation(text, "maxItems", f"Member must have value between 1 and {MAX_ITEMS}")
    return value


def _unmark(marker: str) -> str:
    try:
        name = base64.b64decode(marker.encode(), altchars=b"-_", validate=True).decode()
        if not name:
            raise ValueError("empty marker")
        return name
    except (binascii.Error, ValueError):
        raise invalid_value(f"Invalid Marker: {marker[:80]}") from None


def update_function_code(call: Call) -> Response:
    params = parse_json(call.body)
    _refuse_unsupported(params)
    config = call.function(call.path("name"), action="lambda:UpdateFunctionCode")
    call.check_revision(config, get_str(params, "RevisionId"))
    get_bool(params, "Publish")
    package = package_from(call, params)
    if get_bool(params, "DryRun"):
        check_package(package)
        config = replace(config, code_sha256=code_sha256(package), code_size=len(package))
    else:
        config = call.host.update_code(call.source, config.arn, package)
    return json_response(200, function_configuration(config), call.request_id)


#: UpdateFunctionConfiguration's members and the FunctionConfig fields they change.
SETTINGS = {
    "Runtime": "runtime",
    "Handler": "handler",
    "Role": "role",
    "Description": "description",
}


def update_function_configuration(call: Call) -> Response:
    params = parse_json(call.body)
    _refuse_unsupported(params)
    changes: dict[str, Any] = {}
    for member, field in SETTINGS.items():
        value = get_str(params, member)
        if value is not None:
            changes[field] = value
    for member, field in (("Timeout", "timeout"), ("MemorySize", "memory_size")):
        number = get_int(params, member)
        if number is not None:
            changes[field] = number
    environment = environment_variables(params)
    if environment is not None:
        changes["environment"] = environment
    config = call.function(call.path("name"), action="lambda:UpdateFunctionConfiguration")
    config = call.host.update_configuration(
        call.source, config.arn, changes, revision_id=get_str(params, "RevisionId")
    )
    return json_response(200, function_configuration(config), call.request_id)


def delete_function(call: Call) -> Response:
    qualifier = call.query("Qualifier")
    if qualifier == LATEST:
        raise invalid_value("$LATEST version cannot be deleted without deleting the function.")
    config = call.function(call.path("name"), qualifier, action="lambda:DeleteFunction")
    call.host.delete(call.source, config.arn)
    return empty_response(204, call.request_id)


def download_code(host: FunctionHost, links: CodeLinks, arn: str, query: Any) -> Response:
    """GET of a Code.Location: the package, if the link is genuine and the code is still current."""
    sha = links.check(arn, query)
    config = host.find_arn(arn)
    if config is None or config.code_sha256 != sha:
        raise FunctionError(
            "ResourceNotFoundException",
            "The function or this version of its code no longer exists.",
            status=404,
        )
    return Response(
        host.package(config),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{config.name}.zip"'},
    )
