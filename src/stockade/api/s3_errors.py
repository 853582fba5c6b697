"""S3's own refusals of a request's signature, payload or checksums (S3 API Reference, "Error
responses", list of error codes). Messages are AWS's where AWS's are recorded.

Extra members (`wire_fields`) are the ones S3 adds to its XML error body, e.g. a
`XAmzContentSHA256Mismatch`'s two hashes; none of them is a secret.
"""

from __future__ import annotations

from collections.abc import Mapping

from stockade.errors import ApiError

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided."
    " Check your key and signing method."
)


class S3RequestError(ApiError):
    """A refusal with S3's wire identity; `fields` are extra members of its XML body."""

    sender_fault = True

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})

    def wire_fields(self) -> Mapping[str, object]:
        return self.fields


class S3SignatureDoesNotMatchError(S3RequestError):
    code = "SignatureDoesNotMatch"
    http_status = 403

    def __init__(self, message: str = SIGNATURE_MISMATCH) -> None:
        super().__init__(message)


class S3AccessDeniedError(S3RequestError):
    """An expired presigned URL: "Request has expired" with `X-Amz-Expires`, `Expires`,
    `ServerTime`."""

    code = "AccessDenied"
    http_status = 403


class S3AuthorizationQueryParametersError(S3RequestError):
    code = "AuthorizationQueryParametersError"
    http_status = 400


class S3ContentSha256MismatchError(S3RequestError):
    code = "XAmzContentSHA256Mismatch"
    http_status = 400

    def __init__(self, client: str, computed: str) -> None:
        super().__init__(
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            {"ClientComputedContentSHA256": client, "S3ComputedContentSHA256": computed},
        )


class S3BadDigestError(S3RequestError):
    code = "BadDigest"
    http_status = 400


class S3InvalidDigestError(S3RequestError):
    code = "InvalidDigest"
    http_status = 400


class S3IncompleteBodyError(S3RequestError):
    code = "IncompleteBody"
    http_status = 400


class S3InvalidChunkSizeError(S3RequestError):
    code = "InvalidChunkSizeError"
    http_status = 403

    def __init__(self, chunk: int, size: int) -> None:
        super().__init__(
            "Only the last chunk is allowed to have a size less than 8192 bytes",
            {"Chunk": str(chunk), "BadChunkSize": str(size)},
        )


class S3InvalidArgumentError(S3RequestError):
    code = "InvalidArgument"
    http_status = 400


class S3InvalidRequestError(S3RequestError):
    code = "InvalidRequest"
    http_status = 400


class S3MalformedTrailerError(S3RequestError):
    code = "MalformedTrailerError"
    http_status = 400

    def __init__(self) -> None:
        super().__init__(
            "The request contained trailing data that was not well-formed or did not conform"
            " to our published schema."
        )


class S3MissingContentLengthError(S3RequestError):
    code = "MissingContentLength"
    http_status = 411

    def __init__(self) -> None:
        super().__init__("You must provide the Content-Length HTTP header.")


class S3NotImplementedError(S3RequestError):
    code = "NotImplemented"
    http_status = 501

    def __init__(self, header: str) -> None:
        super().__init__(
            "A header you provided implies functionality that is not implemented.",
            {"Header": header},
        )


class S3AuthorizationHeaderMalformedError(S3RequestError):
    code = "AuthorizationHeaderMalformed"
    http_status = 400


class S3RequestTimeTooSkewedError(S3RequestError):
    code = "RequestTimeTooSkewed"
    http_status = 403


class S3InvalidAccessKeyIdError(S3RequestError):
    code = "InvalidAccessKeyId"
    http_status = 403


class S3InvalidTokenError(S3RequestError):
    code = "InvalidToken"
    http_status = 400


class S3ExpiredTokenError(S3RequestError):
    code = "ExpiredToken"
    http_status = 400
