"""XML documents of the rest-xml protocol (S3) to and from typed values, following a botocore
shape, with the element rules botocore's `RestXMLSerializer` and `RestXMLParser` use: a member
is the element named by its `locationName` (else its member name); a list wraps its items in
an element named by the list member's `locationName` (else `member`) unless `flattened`, when
each item is an element named like the list member itself; a map is `entry` elements of
`key`/`value`; an `xmlAttribute` member is an attribute of its structure's element;
timestamps are ISO 8601.

Parsing is strict and bounded: any DTD or entity declaration is refused (S3 accepts none), as
is nesting past `_MAX_DEPTH`; element names are compared by local name, so a document in S3's
namespace (`http://s3.amazonaws.com/doc/2006-03-01/`) and one with none both parse, as S3
accepts both. An element the shape does not name is refused, as S3 validates against its
schema ("...did not validate against our published schema").
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from xml.parsers import expat

from botocore.model import Shape

from stockade.api.protocols import values
from stockade.api.protocols.xml_text import xml_text
from stockade.errors import InternalError
from stockade.kernel.validation import collection_bound

S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
_MAX_DEPTH = 32
_NS = "\x1f"  # expat's separator between a namespace URI and a local name


class XmlBodyError(ValueError):
    """The body is not well-formed XML, or does not fit the shape (the codec answers S3's
    MalformedXML)."""


@dataclass
class Element:
    name: str  # local name
    attributes: dict[str, str] = field(default_factory=dict)  # by local name
    children: list[Element] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def named(self, name: str) -> list[Element]:
        return [child for child in self.children if child.name == name]


def _local(name: str) -> str:
    return name.rsplit(_NS, 1)[-1].rsplit(":", 1)[-1]


def parse_document(body: bytes) -> Element:
    """The root element of a well-formed document, or XmlBodyError."""
    parser = expat.ParserCreate(namespace_separator=_NS)
    stack: list[Element] = []
    roots: list[Element] = []

    def refuse(*_: object) -> None:
        raise XmlBodyError("document type declarations are not accepted")

    def start(name: str, attributes: dict[str, str]) -> None:
        if len(stack) >= _MAX_DEPTH:
            raise XmlBodyError("nested too deeply")
        element = Element(_local(name), {_local(k): v for k, v in attributes.items()})
        if stack:
            stack[-1].children.append(element)
        else:
            roots.append(element)
        stack.append(element)

    def end(_: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text_parts.append(data)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise XmlBodyError(str(exc)) from exc
    if len(roots) != 1:
        raise XmlBodyError("no root element")
    return roots[0]


def from_element(shape: Shape, element: Element, depth: int = 0) -> Any:
    """The value of `shape` that `element` holds."""
    kind = shape.type_name
    if kind == "structure":
        _only_known(element, _element_names(shape))
        result: dict[str, Any] = {}
        for name, member in shape.members.items():
            if member.serialization.get("location"):
                continue  # a header, query or URI member: never in the body
            wire = member.serialization.get("name", name)
            if member.serialization.get("xmlAttribute"):
                attribute = element.attributes.get(_local(wire))
                if attribute is not None:
                    result[name] = _scalar(member, attribute)
                continue
            found = element.named(wire)
            if not found:
                continue
            if member.type_name == "list" and member.serialization.get("flattened"):
                result[name] = _items(member, found, depth)
            elif member.type_name == "map" and member.serialization.get("flattened"):
                result[name] = _entries(member, found, depth)
            else:
                result[name] = from_element(member, found[0], depth + 1)
        return result
    if kind == "list":
        item_name = shape.member.serialization.get("name", "member")
        _only_known(element, {item_name})
        return _items(shape, element.named(item_name), depth)
    if kind == "map":
        _only_known(element, {"entry"})
        return _entries(shape, element.named("entry"), depth)
    if element.children:
        raise XmlBodyError(f"{element.name} holds elements where a value belongs")
    return _scalar(shape, element.text)


def _element_names(shape: Shape) -> set[str]:
    return {
        member.serialization.get("name", name)
        for name, member in shape.members.items()
        if not member.serialization.get("location") and not member.serialization.get("xmlAttribute")
    }


def _only_known(element: Element, names: set[str]) -> None:
    """S3 validates a document against its schema: an element it does not know is
    MalformedXML, not silently dropped."""
    for child in element.children:
        if child.name not in names:
            raise XmlBodyError(f"unexpected element {child.name[:100]}")


def _items(shape: Shape, elements: list[Element], depth: int) -> list[Any]:
    kept = islice(elements, collection_bound(shape) + 1)
    return [from_element(shape.member, item, depth + 1) for item in kept]


def _entries(shape: Shape, elements: list[Element], depth: int) -> dict[Any, Any]:
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    result: dict[Any, Any] = {}
    for entry in islice(elements, collection_bound(shape) + 1):
        keys, found = entry.named(key_name), entry.named(value_name)
        if not keys or not found:
            raise XmlBodyError("a map entry needs a key and a value")
        result[_scalar(shape.key, keys[0].text)] = from_element(shape.value, found[0], depth + 1)
    return result


def _scalar(shape: Shape, text: str) -> Any:
    kind = shape.type_name
    try:
        if kind == "string":
            return text
        if kind in ("integer", "long"):
            return int(text.strip())
        if kind in ("float", "double"):
            return float(text.strip())
        if kind == "boolean":
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                raise XmlBodyError("not a boolean")
            return lowered == "true"
        if kind == "blob":
            return base64.b64decode(text.strip(), validate=True)
        if kind == "timestamp":
            return values.parse_timestamp(text.strip(), shape.name)
    except (ValueError, binascii.Error) as exc:
        raise XmlBodyError(f"not a {kind}") from exc
    raise XmlBodyError(f"cannot read a {kind}")


# -- writing ---------------------------------------------------------------------------------


def document(root: str, shape: Shape, value: Mapping[str, Any], namespace: str | None) -> bytes:
    """`<?xml ...?><root xmlns=namespace>members</root>` for a structure value."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _write_structure(parts, root, shape, value, namespace)
    return "".join(parts).encode("utf-8")


