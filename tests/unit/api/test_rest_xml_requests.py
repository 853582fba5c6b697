"""S3 requests, as botocore writes them, route to their operation and parse back into the
very input botocore started from (path-style through botocore's serializer; both addressing
styles through a real client)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from stockade.api.s3_routing import OBJECT
from tests.unit.api.s3_wire_support import WireClient, endpoint, serialized_request

WHEN = datetime(2026, 12, 8, 2, 11, 35, tzinfo=UTC)
B = "stockade-bucket"
K = "photos/2026/a b+c.jpg"
POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*"}]}'
TAGS = {"TagSet": [{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "prod"}]}
ENCRYPTION = {
    "Rules": [
        {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": "arn:aws:kms:us-east-1:111122223333:key/1234abcd",
            },
            "BucketKeyEnabled": True,
        }
    ]
}
NOTIFICATIONS = {
    "LambdaFunctionConfigurations": [
        {
            "Id": "thumbs",
            "LambdaFunctionArn": "arn:aws:lambda:us-east-1:111122223333:function:thumb",
            "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"},
                                               {"Name": "suffix", "Value": ".jpg"}]}},
        }
    ],
    "QueueConfigurations": [
        {"QueueArn": "arn:aws:sqs:us-east-1:111122223333:q", "Events": ["s3:ObjectCreated:Put"]}
    ],
}  # fmt: skip
LIFECYCLE = {
    "Rules": [
        {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 3}},
        {"ID": "old", "Status": "Disabled", "Filter": {"Prefix": ""},
         "Expiration": {"Date": datetime(2027, 1, 1, tzinfo=UTC)},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
    ]
}  # fmt: skip

# Every operation issue 23 lists, with members in every location its input has.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("CreateBucket", {"Bucket": B, "ObjectOwnership": "BucketOwnerEnforced",
                      "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}),
    ("CreateBucket", {"Bucket": B}),
    ("HeadBucket", {"Bucket": B, "ExpectedBucketOwner": "111122223333"}),
    ("DeleteBucket", {"Bucket": B}),
    ("ListBuckets", {"MaxBuckets": 10, "Prefix": "stock", "ContinuationToken": "t"}),
    ("ListBuckets", {}),
    ("GetBucketLocation", {"Bucket": B}),
    ("GetBucketPolicy", {"Bucket": B}),
    ("PutBucketPolicy", {"Bucket": B, "Policy": POLICY, "ConfirmRemoveSelfBucketAccess": True}),
    ("DeleteBucketPolicy", {"Bucket": B}),
    ("GetPublicAccessBlock", {"Bucket": B}),
    ("PutPublicAccessBlock", {"Bucket": B, "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True}}),
    ("DeletePublicAccessBlock", {"Bucket": B}),
    ("GetBucketVersioning", {"Bucket": B}),
    ("PutBucketVersioning", {"Bucket": B, "VersioningConfiguration": {
        "Status": "Enabled", "MFADelete": "Disabled"}}),
    ("GetBucketEncryption", {"Bucket": B}),
    ("PutBucketEncryption", {"Bucket": B, "ServerSideEncryptionConfiguration": ENCRYPTION}),
    ("DeleteBucketEncryption", {"Bucket": B}),
    ("GetBucketNotificationConfiguration", {"Bucket": B}),
    ("PutBucketNotificationConfiguration", {"Bucket": B,
        "NotificationConfiguration": NOTIFICATIONS, "SkipDestinationValidation": True}),
    ("GetBucketTagging", {"Bucket": B}),
    ("PutBucketTagging", {"Bucket": B, "Tagging": TAGS}),
    ("DeleteBucketTagging", {"Bucket": B}),
    ("GetBucketLifecycleConfiguration", {"Bucket": B}),
    ("PutBucketLifecycleConfiguration", {"Bucket": B, "LifecycleConfiguration": LIFECYCLE}),
    ("DeleteBucketLifecycle", {"Bucket": B}),
    ("PutObject", {"Bucket": B, "Key": K, "Body": b"hello", "ContentType": "image/jpeg",
                   "ContentLength": 5, "Metadata": {"color": "blue", "x-y": "z"},
                   "Tagging": "a=b&c=d", "IfNoneMatch": "*", "Expires": WHEN,
                   "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/k",
                   "BucketKeyEnabled": True, "ChecksumCRC32": "NhCmhg=="}),
    ("GetObject", {"Bucket": B, "Key": K, "Range": "bytes=0-9", "IfMatch": '"abc"',
                   "IfModifiedSince": WHEN, "VersionId": "v1", "PartNumber": 2,
                   "ResponseContentType": "text/plain", "ChecksumMode": "ENABLED"}),
    ("HeadObject", {"Bucket": B, "Key": K, "IfNoneMatch": '"abc"', "IfUnmodifiedSince": WHEN}),
    ("DeleteObject", {"Bucket": B, "Key": K, "VersionId": "v1", "IfMatch": '"e"'}),
    ("DeleteObjects", {"Bucket": B, "Delete": {"Objects": [{"Key": "a"},
        {"Key": "b/&<c>", "VersionId": "v2"}], "Quiet": True}}),
    ("CopyObject", {"Bucket": B, "Key": K, "CopySource": "src-bucket/a%20b?versionId=v",
                    "MetadataDirective": "REPLACE", "Metadata": {"k": "v"},
                    "CopySourceIfMatch": '"e"', "CopySourceIfModifiedSince": WHEN,
                    "TaggingDirective": "COPY"}),
    ("ListObjectsV2", {"Bucket": B, "Prefix": "photos/", "Delimiter": "/", "MaxKeys": 7,
                       "ContinuationToken": "tok", "StartAfter": "photos/a", "FetchOwner": True,
                       "EncodingType": "url"}),
    ("ListObjects", {"Bucket": B, "Prefix": "p", "Delimiter": "/", "Marker": "m",
                     "MaxKeys": 3, "EncodingType": "url"}),
    ("ListObjectVersions", {"Bucket": B, "Prefix": "p", "KeyMarker": "k",
                            "VersionIdMarker": "v", "MaxKeys": 5, "Delimiter": "/"}),
    ("GetObjectTagging", {"Bucket": B, "Key": K, "VersionId": "v"}),
    ("PutObjectTagging", {"Bucket": B, "Key": K, "Tagging": TAGS}),
    ("DeleteObjectTagging", {"Bucket": B, "Key": K}),
    ("CreateMultipartUpload", {"Bucket": B, "Key": K, "ContentType": "text/plain",
                               "Metadata": {"m": "1"}, "ChecksumAlgorithm": "CRC32"}),
    ("UploadPart", {"Bucket": B, "Key": K, "UploadId": "up-1", "PartNumber": 3,
                    "Body": b"part", "ContentLength": 4, "ContentMD5": "XUFAKrxLKna5cZ2REBfFkg=="}),
    ("UploadPartCopy", {"Bucket": B, "Key": K, "UploadId": "up-1", "PartNumber": 1,
                        "CopySource": "src/k", "CopySourceRange": "bytes=0-99"}),
    ("CompleteMultipartUpload", {"Bucket": B, "Key": K, "UploadId": "up-1",
        "MultipartUpload": {"Parts": [{"ETag": '"a1"', "PartNumber": 1},
                                      {"ETag": '"b2"', "PartNumber": 2,
                                       "ChecksumCRC32": "AAAAAA=="}]},
        "IfNoneMatch": "*"}),
    ("AbortMultipartUpload", {"Bucket": B, "Key": K, "UploadId": "up-1"}),
    ("ListParts", {"Bucket": B, "Key": K, "UploadId": "up-1", "MaxParts": 10,
                   "PartNumberMarker": 2}),
    ("ListMultipartUploads", {"Bucket": B, "Prefix": "p", "KeyMarker": "k",
                              "UploadIdMarker": "u", "MaxUploads": 9, "Delimiter": "/"}),
]  # fmt: skip
STREAMED = {"PutObject", "UploadPart"}


def _without_stream(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if not (operation in STREAMED and k == "Body")}


@pytest.mark.parametrize(("operation", "params"), CASES, ids=[c[0] for c in CASES])
def test_botocore_serialized_request_parses_back_to_its_input(
    operation: str, params: dict[str, Any]
) -> None:
    s3 = endpoint()
    request = serialized_request(operation, params)
    routed = s3.route(request)
    assert routed.operation.name == operation
    assert s3.parse(routed, request) == _without_stream(operation, params)
    streamed = s3.stream_member(routed.operation)
    assert streamed == ("Body" if operation in STREAMED else None)
    if streamed:  # the body is the stream's, untouched by parsing
        assert request.body == params["Body"]


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


@pytest.mark.parametrize("style", ["path", "virtual"])
@pytest.mark.parametrize(("operation", "params"), CASES, ids=[c[0] for c in CASES])
def test_client_requests_in_either_addressing_style_parse_to_their_input(
    style: str, operation: str, params: dict[str, Any]
) -> None:
    wire = WireClient(style)
    getattr(wire.client, _snake(operation))(**params)
    (seen,) = wire.seen
    assert seen.operation == operation
    host = seen.request.headers["host"]
    # botocore addresses GetBucketLocation path-style whatever the style (its endpoint rules).
    virtual = style == "virtual" and "Bucket" in params and operation != "GetBucketLocation"
    assert host == (f"{B}.s3.stockade.test" if virtual else "s3.stockade.test")
    expected = _without_stream(operation, params)
    if operation in {"CopyObject", "UploadPartCopy"}:
        # The client quotes a copy source's key (botocore handlers.handle_copy_source_param).
        expected = {k: v for k, v in expected.items() if k != "CopySource"}
    # The client adds members of its own (Content-MD5, checksums): the caller's are all there.
    assert {k: seen.params.get(k) for k in expected} == expected
    if operation in STREAMED:
        assert seen.stream_member == "Body"
        assert seen.request.body == params["Body"]


def test_virtual_host_with_a_dotted_bucket_and_a_port() -> None:
    s3 = endpoint()
    request = serialized_request("GetObject", {"Bucket": "x", "Key": "k"})
    hosted = type(request)("GET", "//a/b/", "", {"host": "my.dotted.bucket.S3.stockade.test:4566"},
                           b"")  # fmt: skip
    routed = s3.route(hosted)
    assert routed.operation.name == "GetObject"
    assert dict(routed.uri_params) == {"Bucket": "my.dotted.bucket", "Key": "/a/b/"}
    assert request.headers["host"] == "s3.stockade.test"


def test_an_object_request_is_routed_on_the_object_even_when_the_key_looks_like_a_bucket() -> None:
    s3 = endpoint()
    request = serialized_request("PutObject", {"Bucket": B, "Key": "x?versioning", "Body": b""})
    routed = s3.route(request)
    assert routed.operation.name == "PutObject"
    assert routed.uri_params["Key"] == "x?versioning"
    assert s3._router.address(request.raw_path, "s3.stockade.test").level == OBJECT
