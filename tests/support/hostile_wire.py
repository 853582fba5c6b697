"""Put any value tree on the wire of a botocore operation, as a careless client would.

botocore's own serializers refuse values of the wrong type; these do not: a JSON body is
whatever `json.dumps` makes of the tree (lone surrogates become `\\ud800` escapes), a query
string flattens anything with `str()` (lone surrogates as the bytes Python would never encode),
and a REST-JSON request puts members where the model says (URI, query, header, body).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from botocore.model import OperationModel, ServiceModel, Shape


@dataclass(frozen=True)
class WireRequest:
    method: str
    path_and_query: str
    headers: dict[str, str]
    body: bytes


def wire_request(model: ServiceModel, op: OperationModel, value: Any) -> WireRequest:
    protocol = model.metadata["protocol"]
    if protocol == "json":
        return _json(model, op, value)
    if protocol in ("query", "ec2"):
        return _query(model, op, value, ec2=protocol == "ec2")
    if protocol == "rest-json":
        return _rest_json(op, value)
    raise ValueError(protocol)  # pragma: no cover - Stockade serves only these


def _dump(value: Any) -> bytes:
    return json.dumps(value, default=_plain).encode("utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.timestamp()
    return str(value)


def _json(model: ServiceModel, op: OperationModel, value: Any) -> WireRequest:
    version = model.metadata.get("jsonVersion", "1.0")
    headers = {
        "X-Amz-Target": f"{model.metadata['targetPrefix']}.{op.name}",
        "Content-Type": f"application/x-amz-json-{version}",
    }
    return WireRequest("POST", "/", headers, _dump(value))


def _text(value: Any) -> bytes:
    if isinstance(value, bytes):
        return base64.b64encode(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    if isinstance(value, bool):
        return b"true" if value else b"false"
    return str(value).encode("utf-8", "surrogatepass")


def _flatten(
    shape: Shape | None, value: Any, prefix: str, out: list[tuple[str, bytes]], ec2: bool
) -> None:
    """Flattened as botocore's QuerySerializer does, or its EC2Serializer (`ec2`): members by
    `queryName` or capitalised `locationName`, lists without `.member`."""
    kind = shape.type_name if shape is not None else None
    if value is None:
        return
    if isinstance(value, dict) and (kind == "structure" or kind is None):
        for key, item in value.items():
            member = shape.members.get(key) if shape is not None else None
            name = _name(member, key, ec2)
            _flatten(member, item, f"{prefix}.{name}" if prefix else name, out, ec2)
    elif isinstance(value, dict) and shape is not None and kind == "map":
        for index, (key, item) in enumerate(value.items(), start=1):
            out.append((f"{prefix}.entry.{index}.key", _text(key)))
            _flatten(shape.value, item, f"{prefix}.entry.{index}.value", out, ec2)
    elif isinstance(value, list):
        member = shape.member if shape is not None and kind == "list" else None
        for index, item in enumerate(value, start=1):
            _flatten(member, item, f"{prefix}.{index}" if ec2 else f"{prefix}.member.{index}",
                     out, ec2)  # fmt: skip
    else:
        out.append((prefix or "Value", _text(value)))


def _name(member: Shape | None, key: str, ec2: bool) -> str:
    if member is None:
        return key
    if not ec2:
        return str(member.serialization.get("name", key))
    located = str(member.serialization.get("name", ""))
    return str(member.serialization.get("queryName") or (located[:1].upper() + located[1:]) or key)


def _query(model: ServiceModel, op: OperationModel, value: Any, ec2: bool) -> WireRequest:
    pairs: list[tuple[str, bytes]] = [(b"Action".decode(), op.name.encode()),
                                      ("Version", model.api_version.encode())]  # fmt: skip
    _flatten(op.input_shape, value, "", pairs, ec2)
    body = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return WireRequest("POST", "/", headers, body)


def _rest_json(op: OperationModel, value: Any) -> WireRequest:
    http = op.http
    path, _, fixed_query = http["requestUri"].partition("?")
    query: list[str] = [fixed_query] if fixed_query else []
    headers = {"Content-Type": "application/json"}
    body: Any = {}
    payload: bytes | None = None
    shape = op.input_shape
    members = value if isinstance(value, dict) else {}
    if shape is None or not isinstance(value, dict):
        return WireRequest(http["method"], _fill(path, {}), headers, _dump(value))
    for name, item in members.items():
        member = shape.members.get(name)
        where = member.serialization.get("location") if member is not None else None
        wire_name = member.serialization.get("name", name) if member is not None else name
        if where == "uri":
            path = path.replace("{" + wire_name + "+}", quote(_text(item), safe="/"))
            path = path.replace("{" + wire_name + "}", quote(_text(item), safe=""))
        elif where == "querystring":
            items = item if isinstance(item, list) else [item]
            query += [f"{quote(wire_name)}={quote(_text(v), safe='')}" for v in items]
        elif where == "header":
            text = _text(item).decode("latin-1")
            headers[wire_name] = "".join(c for c in text if c not in "\r\n")
        elif shape.serialization.get("payload") == name:
            payload = item if isinstance(item, bytes) else _dump(item)
        else:
            body[name] = item
    path = _fill(path, members)
    target = f"{path}?{'&'.join(query)}" if query else path
    return WireRequest(
        http["method"], target, headers, payload if payload is not None else _dump(body)
    )


def _fill(path: str, members: dict[str, Any]) -> str:
    """URI labels the value left out: a plausible name, so the request still routes."""
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + "missing" + path[end + 1 :]
    return path
