"""The answers a function URL gives without (or instead of) the function's own.

Sources: [recorded] LocalStack's AWS-validated snapshots (tests/aws/services/lambda_/
test_lambda.py, TestLambdaURL and TestLambdaPermissions); [guide] the Lambda developer guide,
"Creating and managing Lambda function URLs" (throttling: 429) and Lambda quotas (6 MB
synchronous payloads). Where only the status is documented, the body is Stockade's choice and
says so.
"""

from __future__ import annotations

from dataclasses import dataclass

JSON = "application/json"


@dataclass(frozen=True)
class UrlError:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


def _json_error(status: int, body: bytes, error_type: str) -> UrlError:
    return UrlError(status, body, (("Content-Type", JSON), ("x-amzn-ErrorType", error_type)))


# A host or path that names no URL: 403 {"Message":null}, AccessDeniedException [recorded:
# test_lambda_url_non_existing_url]. AWS does not answer 404 here.
UNKNOWN_URL = _json_error(403, b'{"Message":null}', "AccessDeniedException")

# Authorization refused (no public statement for a NONE URL, a caller not allowed, a deleted
# alias's URL) [recorded: test_lambda_permission_url_invocation,
# test_lambda_url_persists_after_alias_delete].
FORBIDDEN = _json_error(
    403,
    b'{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: '
    b'https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}',
    "AccessDeniedException",
)

# The function failed (unhandled error), or its answer cannot be made into an HTTP response:
# 502 with the text "Internal Server Error" [recorded: test_lambda_url_invocation_exception].
# The content type is not recorded; Lambda's default for URL answers (application/json) is
# used.
FUNCTION_ERROR = UrlError(502, b"Internal Server Error", (("Content-Type", JSON),))

# A timeout is a function error (Sandbox.Timedout); Lambda documents no other status for it.
TIMEOUT = FUNCTION_ERROR

# A buffered response over 6 MB: the invocation fails with a function error on Lambda, which a
# URL answers as any function error.
RESPONSE_TOO_LARGE = FUNCTION_ERROR

# Concurrency exhausted, or reserved concurrency 0 ("deactivating" a URL): 429 [guide]. The
# body and error type are Invoke's TooManyRequestsException ("Rate Exceeded."); not recorded
# for URLs.
THROTTLED = _json_error(429, b'{"Message":"Rate Exceeded."}', "TooManyRequestsException")
RESERVED_CONCURRENCY_ZERO = THROTTLED

# A request whose event would exceed Lambda's 6 MB synchronous request quota: 413 [guide:
# quotas; API Gateway answers the same for Lambda's limit]. Body: Invoke's
# RequestEntityTooLargeException text, not recorded for URLs.
REQUEST_TOO_LARGE = _json_error(
    413,
    b'{"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}',
    "RequestEntityTooLargeException",
)
