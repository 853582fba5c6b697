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
from urllib.parse import unquote

from botocore.model import OperationModel, ServiceModel, Shape

from stockade.api.errors import MalformedRequestError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import values
from stockade.api.protocols.xml_text import xml_text
from stockade.errors import ApiError, InternalError
from stockade.kernel.validation import collection_bound

PROTOCOL = "query"
_MAX_DEPTH = 16


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
        pairs = _pairs(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedRequestError("The query string is malformed.") from exc
    for key, value in pairs:
        if key in params:
            raise MalformedRequestError(f"The parameter {key[:100]} is given more than once.")
        params[key] = value
    return params


def _pairs(text: str) -> list[tuple[str, str]]:
    """`parse_qsl(text, keep_blank_values=True, errors="strict")`, without decoding the (many)
    names and values that need no decoding: a request with 10,000 tags has 20,000 of them."""
    pairs = []
    for part in text.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((_unquoted(key), _unquoted(value)))
    return pairs


def _unquoted(text: str) -> str:
    if "%" not in text and "+" not in text:
        return text
    return unquote(text.replace("+", " "), errors="strict")


def parse_request(
    operation: OperationModel, params: Mapping[str, str], ec2: bool = False
) -> dict[str, Any]:
    """The operation's input parameters from the flattened form (not yet validated).

    `ec2`: the EC2 protocol's spelling (botocore's `EC2Serializer`): a member is named by its
    `queryName`, else its capitalised `locationName`, and every list is flattened (`L.N`)."""
    shape = operation.input_shape
    if shape is None:
        return {}
    parsed = _structure(shape, _Node.of(params), "", 0, ec2)
    return parsed if isinstance(parsed, dict) else {}


def _wire_name(member: Shape, name: str, ec2: bool) -> str:
    if not ec2:
        return str(member.serialization.get("name", name))
    query_name = member.serialization.get("queryName")
    if query_name:
        return str(query_name)
    located = str(member.serialization.get("name", ""))
    return located[:1].upper() + located[1:] if located else name


class _Node:
    """The flattened parameters as a tree of dotted segments, split only where the shape looks.

    Looking a member up by scanning every parameter name made parsing quadratic: a request with
    10,000 tags took seconds. A level is split once, when the shape first looks into it, and a
    child becomes a node only when looked up, so parsing is linear in the size of the
    parameters and names the shape never asks for are never split further.
    """

    __slots__ = ("_children", "_groups", "_pending", "value")

    def __init__(self, value: str | None, pending: list[tuple[str, str]]) -> None:
        self.value = value
        self._pending = pending
        # segment -> (value of the parameter that ends there, the longer names under it)
        self._groups: dict[str, tuple[list[str], list[tuple[str, str]]]] | None = None
        self._children: dict[str, _Node] = {}

    @classmethod
    def of(cls, params: Mapping[str, str]) -> _Node:
        return cls(None, list(params.items()))

    def child(self, segment: str) -> _Node | None:
        found = self._children.get(segment)
        if found is None:
            group = self._split().get(segment)
            if group is None:
                return None
            exact, pending = group
            found = self._children[segment] = _Node(exact[0] if exact else None, pending)
        return found

    def has_children(self) -> bool:
        return bool(self._split())

    def _split(self) -> dict[str, tuple[list[str], list[tuple[str, str]]]]:
        if self._groups is None:
            groups: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}
            for name, value in self._pending:
                head, dot, rest = name.partition(".")
                group = groups.get(head)
                if group is None:
                    group = groups[head] = ([], [])
                if dot:
                    group[1].append((rest, value))
                else:
                    group[0].append(value)
            self._groups, self._pending = groups, []
        return self._groups


def _structure(shape: Shape, node: _Node, prefix: str, depth: int, ec2: bool) -> Any:
    if depth > _MAX_DEPTH:
        raise MalformedRequestError("The request nests too deeply.")
    result: dict[str, Any] = {}
    for name, member in shape.members.items():
        wire = _wire_name(member, name, ec2)
        found = node.child(wire)
        if found is None:
            continue
        value = _value(member, found, f"{prefix}{wire}", depth + 1, ec2)
        if value is not None:
            result[name] = value
    return result


