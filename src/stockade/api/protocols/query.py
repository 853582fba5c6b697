"""The AWS query protocol (IAM, STS): form-encoded requests, XML responses.

Requests carry `Action` and `Version` plus the input members flattened the way botocore's
`QuerySerializer` writes them: `A.B` for nested structures, `L.member.N` for lists (`L.N` when
flattened), `M.entry.N.key` / `M.entry.N.value` for maps, 1-based. Responses are
`<OpResponse><OpResult>...</OpResult><ResponseMetadata><RequestId>` and errors are
`<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`, as
botocore's `QueryParser` reads them.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from botocore.model import OperationModel, ServiceModel, Shape

from stockade.api.errors import MalformedRequestError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import values
from stockade.api.protocols.xml_text import xml_text
from stockade.errors import ApiError, InternalError

PROTOCOL = "query"
_MAX_DEPTH = 16
_MAX_LIST = 10_000


def form_params(request: HttpRequest) -> dict[str, str]:
    """The request's parameters: the form body of a POST, or the query string of a GET."""
    if request.method == "POST":
        content_type = request.header("content-type") or ""
        if request.body and not content_type.startswith("application/x-www-form-urlencoded"):
            raise MalformedRequestError("The request body must be form-urlencoded.")
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedRequestError("The request body is not valid UTF-8.") from exc
    else:
        text = request.query_string
    params: dict[str, str] = {}
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedRequestError("The query string is malformed.") from exc
    for key, value in pairs:
        if key in params:
            raise MalformedRequestError(f"The parameter {key[:100]} is given more than once.")
        params[key] = value
    return params


def parse_request(operation: OperationModel, params: Mapping[str, str]) -> dict[str, Any]:
    """The operation's input parameters from the flattened form (not yet validated)."""
    shape = operation.input_shape
    if shape is None:
        return {}
    parsed = _structure(shape, params, "", 0)
    return parsed if isinstance(parsed, dict) else {}


