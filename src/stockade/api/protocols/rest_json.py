"""The rest-json protocol (Lambda, Signer): URI-template routing, parsing and serialising.

Everything is derived from the botocore operation models: routes from `http.requestUri`, member
locations from each member's `location`, status codes from `http.responseCode`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from botocore.model import OperationModel, ServiceModel, Shape

from stockade.api.errors import MalformedRequestError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import values
from stockade.api.protocols.rest_json_errors import error_document
from stockade.errors import ApiError

PROTOCOL = "rest-json"


@dataclass(frozen=True)
class _Segment:
    text: str
    param: str | None  # name of the URI parameter, None for a literal segment
    greedy: bool = False


@dataclass(frozen=True)
class _Route:
    operation: OperationModel
    method: str
    segments: tuple[_Segment, ...]
    query: tuple[tuple[str, str], ...]  # literal query parameters the URI template requires

    @property
    def specificity(self) -> tuple[int, int]:
        return (len(self.query), sum(1 for s in self.segments if s.param is None))


def _compile_route(operation: OperationModel) -> _Route:
    uri = operation.http["requestUri"]
    path, _, query = uri.partition("?")
    segments = []
    for part in path.strip("/").split("/"):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            greedy = name.endswith("+")
            segments.append(_Segment(part, name.rstrip("+"), greedy))
        else:
            segments.append(_Segment(part, None))
    literal_query = tuple((k, v) for k, v in parse_qsl(query, keep_blank_values=True))
    return _Route(operation, operation.http["method"], tuple(segments), literal_query)


_MatchKey = tuple[str, str, tuple[tuple[str, str], ...]]
_MATCHED_MAX = 2048
_MATCHED_KEY_MAX = 512  # characters of path and query


class RestJsonRouter:
    """Finds the operation a request is for; most specific template wins."""

    def __init__(self, model: ServiceModel, operations: set[str] | None = None) -> None:
        routes = [
            _compile_route(model.operation_model(name))
            for name in model.operation_names
            if operations is None or name in operations
        ]
        self._routes = sorted(routes, key=lambda r: r.specificity, reverse=True)
        # Requests repeat their paths (one function invoked again and again), and every request
        # is matched twice (for its body limit, then for routing); trying each template in turn
        # was a tenth of accepting an event. Bounded: emptied when full.
        self._matched: dict[_MatchKey, tuple[OperationModel, Mapping[str, str]] | None] = {}

    def match(
        self, method: str, raw_path: str, query: list[tuple[str, str]]
    ) -> tuple[OperationModel, dict[str, str]] | None:
        path = raw_path.split("?", 1)[0]
        key = (method, path, tuple(query))
        try:
            found = self._matched[key]
        except KeyError:
            found = self._match(method, path, query)
            size = len(path) + sum(len(k) + len(v) for k, v in query)
            if size <= _MATCHED_KEY_MAX:  # unauthenticated input: bound what it may keep
                if len(self._matched) >= _MATCHED_MAX:
                    self._matched.clear()
                self._matched[key] = found
        return None if found is None else (found[0], dict(found[1]))

    def _match(
        self, method: str, path: str, query: list[tuple[str, str]]
    ) -> tuple[OperationModel, dict[str, str]] | None:
        parts = path.strip("/").split("/")
        present = set(query)
        for route in self._routes:
            if route.method != method or not all(q in present for q in route.query):
                continue
            params = _match_segments(route.segments, parts)
            if params is not None:
                return route.operation, params
        return None


def _match_segments(segments: tuple[_Segment, ...], parts: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for index, segment in enumerate(segments):
        if segment.greedy:
            rest = parts[index:]
            if not rest or rest == [""]:
                return None
            params[segment.param or ""] = unquote("/".join(rest))
            return params
        if index >= len(parts):
            return None
        if segment.param is None:
            if parts[index] != segment.text:
                return None
        elif parts[index] == "":
            return None
        else:
            params[segment.param] = unquote(parts[index])
    return params if len(parts) == len(segments) else None


def parse_request(
    operation: OperationModel, uri_params: Mapping[str, str], request: HttpRequest
) -> dict[str, Any]:
    """Turn the HTTP request into the operation's input parameters (not yet validated)."""
    shape = operation.input_shape
    if shape is None:
        return {}
    params: dict[str, Any] = {}
    query = request.query()
    body_members: dict[str, Shape] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri":
            if wire in uri_params:
                params[name] = values.from_text(member, uri_params[wire], name)
        elif location == "querystring":
            values.query_member(params, name, member, wire, query, name)
        elif location == "header":
            text = request.header(wire)
            if text is not None:
                params[name] = values.from_text(member, text, name)
        elif location == "headers":
            prefix = wire.lower()
            found = {
                k[len(prefix) :]: v for k, v in request.headers.items() if k.startswith(prefix)
            }
            if found:
                params[name] = found
        else:
            body_members[name] = member
    payload = shape.serialization.get("payload")
    if payload is not None:
        member = shape.members[payload]
        if member.type_name in ("blob", "string"):
            if request.body:
                params[payload] = (
                    request.body if member.type_name == "blob" else request.body.decode()
                )
        elif request.body:
            params[payload] = values.from_json(member, _load_json(request.body), payload)
    elif body_members and request.body:
        document = _load_json(request.body)
        if not isinstance(document, dict):
            raise MalformedRequestError(
                "Could not parse request body into json: expected an object."
            )
        for key, item in document.items():
            member = body_members.get(key)
            if member is None:
                raise MalformedRequestError(f"Unrecognized field '{key[:100]}' in request body.")
            if item is not None:
                params[key] = values.from_json(member, item, key)
    return params


