"""S3's routing: sub-resources, header-decided operations, addressing styles, and keys of any
characters decoded exactly once (property-tested through botocore's serializer and client)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockade.api.endpoints import Endpoint
from stockade.api.http import HttpRequest
from stockade.api.s3_routing import S3Router
from tests.unit.api.s3_wire_support import MODEL, WireClient, endpoint, serialized_request

H = "s3.stockade.test"

# (method, path, query, headers) -> operation, as the model's requestUri and members imply.
ROUTES = [
    ("GET", "/", "", {}, "ListBuckets"),
    ("PUT", "/b1b", "", {}, "CreateBucket"),
    ("HEAD", "/b1b", "", {}, "HeadBucket"),
    ("DELETE", "/b1b/", "", {}, "DeleteBucket"),  # a trailing slash names no key
    ("GET", "/b1b", "", {}, "ListObjects"),
    ("GET", "/b1b", "list-type=2&prefix=a", {}, "ListObjectsV2"),
    ("GET", "/b1b", "list-type=1", {}, "ListObjects"),
    ("GET", "/b1b", "versions", {}, "ListObjectVersions"),
    ("GET", "/b1b", "uploads", {}, "ListMultipartUploads"),
    ("GET", "/b1b", "location", {}, "GetBucketLocation"),
    ("GET", "/b1b", "policy", {}, "GetBucketPolicy"),
    ("PUT", "/b1b", "publicAccessBlock", {}, "PutPublicAccessBlock"),
    ("GET", "/b1b", "versioning", {}, "GetBucketVersioning"),
    ("DELETE", "/b1b", "encryption", {}, "DeleteBucketEncryption"),
    ("GET", "/b1b", "notification", {}, "GetBucketNotificationConfiguration"),
    ("PUT", "/b1b", "notification=", {}, "PutBucketNotificationConfiguration"),
    ("GET", "/b1b", "lifecycle", {}, "GetBucketLifecycleConfiguration"),
    ("PUT", "/b1b", "lifecycle", {}, "PutBucketLifecycleConfiguration"),
    ("DELETE", "/b1b", "tagging", {}, "DeleteBucketTagging"),
    ("POST", "/b1b", "delete", {}, "DeleteObjects"),
    ("GET", "/b1b", "analytics", {}, "ListBucketAnalyticsConfigurations"),
    ("GET", "/b1b", "analytics&id=x", {}, "GetBucketAnalyticsConfiguration"),
    ("PUT", "/b1b/k", "", {}, "PutObject"),
    ("PUT", "/b1b/k", "", {"x-amz-copy-source": "/src/k"}, "CopyObject"),
    ("PUT", "/b1b/k", "partNumber=1&uploadId=u", {}, "UploadPart"),
    ("PUT", "/b1b/k", "partNumber=1&uploadId=u", {"x-amz-copy-source": "s/k"}, "UploadPartCopy"),
    ("GET", "/b1b/k", "", {}, "GetObject"),
    ("GET", "/b1b/k", "partNumber=2", {}, "GetObject"),
    ("GET", "/b1b/k", "uploadId=u", {}, "ListParts"),
    ("HEAD", "/b1b/k", "", {}, "HeadObject"),
    ("DELETE", "/b1b/k", "", {}, "DeleteObject"),
    ("DELETE", "/b1b/k", "uploadId=u", {}, "AbortMultipartUpload"),
    ("POST", "/b1b/k", "uploads", {}, "CreateMultipartUpload"),
    ("POST", "/b1b/k", "uploadId=u", {}, "CompleteMultipartUpload"),
    ("GET", "/b1b/k", "tagging", {}, "GetObjectTagging"),
    ("PUT", "/b1b/k", "tagging", {}, "PutObjectTagging"),
    ("DELETE", "/b1b/k", "tagging&versionId=v", {}, "DeleteObjectTagging"),
    ("PUT", "/b1b/k", "x-id=PutObject", {}, "PutObject"),  # JavaScript SDK v3's hint
    ("GET", "/b1b/k", "x-id=ListParts", {}, "GetObject"),  # a hint never overrides the fit
]


@pytest.mark.parametrize(("method", "path", "query", "headers", "operation"), ROUTES,
                         ids=[f"{r[4]}-{i}" for i, r in enumerate(ROUTES)])  # fmt: skip
@pytest.mark.parametrize("virtual", [False, True])
def test_each_request_form_routes_to_its_operation(
    method: str, path: str, query: str, headers: dict[str, str], operation: str, virtual: bool
) -> None:
    host = H
    if virtual and path != "/":
        bucket, _, rest = path[1:].partition("/")
        host, path = f"{bucket}.{H}", "/" + rest
    request = HttpRequest(method, path, query, {"host": host, **headers}, b"")
    routed = endpoint().route(request)
    assert routed.operation.name == operation
    assert routed.uri_params.get("Bucket") == (None if operation == "ListBuckets" else "b1b")


@pytest.mark.parametrize(
    ("host", "path", "bucket", "key"),
    [
        (H, "/b1b/a//b/", "b1b", "a//b/"),
        (H, "/b1b//", "b1b", "/"),
        (H, "/b1b/a+b%2Bc%20d", "b1b", "a+b+c d"),
        (H, "/b1b/%2525", "b1b", "%25"),  # decoded once, not twice
        (f"b1b.{H}", "/", "b1b", None),
        (f"b1b.{H}:4566", "//x", "b1b", "/x"),
        (f"B1B.{H.upper()}", "/x", "B1B", "x"),  # the name as sent; the service judges it
        ("127.0.0.1:4566", "/b1b/x", "b1b", "x"),  # not under the domain: path-style
        ("localhost", "/b1b", "b1b", None),
        (f"other.{H}.evil.test", "/b1b/x", "b1b", "x"),
        ("[::1]:4566", "/b1b/x", "b1b", "x"),
        (H, "/b1b/x?acl", "b1b", "x"),
    ],
)
def test_addresses_in_both_styles(host: str, path: str, bucket: str, key: str | None) -> None:
    address = S3Router(MODEL, [H]).address(path, host)
    assert (address.bucket, address.key) == (bucket, key)


# Keys of any characters: controls, `/` runs, `+`, `%`, `?`, `#`, dots, non-ASCII, emoji.
KEYS = st.text(
    st.one_of(st.sampled_from(list("/+%?#&=;. ~\\\t\x7f*'\"")), st.characters(codec="utf-8")),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=KEYS)
def test_any_key_serialized_by_botocore_routes_back_exactly(key: str) -> None:
    for operation, extra in (("GetObject", {}), ("UploadPart", {"UploadId": "u", "PartNumber": 1})):
        request = serialized_request(operation, {"Bucket": "b1b", "Key": key, **extra})
        routed = endpoint().route(request)
        assert routed.operation.name == operation
        assert routed.uri_params == {"Bucket": "b1b", "Key": key}


@pytest.mark.parametrize("style", ["path", "virtual"])
def test_any_key_sent_by_a_client_routes_back_exactly(style: str) -> None:
    wire = WireClient(style)  # one client for every example: a client is slow to make

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(key=KEYS)
    def check(key: str) -> None:
        wire.seen.clear()
        wire.client.head_object(Bucket="b1b", Key=key)
        (seen,) = wire.seen
        assert seen.operation == "HeadObject"
        assert seen.params == {"Bucket": "b1b", "Key": key}

    check()


def test_a_key_is_decoded_exactly_once() -> None:
    key = "%41%2F"
    request = HttpRequest("GET", "/b1b/" + quote(key, safe="/~"), "", {"host": H}, b"")
    assert endpoint().route(request).uri_params["Key"] == key


@pytest.mark.parametrize(
    ("method", "path", "query", "host", "limit", "name"),
    [("PUT", "/b1b/k", "", H, 5 * 1024**3, "PutObject"),
     ("PUT", "/b1b/k", "partNumber=1&uploadId=u", H, 5 * 1024**3, "UploadPart"),
     ("PUT", "/k", "", f"b1b.{H}", 5 * 1024**3, "PutObject"),
     ("PUT", "/b1b", "", H, 1024 * 1024, "CreateBucket"),
     ("PUT", "/b1b", "tagging", H, 1024 * 1024, "PutBucketTagging"),
     # Without the host, `/k` may be a virtual-hosted key: the larger limit of the two.
     ("PUT", "/k", "", None, 5 * 1024**3, "PutObject"),
     ("POST", "/", "", H, 1024 * 1024, None)],
)  # fmt: skip
def test_body_limits_follow_the_addressed_operation(
    method: str, path: str, query: str, host: str | None, limit: int, name: str | None
) -> None:
    pairs = [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in query.split("&") if p]
    found = endpoint().body_limit(method, path, [(k, v) for k, v in pairs], host)
    assert found == (limit, name)


def test_the_endpoint_is_an_edge_endpoint() -> None:
    checked: Endpoint = endpoint()  # mypy checks the shape; this checks the wire names
    assert (checked.service, checked.protocol) == ("s3", "rest-xml")
