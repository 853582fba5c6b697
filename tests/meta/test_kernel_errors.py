"""Each service answers what it cannot do in its own error shape: its internal error parses,
with botocore's parser for its protocol, into the code its model or AWS reference names (500),
and says "storage" only when the data dir's storage failed."""

from __future__ import annotations

import errno

import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser

from stockade.api.ec2_endpoint import Ec2Endpoint
from stockade.api.endpoints import Endpoint, RestJsonEndpoint
from stockade.api.json_endpoint import JsonEndpoint
from stockade.api.query_endpoint import QueryEndpoint
from stockade.kernel.errors import STORAGE_MESSAGE, internal_failure
from stockade.services.declaration import ServiceTable
from tests.meta.kernel_support import model
from tests.support.inprocess import InProcessServer

EXPECTED = {
    "lambda": "ServiceException",
    "iam": "ServiceFailure",
    "kms": "KMSInternalException",
    "logs": "ServiceUnavailableException",
    "signer": "InternalServiceErrorException",
    "sqs": "InternalError",  # its query-compatible code, which botocore reports
    "sts": "InternalFailure",
    "cloudtrail": "InternalFailure",
    "ec2": "InternalError",  # "Error codes for the Amazon EC2 API": server errors
    "stockade": "InternalFailure",  # the operator API
    "events": "InternalException",
    "ssm": "InternalServerError",
    "secretsmanager": "InternalServiceError",
}


def _tables(server: InProcessServer) -> dict[str, ServiceTable]:
    assert server.built is not None
    assert server.built.kernel is not None
    return dict(server.built.kernel.tables)


def _endpoint(service: str) -> Endpoint:
    found = model(service)  # the operator API's own model too
    kind = {"rest-json": RestJsonEndpoint, "json": JsonEndpoint, "query": QueryEndpoint,
            "ec2": Ec2Endpoint}  # fmt: skip
    built: Endpoint = kind[found.protocol](service, found)
    return built


@pytest.mark.parametrize("service", sorted(EXPECTED))
def test_a_storage_fault_is_the_service_own_internal_error(
    kernel_server: InProcessServer, service: str
) -> None:
    errors = _tables(kernel_server)[service].errors
    error = internal_failure(errors, OSError(errno.ENOSPC, "No space left on device"))
    response = _endpoint(service).serialize_error(error, "req-1")
    parsed = create_parser(model(service).protocol).parse(
        {"status_code": response.status, "headers": HeadersDict(dict(response.headers)),
         "body": response.body},
        None,
    )  # fmt: skip
    assert response.status == 500
    assert parsed["Error"]["Code"] == EXPECTED[service]
    assert parsed["Error"]["Message"] == STORAGE_MESSAGE


def test_every_served_service_has_one(kernel_server: InProcessServer) -> None:
    assert set(_tables(kernel_server)) == set(EXPECTED)


def test_a_bug_is_answered_without_the_storage_message(kernel_server: InProcessServer) -> None:
    errors = _tables(kernel_server)["lambda"].errors
    error = internal_failure(errors, KeyError("FunctionName"))
    assert error.code == "ServiceException"
    assert "storage" not in error.message
    assert "FunctionName" not in error.message