def _structure(shape: Shape, params: Mapping[str, str], prefix: str, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise MalformedRequestError("The request nests too deeply.")
    result: dict[str, Any] = {}
    for name, member in shape.members.items():
        key = f"{prefix}{member.serialization.get('name', name)}"
        value = _value(member, params, key, depth + 1)
        if value is not None:
            result[name] = value
    return result


def _has_prefix(params: Mapping[str, str], prefix: str) -> bool:
    return any(k.startswith(prefix) for k in params)


def _value(shape: Shape, params: Mapping[str, str], key: str, depth: int) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if not _has_prefix(params, key + "."):
            return None
        return _structure(shape, params, key + ".", depth)
    if kind == "list":
        return _list(shape, params, key, depth)
    if kind == "map":
        return _map(shape, params, key, depth)
    text = params.get(key)
    if text is None:
        return None
    if kind == "blob":
        try:
            return base64.b64decode(text, validate=True)
        except ValueError as exc:
            raise MalformedRequestError(f"Could not parse request: {key} must be base64.") from exc
    return values.from_text(shape, text, key)


def _list(shape: Shape, params: Mapping[str, str], key: str, depth: int) -> list[Any] | None:
    member = shape.member
    if shape.serialization.get("flattened"):
        base = f"{key}."
    else:
        base = f"{key}.{member.serialization.get('name', 'member')}."
    if key in params and params[key] == "":
        return []  # botocore sends `Name=` for an empty list
    if not _has_prefix(params, base):
        return None
    items: list[Any] = []
    for index in range(1, _MAX_LIST + 1):
        item = _value(member, params, f"{base}{index}", depth + 1)
        if item is None:
            break
        items.append(item)
    return items


def _map(shape: Shape, params: Mapping[str, str], key: str, depth: int) -> dict[str, Any] | None:
    flattened = shape.serialization.get("flattened")
    base = f"{key}." if flattened else f"{key}.entry."
    if not _has_prefix(params, base):
        return None
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    result: dict[str, Any] = {}
    for index in range(1, _MAX_LIST + 1):
        entry = f"{base}{index}."
        map_key = params.get(f"{entry}{key_name}")
        if map_key is None:
            break
        result[map_key] = _value(shape.value, params, f"{entry}{value_name}", depth + 1)
    return result


def serialize_response(
    model: ServiceModel, operation: OperationModel, result: Mapping[str, Any], request_id: str
) -> HttpResponse:
    name = operation.name
    parts = [f'<{name}Response xmlns="{_namespace(model)}">']
    shape = operation.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
        parts.append(f"<{wrapper}>")
        _members(shape, result, parts)
        parts.append(f"</{wrapper}>")
    parts.append(f"<ResponseMetadata><RequestId>{xml_text(request_id)}</RequestId>")
    parts.append(f"</ResponseMetadata></{name}Response>")
    return _xml(200, "".join(parts), request_id)


def serialize_error(error: ApiError, request_id: str) -> HttpResponse:
    kind = "Sender" if error.sender_fault else "Receiver"
    body = (
        "<ErrorResponse><Error>"
        f"<Type>{kind}</Type><Code>{xml_text(error.wire_code(PROTOCOL))}</Code>"
        f"<Message>{xml_text(error.message)}</Message>"
        f"</Error><RequestId>{xml_text(request_id)}</RequestId></ErrorResponse>"
    )
    response = _xml(error.http_status, body, request_id)
    response.headers.extend(error.wire_headers().items())
    return response


def _namespace(model: ServiceModel) -> str:
    namespace = model.metadata.get("xmlNamespace")
    if isinstance(namespace, str):
        return namespace
    return f"https://{model.endpoint_prefix}.amazonaws.com/doc/{model.api_version}/"


def _xml(status: int, body: str, request_id: str) -> HttpResponse:
    headers = [("x-amzn-RequestId", request_id), ("Content-Type", "text/xml")]
    return HttpResponse(status, headers, ('<?xml version="1.0"?>' + body).encode("utf-8"))


def _members(shape: Shape, value: Mapping[str, Any], parts: list[str]) -> None:
    if not isinstance(value, Mapping):
        raise InternalError(f"{shape.name} must be serialised from a mapping")
    for key, item in value.items():
        member = shape.members.get(key)
        if member is None:
            raise InternalError(f"{shape.name} has no member {key}")
        if item is not None:
            _element(member, member.serialization.get("name", key), item, parts)


def _element(shape: Shape, tag: str, value: Any, parts: list[str]) -> None:
    kind = shape.type_name
    if kind == "list":
        member = shape.member
        if shape.serialization.get("flattened"):
            for item in value:
                _element(member, tag, item, parts)
            return
        inner = member.serialization.get("name", "member")
        parts.append(f"<{tag}>")
        for item in value:
            _element(member, inner, item, parts)
        parts.append(f"</{tag}>")
        return
    if kind == "map":
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        flattened = shape.serialization.get("flattened")
        if not flattened:
            parts.append(f"<{tag}>")
        for map_key, map_value in value.items():
            parts.append(f"<{tag}>" if flattened else "<entry>")
            _element(shape.key, key_name, map_key, parts)
            _element(shape.value, value_name, map_value, parts)
            parts.append(f"</{tag}>" if flattened else "</entry>")
        if not flattened:
            parts.append(f"</{tag}>")
        return
    parts.append(f"<{tag}>")
    if kind == "structure":
        _members(shape, value, parts)
    else:
        parts.append(xml_text(_text(shape, value)))
    parts.append(f"</{tag}>")


def _text(shape: Shape, value: Any) -> str:
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        if not isinstance(value, datetime):
            raise InternalError(f"{shape.name} must be a datetime")
        instant = value.astimezone(UTC)
        return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"
    if kind == "blob":
        return base64.b64encode(value).decode("ascii")
    return str(value)
