"""The Lambda-compatible API (Lambda's REST-JSON protocol) over roost's FunctionHost."""

from roost.api.lambda_api.api import LambdaApi

__all__ = ["LambdaApi"]
