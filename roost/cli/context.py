"""What every command shares: settings, the store, and which (account, region) it is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from roost.model import AccountRegion
from roost.settings import DEFAULT_REGION, SANDBOX_ACCOUNT_ID, Settings, load_settings
from roost.store import Store


@dataclass
class CliContext:
    config_path: Path | None
    db_override: str | None
    output: str
    _settings: Settings | None = None
    _store: Store | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            loaded = load_settings(self.config_path)
            if self.db_override:
                from dataclasses import replace

                loaded = replace(loaded, db_url=self.db_override)
            self._settings = loaded
        return self._settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = value

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.settings.db_url)
        return self._store

    def source(self, account: str | None, region: str | None) -> AccountRegion:
        """The (account, region) a command is about: the flags, else the only/first configured one."""
        accounts = self.settings.accounts
        if account is None:
            account = accounts[0].account_id if accounts else SANDBOX_ACCOUNT_ID
        if region is None:
            configured = [a for a in accounts if a.account_id == account]
            region = configured[0].regions[0] if configured else DEFAULT_REGION
        return AccountRegion(account, region)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
