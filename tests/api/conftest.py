"""A live roost API on 127.0.0.1 (uvicorn on a free port) over a real SQLite store and the sandbox,
and real boto3 clients signed with the keys roost knows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from roost.api.app import ConfigApi
from roost.api.auth import KeyPair, KeyRing
from roost.api.context import ApiServices
from roost.api.lambda_api import LambdaApi
from roost.api.server import HttpServer, build_app
from roost.api.sts import StsApi
from roost.clock import SystemClock
from roost.cloud import CloudConnector
from roost.delivery import Deliverer
from roost.functions.host import FunctionHost
from roost.recorder.recorder import Recorder
from roost.rules.engine import RuleEngine
from roost.settings import Settings
from roost.store import Store

SANDBOX_KEYS = KeyPair("test", "test", "123456789012")
OTHER_KEYS = KeyPair("AKIAOTHERACCOUNT0001", "other-secret", "210987654321")


class LiveApi:
    def __init__(self, server: HttpServer, services: ApiServices, keys: KeyRing) -> None:
        self.server = server
        self.services = services
        self.keys = keys
        """The KeyRing both the Config API and STS use (STS adds the credentials it hands out)."""
        self.recording_changes = 0

    @property
    def url(self) -> str:
        return self.server.url

    def client(
        self,
        *,
        keys: KeyPair = SANDBOX_KEYS,
        region: str = "us-east-1",
        service: str = "config",
        retries: int = 1,
    ) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=keys.key_id,
            aws_secret_access_key=keys.secret,
            config=Config(retries={"max_attempts": retries, "mode": "standard"}),
        )


@pytest.fixture
def live_api(store: Store, settings: Settings) -> Iterator[LiveApi]:
    clock = SystemClock()
    connector = CloudConnector(settings.accounts)
    services = ApiServices(
        store=store,
        clock=clock,
        recorder=Recorder(store, connector, clock=clock),
        deliverer=Deliverer(store, connector, clock, history_interval_seconds=3600),
        rules=RuleEngine(store, connector, clock),
        connector=connector,
    )
    keys = KeyRing([SANDBOX_KEYS, OTHER_KEYS])
    api = ConfigApi(services, keys, strict_output=True)
    app = build_app(api, sts_api=StsApi(services, keys), lambda_api=LambdaApi(services, keys))
    server = HttpServer(app, port=0)
    server.start()
    live = LiveApi(server, services, keys)

    def changed() -> None:
        live.recording_changes += 1

    services.recording_changed = changed
    yield live
    server.stop()


@pytest.fixture
def function_host(live_api: LiveApi) -> Iterator[FunctionHost]:
    """Functions hosted behind `live_api`: its Lambda API serves them (without this fixture it answers
    ServiceException), and its Config API checks custom rules' functions against them."""
    services = live_api.services
    host = FunctionHost(services.store, services.clock, services.connector)

    def grant(key: str, secret: str, account: str) -> None:
        live_api.keys.add(KeyPair(key, secret, account))

    host.serve(live_api.url, sts=True, grant=grant)
    services.functions = host
    yield host
    services.functions = None
    host.close()


@pytest.fixture
def config(live_api: LiveApi) -> Any:
    """A boto3 Config client of the sandbox account in us-east-1, pointed at roost."""
    return live_api.client()


@pytest.fixture
def client_error() -> Callable[..., str]:
    """client_error(lambda: config.op(...)) -> the AWS error code it raised."""
    from botocore.exceptions import ClientError

    def run(call: Callable[[], Any]) -> str:
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        return str(raised.value.response["Error"]["Code"])

    return run


def aws_configservice(url: str, *args: str, region: str = "us-east-1") -> Any:
    """Run `aws configservice ARGS` against roost at `url` as a user would (the AWS CLI installed with
    the tests, the sandbox's keys, no profile or config file of this machine); its JSON answer, None
    when it prints nothing. A failing command fails the test with the CLI's message."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=SANDBOX_KEYS.key_id,
        AWS_SECRET_ACCESS_KEY=SANDBOX_KEYS.secret,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    command = [sys.executable, "-m", "awscli", "configservice", *args, "--endpoint-url", url]
    command += ["--region", region, "--output", "json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None