def _load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise MalformedRequestError(
            "Could not parse request body into json: the body is not valid JSON."
        ) from exc


# Stockade's own response metadata, outside Lambda's model: sent as a body member (SDKs ignore
# unknown members) and as a header. Any other unmodelled member is a bug and fails loudly.
EXTENSION_MEMBERS = {
    "StockadePublicAccess": "x-stockade-public-access",
    # GetSigningProfile: the PEM public key that verifies the profile version's signatures.
    "StockadePublicKey": "x-stockade-public-key",
}


def serialize_response(
    operation: OperationModel, result: Mapping[str, Any], request_id: str
) -> HttpResponse:
    status = int(operation.http.get("responseCode", 200))
    headers = [("x-amzn-RequestId", request_id)]
    shape = operation.output_shape
    if shape is None:
        return HttpResponse(status, headers)
    body_doc: dict[str, Any] = {}
    body: bytes | None = None
    payload = shape.serialization.get("payload")
    for name, value in result.items():
        if name in EXTENSION_MEMBERS and name not in shape.members:
            body_doc[name] = value
            headers.append((EXTENSION_MEMBERS[name], json.dumps(value)))
            continue
        member = shape.members[name]
        location = member.serialization.get("location")
        if value is None:
            continue
        if location == "statusCode":
            status = int(value)
        elif location == "header":
            headers.append((member.serialization["name"], values.to_text(member, value)))
        elif location == "headers":
            prefix = member.serialization.get("name", "")
            headers.extend((f"{prefix}{k}", str(v)) for k, v in value.items())
        elif name == payload:
            if member.type_name == "blob":
                body = bytes(value)
            elif member.type_name == "string":
                body = str(value).encode()
            else:
                body = json.dumps(values.to_json(member, value)).encode()
        else:
            body_doc[member.serialization.get("name", name)] = values.to_json(member, value)
    if body is None:
        if payload is None and (body_doc or status != 204):
            body = json.dumps(body_doc, separators=(",", ":")).encode()
        else:
            body = b""
    if body or status != 204:
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, body)


def serialize_error(model: ServiceModel | None, error: ApiError, request_id: str) -> HttpResponse:
    """The error in AWS's body for it: the members the model names (rest_json_errors)."""
    code = error.wire_code(PROTOCOL)
    document = error_document(model, code, error)
    headers = [
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", code),
        ("Content-Type", "application/json"),
    ]
    headers.extend(error.wire_headers().items())
    return HttpResponse(error.http_status, headers, json.dumps(document).encode())
