"""Each served service's internal error parses, with botocore's parser for its protocol, into
the code that service's model or AWS reference names, with status 500."""

from __future__ import annotations

import errno

import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser

from stockade.api.endpoints import Endpoint, RestJsonEndpoint
from stockade.api.internal_errors import INTERNAL_ERRORS, STORAGE_MESSAGE, internal_error
from stockade.api.json_endpoint import JsonEndpoint
from stockade.api.query_endpoint import QueryEndpoint

SESSION = botocore.session.get_session()
EXPECTED = {
    "lambda": "ServiceException",
    "iam": "ServiceFailure",
    "kms": "KMSInternalException",
    "logs": "ServiceUnavailableException",
    "signer": "InternalServiceErrorException",
    "sqs": "InternalFailure",
    "sts": "InternalFailure",
    "cloudtrail": "InternalFailure",
}


def endpoint(service: str) -> Endpoint:
    model = SESSION.get_service_model(service)
    kind = {"rest-json": RestJsonEndpoint, "json": JsonEndpoint, "query": QueryEndpoint}
    built: Endpoint = kind[model.protocol](service, model, {})
    return built


@pytest.mark.parametrize("service", sorted(EXPECTED))
def test_a_storage_fault_is_the_service_own_internal_error(service: str) -> None:
    error = internal_error(service, OSError(errno.ENOSPC, "No space left on device"))
    response = endpoint(service).serialize_error(error, "req-1")
    parsed = create_parser(SESSION.get_service_model(service).protocol).parse(
        {"status_code": response.status, "headers": HeadersDict(dict(response.headers)),
         "body": response.body},
        None,
    )  # fmt: skip
    assert response.status == 500
    assert parsed["Error"]["Code"] == EXPECTED[service]
    assert parsed["Error"]["Message"] == STORAGE_MESSAGE


def test_every_served_service_has_one() -> None:
    assert set(INTERNAL_ERRORS) == set(EXPECTED)


def test_a_bug_is_answered_without_the_storage_message() -> None:
    error = internal_error("lambda", KeyError("FunctionName"))
    assert error.code == "ServiceException"
    assert "storage" not in error.message
    assert "FunctionName" not in error.message
