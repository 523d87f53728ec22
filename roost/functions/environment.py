"""The environment a function's worker runs with: Lambda's standard variables, the endpoints and
credentials that steer unchanged boto3 code to the right places, and the function's own variables."""

from __future__ import annotations

import os
import re
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from roost.errors import FunctionError
from roost.functions.model import LATEST, FunctionConfig

#: Variables Lambda sets itself and refuses in a function's Environment.
RESERVED_VARIABLES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_REGION",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SECRET_KEY",
        "AWS_SESSION_TOKEN",
        "LAMBDA_RUNTIME_DIR",
        "LAMBDA_TASK_ROOT",
    }
)
VARIABLE_NAME = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")
MAX_ENVIRONMENT_BYTES = 4096


def check_environment(variables: dict[str, str]) -> None:
    """Lambda's checks on a function's Environment.Variables."""
    reserved = sorted(k for k in variables if k in RESERVED_VARIABLES)
    if reserved:
        raise FunctionError(
            "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables because the environment variables "
            "you have provided contains reserved keys that are currently not supported for modification. "
            f"Reserved keys used in this request: {','.join(reserved)}",
        )
    for key in variables:
        if not VARIABLE_NAME.fullmatch(key):
            raise FunctionError(
                "ValidationException",
                f"1 validation error detected: Value '{key}' at 'environment.variables' failed to satisfy "
                "constraint: Map keys must satisfy constraint: [Member must satisfy regular expression "
                "pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
            )
    size = sum(len(k.encode()) + len(str(v).encode()) for k, v in variables.items())
    if size > MAX_ENVIRONMENT_BYTES:
        raise FunctionError(
            "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables because the environment variables "
            f"you have provided exceeded the 4KB limit. String measured: {size} bytes",
        )


def worker_environment(
    config: FunctionConfig,
    *,
    code_dir: Path,
    home: Path,
    credentials: tuple[str, str, str | None],
    cloud_endpoint: str | None,
    api_endpoint: str | None,
    serves_sts: bool,
    local_only: bool,
) -> dict[str, str]:
    key, secret, token = credentials
    minor = config.runtime.removeprefix("python")
    environment = {
        # What the function sees of this machine: nothing of roost's own environment leaks in, and
        # no ~/.aws profile of the user running roost can be picked up by botocore.
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        # Lambda's standard variables.
        "AWS_REGION": config.region,
        "AWS_DEFAULT_REGION": config.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{minor}",
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_VERSION": LATEST,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_size),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": config.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": (
            time.strftime("%Y/%m/%d", time.gmtime()) + f"/[{LATEST}]{secrets.token_hex(16)}"
        ),
        "LAMBDA_TASK_ROOT": str(code_dir),
        "LAMBDA_RUNTIME_DIR": str(Path(sys.executable).parent),
        "_HANDLER": config.handler,
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
    }
    if token:
        environment["AWS_SESSION_TOKEN"] = token
    if cloud_endpoint:
        environment["AWS_ENDPOINT_URL"] = cloud_endpoint
    if api_endpoint:
        # botocore's service-specific variables win over AWS_ENDPOINT_URL.
        environment["AWS_ENDPOINT_URL_CONFIG_SERVICE"] = api_endpoint
        environment["AWS_ENDPOINT_URL_LAMBDA"] = api_endpoint
        if serves_sts:
            environment["AWS_ENDPOINT_URL_STS"] = api_endpoint
            environment["ROOST_WORKER_REFUSE_PUBLIC_STS"] = "1"
        api_host = urlparse(api_endpoint).hostname or ""
        if api_host:
            environment["ROOST_WORKER_ALLOWED_HOSTS"] = api_host  # roost's API, wherever it listens
    if local_only:
        environment["ROOST_WORKER_LOCAL_ONLY"] = "1"
    environment.update(config.environment)
    return environment
