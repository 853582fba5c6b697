"""Lambda's documented quotas that botocore's models do not carry.

Where the model has a constraint (lengths, patterns, enums) the API layer enforces it from the
model; the numbers here are the tighter limits from Lambda's quota documentation.
"""

from __future__ import annotations

FUNCTION_NAME_MAX = 64  # the name itself; the model's 140 bounds the ARN forms
MEMORY_MB_MIN = 128
MEMORY_MB_MAX = 10_240
TIMEOUT_S_MIN = 1
TIMEOUT_S_MAX = 900
EPHEMERAL_MB_MIN = 512
EPHEMERAL_MB_MAX = 10_240
ENVIRONMENT_BYTES_MAX = 4 * 1024
LAYERS_MAX = 5
ZIPPED_BYTES_MAX = 50 * 1024 * 1024  # direct upload
UNZIPPED_BYTES_MAX = 262_144_000  # function and all its layers, unzipped
TOTAL_CODE_BYTES_MAX = 75 * 1024**3  # per account (Lambda: per region)
CONCURRENT_EXECUTIONS_DEFAULT = 1000
UNRESERVED_CONCURRENCY_MIN = 100
SYNC_PAYLOAD_BYTES_MAX = 6 * 1024 * 1024
# A request uploading code must be smaller than this: Lambda's RequestEntityTooLargeException
# quotes it ("Request must be smaller than 70167211 bytes for the CreateFunction operation",
# recorded AWS response); a 50 MB zip, base64-encoded in JSON, fits.
CODE_UPLOAD_REQUEST_BYTES_MAX = 70_167_211
LIST_PAGE_MAX = 50

# Environment variables Lambda sets itself; a function may not define them. Stockade also
# reserves the variables through which it points SDKs inside the sandbox back at itself.
RESERVED_ENVIRONMENT_VARIABLES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "AWS_ENDPOINT_URL",
        "AWS_CA_BUNDLE",
    }
)
