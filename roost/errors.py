"""One exception tree for roost.

    RoostError
    ├── ConfigurationError      roost.toml or command-line settings are wrong
    ├── StoreError              the store cannot be opened or migrated
    ├── CloudError              a cloud call failed (after retries); carries the AWS error code
    │   └── CloudUnreachableError   the endpoint could not be reached at all / credentials rejected
    └── ApiError                an error the Config API answers with; carries the AWS error code
        └── FunctionError       an error the Lambda-compatible API answers with (and its HTTP status)

Errors a user sees carry a one-line message; none of them should reach the user as a traceback.
"""

from __future__ import annotations


class RoostError(Exception):
    """Base of every error roost raises on purpose."""


class ConfigurationError(RoostError):
    pass


class StoreError(RoostError):
    pass


class CloudError(RoostError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class CloudUnreachableError(CloudError):
    pass


class ApiError(RoostError):
    """An AWS-shaped error: `code` is the AWS error name (e.g. `NoSuchConfigurationRecorderException`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class FunctionError(ApiError):
    """An error of the Lambda-compatible API: Lambda answers each with its own HTTP status."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(code, message)
        self.status = status
