"""`roost up` and `roost sandbox`."""

from __future__ import annotations

import signal
import threading

import click

from roost.api.auth import KeyPair
from roost.api.server import HttpServer
from roost.cli.context import CliContext
from roost.cloud.lab_seed import LAB_REGIONS, seed_lab
from roost.cloud.sandbox import SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY, Sandbox
from roost.errors import ConfigurationError
from roost.model import AccountRegion
from roost.service import Roost
from roost.settings import SANDBOX_ACCOUNT_ID


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


@click.command()
@click.option("--port", default=4566, show_default=True, help="Port of the sandbox cloud (0: any free port).")
@click.option(
    "--seed",
    type=click.Choice(["lab", "empty"]),
    default="lab",
    show_default=True,
    help="Create the lab's resources, or start empty.",
)
def sandbox(port: int, seed: str) -> None:
    """Run the sandbox cloud (moto's server) as a simulated AWS account."""
    with Sandbox(port=port) as cloud:
        if seed == "lab":
            seed_lab(cloud.endpoint_url)
        click.echo(
            f"sandbox cloud at {cloud.endpoint_url}  account {SANDBOX_ACCOUNT_ID}  "
            f"keys {SANDBOX_ACCESS_KEY}/{SANDBOX_SECRET_KEY}  seed: {seed}"
        )
        click.echo(f"record it with: roost up --cloud-endpoint {cloud.endpoint_url}")
        _wait_for_interrupt()


@click.command()
@click.option(
    "--cloud-endpoint",
    default=None,
    metavar="URL",
    help="Record an AWS-compatible endpoint that is already running, as account 123456789012.",
)
@click.option(
    "--sandbox-port", default=0, show_default=True, help="Port of the in-process sandbox (0: free port)."
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="REGION",
    help="Region to record in the sandbox account (repeatable; default us-east-1).",
)
@click.option("--seed", type=click.Choice(["lab", "empty"]), default="lab", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the API listens on.")
@click.option("--port", default=7700, show_default=True, help="Port of the API (0: any free port).")
@click.option(
    "--permissive",
    is_flag=True,
    help="Accept any access key without checking signatures (a 12-digit key id is taken as the account).",
)
@click.pass_obj
def up(
    obj: CliContext,
    cloud_endpoint: str | None,
    sandbox_port: int,
    regions: tuple[str, ...],
    seed: str,
    host: str,
    port: int,
    permissive: bool,
) -> None:
    """Start roost: record continuously and deliver.

    With no account in roost.toml, roost starts its sandbox cloud in-process with the lab's
    resources and records it. With --cloud-endpoint it records that endpoint instead.
    """
    settings = obj.settings
    cloud: Sandbox | None = None
    sandbox_mode = not settings.accounts or cloud_endpoint is not None
    recorded_regions = regions or ("us-east-1",)
    if sandbox_mode:
        endpoint = cloud_endpoint
        if endpoint is None:
            cloud = Sandbox(port=sandbox_port)
            endpoint = cloud.start()
            if seed == "lab":
                click.echo("seeding the sandbox with the lab's resources ...")
                seed_lab(endpoint, regions=tuple(dict.fromkeys((*LAB_REGIONS, *recorded_regions))))
        settings = settings.with_sandbox_account(endpoint, tuple(recorded_regions))
        obj.settings = settings
    roost = Roost(settings, store=obj.store)
    api: HttpServer | None = None
    try:
        problems = roost.check_sources()
        for source, error in problems.items():
            if error is not None:
                click.echo(f"roost: cannot reach {source}: {error.code}: {error.message}", err=True)
        if sandbox_mode:
            for region in recorded_regions:
                setup = roost.ensure_recording(AccountRegion(SANDBOX_ACCOUNT_ID, region))
                if setup.recorder_created:
                    click.echo(
                        f"recording {setup.source}: all supported types, delivering to s3://{setup.bucket}"
                    )
        roost.start()
        api = _serve_api(roost, host=host, port=port, sandbox_mode=sandbox_mode, permissive=permissive)
        click.echo("")
        click.echo("roost is up")
        click.echo(f"  AWS Config API  {api.url}  (boto3 / aws configservice --endpoint-url {api.url})")
        click.echo(f"  Lambda API      {api.url}  (custom rules' functions: aws lambda ... --endpoint-url)")
        sign_in = "" if host in ("127.0.0.1", "localhost") else "  (sign in with an access key pair)"
        click.echo(f"  dashboard       {api.url}/{sign_in}")
        if permissive:
            click.echo("  identity        permissive: any access key is accepted, signatures are not checked")
        elif sandbox_mode:
            click.echo(
                f"  identity        access key {SANDBOX_ACCESS_KEY} / secret {SANDBOX_SECRET_KEY} "
                f"is account {SANDBOX_ACCOUNT_ID}"
            )
        click.echo(f"  store           {settings.db_url}")
        if sandbox_mode:
            click.echo(
                f"  sandbox cloud   {settings.accounts[0].endpoint_url}  (account {SANDBOX_ACCOUNT_ID}, "
                f"keys {SANDBOX_ACCESS_KEY}/{SANDBOX_SECRET_KEY})"
            )
        for account in settings.accounts:
            click.echo(
                f"  account         {account.account_id} {account.name or ''} "
                f"regions {', '.join(account.regions)}"
            )
        click.echo("  try             roost status | roost resources list | roost resources history TYPE ID")
        click.echo("stop with Ctrl-C")
        _wait_for_interrupt()
    finally:
        if api is not None:
            api.stop()
        roost.stop(close_store=False)
        if cloud is not None:
            cloud.stop()


def _serve_api(roost: Roost, *, host: str, port: int, sandbox_mode: bool, permissive: bool) -> HttpServer:
    """The Config API over this roost's store, recorder and delivery, on host:port."""
    keys = [KeyPair(k.key_id, k.secret, k.account_id) for k in roost.settings.access_keys]
    if sandbox_mode:
        keys.append(KeyPair(SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY, SANDBOX_ACCOUNT_ID))
    if not keys and not permissive:
        click.echo("roost: no [[access_keys]] in roost.toml: the API will refuse every caller", err=True)
    try:
        return roost.serve_api(keys, host=host, port=port, permissive=permissive)
    except OSError as exc:
        raise ConfigurationError(f"cannot serve the API on {host}:{port}: {exc}") from None


COMMANDS = [up, sandbox]