def _value(shape: Shape, node: _Node, key: str, depth: int, ec2: bool) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if not node.has_children():
            return None
        return _structure(shape, node, key + ".", depth, ec2)
    if kind == "list":
        return _list(shape, node, key, depth, ec2)
    if kind == "map":
        return _map(shape, node, key, depth, ec2)
    text = node.value
    if text is None:
        return None
    if kind == "blob":
        try:
            return base64.b64decode(text, validate=True)
        except ValueError as exc:
            raise MalformedRequestError(f"Could not parse request: {key} must be base64.") from exc
    return values.from_text(shape, text, key)


def _list(shape: Shape, node: _Node, key: str, depth: int, ec2: bool) -> list[Any] | None:
    member = shape.member
    if node.value == "":
        return []  # botocore sends `Name=` for an empty list
    if ec2 or shape.serialization.get("flattened"):
        base: _Node | None = node
        prefix = f"{key}."
    else:
        name = member.serialization.get("name", "member")
        base = node.child(name)
        prefix = f"{key}.{name}."
    if base is None or not base.has_children():
        return None
    items: list[Any] = []
    for index in range(1, collection_bound(shape) + 2):
        found = base.child(str(index))
        item = None if found is None else _value(member, found, f"{prefix}{index}", depth + 1, ec2)
        if item is None:
            break
        items.append(item)
    return items


def _map(shape: Shape, node: _Node, key: str, depth: int, ec2: bool) -> dict[str, Any] | None:
    base = node if shape.serialization.get("flattened") else node.child("entry")
    prefix = f"{key}." if shape.serialization.get("flattened") else f"{key}.entry."
    if base is None or not base.has_children():
        return None
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    result: dict[str, Any] = {}
    for index in range(1, collection_bound(shape) + 2):
        entry = base.child(str(index))
        map_key = None if entry is None else _text_of(entry, key_name)
        if entry is None or map_key is None:
            break
        found = entry.child(value_name)
        result[map_key] = (
            None
            if found is None
            else _value(shape.value, found, f"{prefix}{index}.{value_name}", depth + 1, ec2)
        )
    return result


def _text_of(node: _Node, segment: str) -> str | None:
    found = node.child(segment)
    return None if found is None else found.value


def serialize_response(
    model: ServiceModel, operation: OperationModel, result: Mapping[str, Any], request_id: str
) -> HttpResponse:
    name = operation.name
    parts = [f'<{name}Response xmlns="{namespace(model)}">']
    shape = operation.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
        parts.append(f"<{wrapper}>")
        members(shape, result, parts)
        parts.append(f"</{wrapper}>")
    parts.append(f"<ResponseMetadata><RequestId>{xml_text(request_id)}</RequestId>")
    parts.append(f"</ResponseMetadata></{name}Response>")
    return xml_response(200, "".join(parts), request_id)


def serialize_error(error: ApiError, request_id: str) -> HttpResponse:
    kind = "Sender" if error.sender_fault else "Receiver"
    body = (
        "<ErrorResponse><Error>"
        f"<Type>{kind}</Type><Code>{xml_text(error.wire_code(PROTOCOL))}</Code>"
        f"<Message>{xml_text(error.message)}</Message>"
        f"</Error><RequestId>{xml_text(request_id)}</RequestId></ErrorResponse>"
    )
    response = xml_response(error.http_status, body, request_id)
    response.headers.extend(error.wire_headers().items())
    return response


def namespace(model: ServiceModel) -> str:
    namespace = model.metadata.get("xmlNamespace")
    if isinstance(namespace, str):
        return namespace
    return f"https://{model.endpoint_prefix}.amazonaws.com/doc/{model.api_version}/"


def xml_response(status: int, body: str, request_id: str) -> HttpResponse:
    headers = [("x-amzn-RequestId", request_id), ("Content-Type", "text/xml")]
    return HttpResponse(status, headers, ('<?xml version="1.0"?>' + body).encode("utf-8"))


def members(shape: Shape, value: Mapping[str, Any], parts: list[str]) -> None:
    """Appends the XML of a structure's members, each named by its `locationName`."""
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
        members(shape, value, parts)
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
