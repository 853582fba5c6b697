"""The built-in `python3.11` runtime: Lambda's Python runtime loop, in-process after the fork.

Behaviour follows awslambdaric (the runtime Lambda ships): handler resolution and its fault
types/messages, the context object, JSON (de)serialisation, the logging format, the error
payload {errorMessage, errorType, requestId, stackTrace} and the "[ERROR] ..." log record whose
lines are joined by '\\r' so that one error stays one log event. Standard library only.
"""

from __future__ import annotations

import base64
import decimal
import importlib
import json
import logging
import os
import signal
import sys
import time
import traceback
import types
from typing import Any, NoReturn

from . import json_log
from .rapi_client import RuntimeApiError, RuntimeClient

ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"
STDLIB_PATHS = tuple(p for p in sys.path if p.startswith("/usr/lib/python3"))


class FaultException(Exception):
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"

    def __init__(self, exception_type: str, msg: str, trace: list[str] | None = None) -> None:
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, data: dict[str, Any]) -> None:
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class Client:
    __slots__ = (
        "app_package_name",
        "app_title",
        "app_version_code",
        "app_version_name",
        "installation_id",
    )

    def __init__(self, data: dict[str, Any]) -> None:
        self.installation_id = data.get("installation_id")
        self.app_title = data.get("app_title")
        self.app_version_name = data.get("app_version_name")
        self.app_version_code = data.get("app_version_code")
        self.app_package_name = data.get("app_package_name")


class ClientContext:
    __slots__ = ("client", "custom", "env")

    def __init__(self, data: dict[str, Any]) -> None:
        client = data.get("client")
        self.client = Client(client) if isinstance(client, dict) else None
        self.custom = data.get("custom")
        self.env = data.get("env")


class LambdaContext:
    def __init__(
        self,
        invoke_id: str,
        client_context: dict[str, Any] | None,
        cognito_identity: dict[str, Any] | None,
        deadline_ms: int,
        invoked_function_arn: str | None,
        tenant_id: str | None = None,
    ) -> None:
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.client_context = ClientContext(client_context) if client_context else None
        self.identity = CognitoIdentity(cognito_identity or {})
        self.tenant_id = tenant_id  # tenant isolation mode; None otherwise (as awslambdaric)
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, msg: str) -> None:
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"function_name={self.function_name},function_version={self.function_version}])"
        )


def get_handler(handler: str) -> Any:
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME, f"Bad handler '{handler}': {e}"
        ) from None
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                f"Cannot use built-in module {modname} as a handler module",
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, f"Unable to import module '{modname}': {e}"
        ) from None
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            f"Syntax error in module '{modname}': {e}",
            trace,
        ) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, f"Handler '{fname}' missing on module '{modname}'"
        ) from None


def make_error(
    message: str, error_type: str, trace: list[str] | None, request_id: str | None
) -> dict[str, Any]:
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": trace or [],
    }


def _indent(line: str) -> str:
    count = len(line) - len(line.lstrip(" "))
    return ERROR_LOG_IDENT * count + line[count:]


def log_error(error: dict[str, Any], json_format: bool = False) -> None:
    if json_format:
        sys.stdout.write(json_log.error_line(error))
        return
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description]
    if error.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for element in error["stackTrace"]:
            if element == "":
                lines.append("")
            else:
                lines.extend(_indent(x) for x in element.splitlines())
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


def _decimal_default(o: Any) -> Any:
    if isinstance(o, decimal.Decimal):
        return float(o)
    raise TypeError(repr(o) + " is not JSON serializable")


def to_json(obj: Any) -> str:
    return json.dumps(obj, default=_decimal_default)


class _RequestIdFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.request_id = ""
        self.tenant_id: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        record.tenant_id = self.tenant_id  # JSON records carry it (tenant isolation mode)
        return True


class _StdoutHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        sys.stdout.write(self.format(record))


def _setup_logging(json_format: bool) -> _RequestIdFilter:
    logging.Formatter.converter = time.gmtime
    handler = _StdoutHandler()
    if json_format:
        handler.setFormatter(json_log.JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    request_filter = _RequestIdFilter()
    handler.addFilter(request_filter)
    logging.getLogger().addHandler(handler)
    level = json_log.logging_level(os.environ.get("AWS_LAMBDA_LOG_LEVEL"))
    if level in logging._nameToLevel:
        logging.getLogger().setLevel(level)
    return request_filter


def _setup_path(opt_root: str) -> None:
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(":") if p]
    sys.path[:] = [
        task_root,
        f"{opt_root}/python/lib/python3.11/site-packages",
        f"{opt_root}/python",
        *extra,
        *STDLIB_PATHS,
    ]
    importlib.invalidate_caches()
    sys.dont_write_bytecode = True  # /var/task is read-only


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # The runtime is its namespace's pid 1, which the kernel shields from signals it has no
    # handler for: without this, a graceful shutdown would always end in SIGKILL.
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(0)


