"""rest-json error bodies carry exactly the members the model names for the error (sources:
docs/conformance.md). Parsed back by botocore, as a client would."""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from botocore.model import ServiceModel
from botocore.parsers import create_parser

from stockade.api.errors import InvalidSignatureError
from stockade.api.protocols import rest_json
from stockade.errors import ApiError
from stockade.services.lambda_.errors import (
    AccessDeniedError,
    InvalidParameterValueError,
    ResourceNotFoundError,
    ServiceError,
    TooManyRequestsError,
    ValidationError,
)
from stockade.services.signer.errors import ResourceNotFoundError as SignerNotFound

SESSION = botocore.session.get_session()
LAMBDA = SESSION.get_service_model("lambda")
SIGNER = SESSION.get_service_model("signer")


def body_of(model: ServiceModel, error: ApiError) -> dict[str, object]:
    response = rest_json.serialize_error(model, error, "rid")
    document: dict[str, object] = json.loads(response.body)
    return document


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ResourceNotFoundError("Function not found: x"),
         {"Type": "User", "Message": "Function not found: x"}),
        (InvalidParameterValueError("bad"), {"Type": "User", "message": "bad"}),
        (ServiceError("broken"), {"Type": "Service", "Message": "broken"}),
        (TooManyRequestsError("Rate exceeded", "CallerRateLimitExceeded"),
         {"Type": "User", "message": "Rate exceeded", "Reason": "CallerRateLimitExceeded"}),
        # Outside Lambda's model: the framework's bare message (lower-case, and no Type) ...
        (ValidationError("1 validation error detected: ..."),
         {"message": "1 validation error detected: ..."}),
        (InvalidSignatureError("Signature expired"), {"message": "Signature expired"}),
        # ... save AccessDeniedException, whose body AWS spells `Message`.
        (AccessDeniedError("User: x is not authorized"),
         {"Message": "User: x is not authorized"}),
    ],
)  # fmt: skip
def test_lambda_error_bodies(error: ApiError, expected: dict[str, object]) -> None:
    assert body_of(LAMBDA, error) == expected


def test_the_message_reaches_botocore_whichever_way_it_is_spelt() -> None:
    for error in (
        ResourceNotFoundError("a"),
        InvalidParameterValueError("b"),
        ValidationError("c"),
    ):
        response = rest_json.serialize_error(LAMBDA, error, "rid")
        parsed = create_parser("rest-json").parse(
            {"status_code": response.status, "headers": HeadersDict(response.headers),
             "body": response.body},
            None,
        )  # fmt: skip
        assert parsed["Error"]["Message"] == error.message
        assert parsed["Error"]["Code"] == error.code


def test_a_signer_error_carries_no_type_member_its_model_does_not_name() -> None:
    document = body_of(SIGNER, SignerNotFound("gone"))
    assert "Type" not in document
    assert document["message"] == "gone"


def test_an_answer_aws_sends_without_type_leaves_it_out() -> None:
    message = "$LATEST is not supported for an alias pointing to more than 1 version"
    document = body_of(LAMBDA, InvalidParameterValueError(message, typed=False))
    assert document == {"message": message}