def _write(parts: list[str], name: str, shape: Shape, value: Any) -> None:
    kind = shape.type_name
    if kind == "structure":
        _write_structure(parts, name, shape, value, _namespace(shape))
    elif kind == "list":
        flattened = shape.serialization.get("flattened")
        if not flattened:
            parts.append(f"<{name}>")
        item_name = name if flattened else shape.member.serialization.get("name", "member")
        for item in value:
            _write(parts, item_name, shape.member, item)
        if not flattened:
            parts.append(f"</{name}>")
    elif kind == "map":
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        flattened = shape.serialization.get("flattened")
        if not flattened:
            parts.append(f"<{name}>")
        for key, item in value.items():
            parts.append(f"<{name if flattened else 'entry'}>")
            _write(parts, key_name, shape.key, key)
            _write(parts, value_name, shape.value, item)
            parts.append(f"</{name if flattened else 'entry'}>")
        if not flattened:
            parts.append(f"</{name}>")
    else:
        # S3 escapes quotes in text too (`<ETag>&quot;...&quot;</ETag>`).
        text = xml_text(scalar_text(shape, value)).replace('"', "&quot;")
        parts.append(f"<{name}>{text}</{name}>")


def _write_structure(
    parts: list[str], name: str, shape: Shape, value: Mapping[str, Any], namespace: str | None
) -> None:
    if not isinstance(value, Mapping):
        raise InternalError(f"{shape.name} must be serialised from a mapping")
    attributes = f' xmlns="{xml_text(namespace)}"' if namespace else ""
    prefixed = _prefixed_namespace(shape)
    if prefixed is not None:  # e.g. Grantee's `xmlns:xsi`, for its `xsi:type` attribute
        attributes += f' xmlns:{prefixed[0]}="{xml_text(prefixed[1])}"'
    inner: list[str] = []
    for key, item in value.items():
        member = shape.members.get(key)
        if member is None:
            raise InternalError(f"{shape.name} has no member {key}")
        if item is None or member.serialization.get("location"):
            continue
        wire = member.serialization.get("name", key)
        if member.serialization.get("xmlAttribute"):
            text = xml_text(scalar_text(member, item)).replace('"', "&quot;")
            attributes += f' {wire}="{text}"'
            continue
        _write(inner, wire, member, item)
    parts.append(f"<{name}{attributes}>")
    parts.extend(inner)
    parts.append(f"</{name}>")


def _namespace(shape: Shape) -> str | None:
    """The default namespace a shape declares (`xmlns="..."`), if any."""
    declared = shape.serialization.get("xmlNamespace")
    if isinstance(declared, Mapping):
        if declared.get("prefix") or not declared.get("uri"):
            return None
        return str(declared["uri"])
    return str(declared) if declared else None


def _prefixed_namespace(shape: Shape) -> tuple[str, str] | None:
    """A prefixed namespace a shape declares (`xmlns:xsi="..."`), if any."""
    declared = shape.serialization.get("xmlNamespace")
    if isinstance(declared, Mapping) and declared.get("prefix") and declared.get("uri"):
        return str(declared["prefix"]), str(declared["uri"])
    return None


def scalar_text(shape: Shape, value: Any) -> str:
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return iso_timestamp(value)
    if kind == "blob":
        return base64.b64encode(value).decode("ascii")
    if kind == "string" and shape.name == "ETag":
        return quoted_etag(str(value))
    return str(value)


def iso_timestamp(value: datetime) -> str:
    """S3's form: `2009-10-12T17:50:30.000Z` (milliseconds, UTC)."""
    moment = value.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def quoted_etag(etag: str) -> str:
    """S3 sends entity tags quoted (RFC 7232); a service may hand them over bare."""
    return etag if etag.startswith(('"', 'W/"')) else f'"{etag}"'
