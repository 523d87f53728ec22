"""Reaching the cloud: boto3 sessions per account (sessions.py) and the sandbox cloud (sandbox.py)."""

from roost.cloud.sessions import CloudConnector, describe_error

__all__ = ["CloudConnector", "describe_error"]
