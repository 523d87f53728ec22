"""botocore's `config` service model, loaded at run time: the contract for names, shapes and errors."""

from __future__ import annotations

import functools

import botocore.model
import botocore.session

TARGET_PREFIX = "StarlingDoveService"
CONTENT_TYPE = "application/x-amz-json-1.1"
SIGNING_NAME = "config"

#: Errors any operation may answer with: the request itself was malformed or unauthenticated.
COMMON_ERRORS = frozenset(
    {
        "ValidationException",
        "SerializationException",
        "UnknownOperationException",
        "MissingAuthenticationTokenException",
        "IncompleteSignatureException",
        "InvalidSignatureException",
        "UnrecognizedClientException",
        "AccessDeniedException",
        "NotImplementedException",
        "InternalFailure",
    }
)


@functools.cache
def config_model() -> botocore.model.ServiceModel:
    return botocore.session.get_session().get_service_model("config")


def operation_model(name: str) -> botocore.model.OperationModel | None:
    model = config_model()
    if name not in model.operation_names:
        return None
    return model.operation_model(name)


def modeled_errors(name: str) -> frozenset[str]:
    operation = operation_model(name)
    if operation is None:
        return frozenset()
    return frozenset(shape.name for shape in operation.error_shapes)
