"""Which S3 operation a request is for, and on which bucket and key.

S3 names a bucket two ways: path-style (`/bucket/key`) and virtual-hosted-style (the bucket in
front of the endpoint's host name, `bucket.s3.example.test/key`). The key is everything after
the bucket's slash, percent-decoded exactly once: `//`, a trailing `/` and `+` are the key's
own characters (botocore encodes a key with `safe="/~"`).

Many operations share a method and path (`PUT /{Bucket}/{Key+}` is PutObject, CopyObject,
UploadPart and UploadPartCopy); the botocore model tells them apart by the literal query of
their `requestUri` (`?uploads`, `?list-type=2`) and by their required query and header members
(`uploadId`, `partNumber`, `x-amz-copy-source`). The candidate that requires the most wins, as
S3 routes; a combination no operation accepts is S3's MethodNotAllowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from botocore.model import OperationModel, ServiceModel

from stockade.services.s3.errors import InvalidUriError, KeyTooLongError, MethodNotAllowedError

SERVICE, BUCKET, OBJECT = "SERVICE", "BUCKET", "OBJECT"
KEY_MAX_BYTES = 1024  # S3 User Guide, "Naming Amazon S3 objects": up to 1,024 bytes of UTF-8

# Operations that share a route with another and are not what S3 runs there for a general
# purpose bucket: the deprecated forms, and S3 Express's (directory buckets) listing.
_NOT_PREFERRED = frozenset({"ListDirectoryBuckets"})


@dataclass(frozen=True)
class S3Address:
    bucket: str | None
    key: str | None
    virtual_host: bool = False

    @property
    def level(self) -> str:
        if self.bucket is None:
            return SERVICE
        return BUCKET if self.key is None else OBJECT


@dataclass(frozen=True)
class _Route:
    operation: OperationModel
    method: str
    level: str
    literal_query: tuple[tuple[str, str], ...]
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]

    @property
    def rank(self) -> tuple[int, int, int]:
        preferred = not self.operation.deprecated and self.operation.name not in _NOT_PREFERRED
        required = len(self.required_query) + len(self.required_headers)
        return (len(self.literal_query), required, int(preferred))

    def accepts(self, query: Mapping[str, str], headers: Mapping[str, str]) -> bool:
        for name, value in self.literal_query:
            if name not in query or (value and query[name] != value):
                return False
        return all(n in query for n in self.required_query) and all(
            h in headers for h in self.required_headers
        )


def _compile(operation: OperationModel) -> _Route | None:
    path, _, query = operation.http["requestUri"].partition("?")
    if path == "/":
        level = SERVICE
    elif path == "/{Bucket}":
        level = BUCKET
    elif path == "/{Bucket}/{Key+}":
        level = OBJECT
    else:
        return None  # WriteGetObjectResponse: Object Lambda's own endpoint, not a bucket's
    shape = operation.input_shape
    required = set(shape.required_members) if shape is not None else set()
    members = shape.members.items() if shape is not None else ()
    located = [(m.serialization.get("location"), m.serialization.get("name", n))
               for n, m in members if n in required]  # fmt: skip
    return _Route(
        operation,
        operation.http["method"],
        level,
        tuple(parse_qsl(query, keep_blank_values=True)),
        tuple(name for where, name in located if where == "querystring"),
        tuple(name.lower() for where, name in located if where == "header"),
    )


class S3Router:
    """Routes requests to the model's operations; `domains` are the host names requests may
    address virtual-hosted-style buckets under (e.g. `s3.example.test`)."""

    def __init__(
        self, model: ServiceModel, domains: Iterable[str], operations: set[str] | None = None
    ) -> None:
        self._domains = tuple(sorted({d.lower().rstrip(".") for d in domains if d}, key=len,
                                     reverse=True))  # fmt: skip
        routes = [
            route
            for name in model.operation_names
            if operations is None or name in operations
            if (route := _compile(model.operation_model(name))) is not None
        ]
        self._routes = sorted(routes, key=lambda r: r.rank, reverse=True)

    def address(self, raw_path: str, host: str | None) -> S3Address:
        path = raw_path.split("?", 1)[0]
        if not path.startswith("/"):
            raise InvalidUriError()
        bucket = self._virtual_bucket(host)
        if bucket is not None:
            rest = path[1:]
            return S3Address(bucket, _decoded(rest) if rest else None, virtual_host=True)
        head, slash, rest = path[1:].partition("/")
        if not head:
            if rest:  # `//key`: no bucket names an object
                raise InvalidUriError()
            return S3Address(None, None)
        key = _decoded(rest) if slash and rest else None
        return S3Address(_decoded(head), key)

    def _virtual_bucket(self, host: str | None) -> str | None:
        if not host:
            return None
        name = host.lower()
        if name.startswith("["):  # an IPv6 literal never carries a bucket
            return None
        name = name.rsplit(":", 1)[0].rstrip(".")
        for domain in self._domains:
            if name.endswith("." + domain) and len(name) > len(domain) + 1:
                return host.rsplit(":", 1)[0].rstrip(".")[: len(name) - len(domain) - 1]
        return None

    def match(
        self,
        method: str,
        address: S3Address,
        query: list[tuple[str, str]],
        headers: Mapping[str, str],
    ) -> OperationModel:
        present = dict(query)
        candidates = [
            route
            for route in self._routes
            if route.method == method
            and route.level == address.level
            and route.accepts(present, headers)
        ]
        if not candidates:
            raise MethodNotAllowedError(Method=method[:20], ResourceType=address.level)
        # JavaScript SDK v3 names the operation (`?x-id=PutObject`): honoured among the
        # candidates only, so it can never reach an operation the request does not fit.
        named = present.get("x-id")
        best = candidates[0]
        if named is not None:
            best = next((r for r in candidates if r.operation.name == named), best)
        return best.operation


def uri_params(address: S3Address) -> dict[str, str]:
    params: dict[str, str] = {}
    if address.bucket is not None:
        params["Bucket"] = address.bucket
    if address.key is not None:
        params["Key"] = address.key
    return params


def _decoded(raw: str) -> str:
    try:
        text = unquote(raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidUriError() from exc
    if len(text.encode("utf-8", "surrogatepass")) > KEY_MAX_BYTES:
        raise KeyTooLongError(Size=len(text.encode("utf-8", "surrogatepass")),
                              MaxSizeAllowed=KEY_MAX_BYTES)  # fmt: skip
    return text