def main(handler_name: str, opt_root: str = "/opt") -> NoReturn:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    sys.argv = [f"{os.environ.get('LAMBDA_RUNTIME_DIR', '/var/runtime')}/bootstrap.py"]
    sys.stdout.reconfigure(line_buffering=True, write_through=True)  # type: ignore[union-attr]
    sys.stderr.reconfigure(line_buffering=True, write_through=True)  # type: ignore[union-attr]
    _setup_path(opt_root)
    json_format = json_log.is_json_format(os.environ.get("AWS_LAMBDA_LOG_FORMAT"))
    request_filter = _setup_logging(json_format)
    client = RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        handler = get_handler(handler_name)
    except Exception as e:
        if isinstance(e, FaultException):
            error = make_error(e.msg, e.exception_type, e.trace, None)
        else:
            error = _fault_from_exc_info(None)
        log_error(error, json_format)
        client.request(
            "POST",
            "/init/error",
            to_json(error).encode(),
            {"Lambda-Runtime-Function-Error-Type": error["errorType"] or "Unknown"},
        )
        sys.exit(1)
    while True:  # one invocation per iteration, for the life of the environment
        status, headers, body = client.request("GET", "/invocation/next")
        if status != 200:
            raise SystemExit(f"runtime API returned {status} for next")
        request_id = headers.get("lambda-runtime-aws-request-id", "")
        request_filter.request_id = request_id
        request_filter.tenant_id = headers.get("lambda-runtime-aws-tenant-id")
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        _handle(client, handler, request_id, headers, body, json_format)


def _fault_from_exc_info(request_id: str | None) -> dict[str, Any]:
    etype, value, tb = sys.exc_info()
    frames = list(traceback.extract_tb(tb))
    # Drop the runtime's own frames, as awslambdaric drops bootstrap.py's.
    for i, frame in enumerate(frames):
        if "/sandbox/guest/" not in frame.filename:
            frames = frames[i:]
            break
    trace = traceback.format_list(frames)
    name = etype.__name__ if etype else "Exception"
    return make_error(str(value), name, trace, request_id)


def _handle(
    client: RuntimeClient,
    handler: Any,
    request_id: str,
    headers: dict[str, str],
    body: bytes,
    json_format: bool,
) -> None:
    try:
        context = LambdaContext(
            request_id,
            _json_header(headers.get("lambda-runtime-client-context")),
            _json_header(headers.get("lambda-runtime-cognito-identity")),
            int(headers.get("lambda-runtime-deadline-ms", "0")),
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id"),
        )
        event = json.loads(body) if body else None
        returned = handler(event, context)
        if isinstance(returned, types.GeneratorType):
            _stream(client, request_id, returned)
            return
        result = to_json(returned).encode()
    except Exception:
        error = _fault_from_exc_info(request_id)
        log_error(error, json_format)
        client.request(
            "POST",
            f"/invocation/{request_id}/error",
            to_json(error).encode(),
            {
                "Lambda-Runtime-Function-Error-Type": error["errorType"] or "Unknown",
                "Content-Type": "application/json",
            },
        )
        return
    client.request(
        "POST",
        f"/invocation/{request_id}/response",
        result,
        {"Content-Type": "application/json"},
    )


STREAM_ERROR_TRAILERS = "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"


def _stream(
    client: RuntimeClient, request_id: str, chunks: types.GeneratorType[Any, None, None]
) -> None:
    """Stockade's extension: a generator handler streams what it yields (bytes, or str as
    UTF-8), each piece sent as it is yielded, over the Runtime API's streaming response mode;
    an exception ends the stream with the error in trailers, as Lambda's streaming runtimes do."""
    client.begin_stream(
        f"/invocation/{request_id}/response",
        {
            "Lambda-Runtime-Function-Response-Mode": "streaming",
            "Content-Type": "application/octet-stream",
            "Trailer": STREAM_ERROR_TRAILERS,
        },
    )
    trailers: dict[str, str] = {}
    try:
        for piece in chunks:
            data = piece.encode("utf-8") if isinstance(piece, str) else piece
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise TypeError(
                    f"a streaming handler must yield bytes or str, not {type(piece).__name__}"
                )
            try:
                client.send_chunk(bytes(data))
            except OSError:
                # The Runtime API ended the response (past its size bound): the invocation is
                # over; the next request reconnects.
                chunks.close()
                return
    except Exception:
        error = _fault_from_exc_info(request_id)
        log_error(error)
        trailers = {
            "Lambda-Runtime-Function-Error-Type": error["errorType"] or "Unknown",
            "Lambda-Runtime-Function-Error-Body": base64.b64encode(to_json(error).encode()).decode(
                "ascii"
            ),
        }
    try:
        status, _, _ = client.end_stream(trailers)
    except (OSError, RuntimeApiError):
        client.close()
        return  # refused mid-stream (too large): the connection is gone, the next one is new
    if status >= 400:
        client.close()  # the Runtime API closes the connection after refusing a response


def _json_header(value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    parsed = json.loads(value)
    return parsed if isinstance(parsed, dict) else None


def boot(args: list[str]) -> NoReturn:
    """Entry for a fresh interpreter (the unsafe backend): [handler, opt_root]."""
    main(args[0], args[1])
