"""roost.toml: what it accepts, and one clear message for what it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from roost.errors import ConfigurationError
from roost.settings import AWS_INTERVAL_SECONDS, SANDBOX_INTERVAL_SECONDS, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roost.toml"
    path.write_text(text)
    return path


def test_a_full_settings_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[store]
url = "postgresql://roost@db/roost"

[recording]
interval_seconds = 120
batch_size = 100
type_intervals = { "AWS::IAM::User" = 3600 }

[delivery]
history_interval_seconds = 600

[[accounts]]
account_id = "111122223333"
name = "prod"
regions = ["eu-west-1", "us-east-1"]
role_arn = "arn:aws:iam::111122223333:role/roost"
external_id = "x"
profile = "prod"

[[access_keys]]
key_id = "AKIAEXAMPLE"
secret = "s"
account_id = "111122223333"
""",
    )
    settings = load_settings(path, environ={})
    assert settings.db_url == "postgresql://roost@db/roost"
    assert settings.type_intervals == {"AWS::IAM::User": 3600.0}
    assert settings.batch_size == 100 and settings.history_interval_seconds == 600
    (account,) = settings.accounts
    assert account.regions == ("eu-west-1", "us-east-1")
    assert account.global_region == "us-east-1"
    assert settings.recording_interval(account) == 120
    assert settings.access_keys[0].account_id == "111122223333"


def test_defaults_and_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        write(tmp_path, '[[accounts]]\naccount_id = "111122223333"\nregions = ["eu-west-1"]\n'),
        environ={"ROOST_DB": "sqlite:////tmp/x.db"},
    )
    assert settings.db_url == "sqlite:////tmp/x.db"
    account = settings.accounts[0]
    assert account.global_region == "eu-west-1"
    assert settings.recording_interval(account) == AWS_INTERVAL_SECONDS
    sandboxed = settings.with_sandbox_account("http://127.0.0.1:1", ("us-east-1",))
    assert sandboxed.recording_interval(sandboxed.account("123456789012")) == SANDBOX_INTERVAL_SECONDS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[accounts]]\naccount_id = "12"\n', "accounts[0].account_id must be 12 digits"),
        ('[[accounts]]\naccount_id = "111122223333"\nregion = "x"\n', "unknown keys: region"),
        ('[[accounts]]\naccount_id = "111122223333"\naccess_key_id = "a"\n', "go together"),
        ('[recording]\ninterval_seconds = "fast"\n', "recording.interval_seconds must be a int or float"),
        ("[[accounts]]\naccount_id = 1\n", "accounts[0].account_id must be a str"),
        ("not toml at all [", "roost.toml"),
        (
            '[[accounts]]\naccount_id = "111122223333"\n[[accounts]]\naccount_id = "111122223333"\n',
            "configured twice",
        ),
    ],
)
def test_bad_settings_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(write(tmp_path, text), environ={})
