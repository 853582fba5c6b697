"""S3 results serialized by the codec read back, through botocore's own RestXMLParser and a
real client, as exactly the result serialized; with S3's document roots, namespace, header
forms and statuses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.parsers import RestXMLParser

from stockade.api.http import HttpResponse
from stockade.api.protocols.rest_xml import serialize_response
from stockade.api.protocols.rest_xml_body import S3_NAMESPACE, parse_document
from tests.unit.api.s3_wire_support import MODEL, REQUEST_ID, WireClient
from tests.unit.api.test_rest_xml_requests import ENCRYPTION, LIFECYCLE, NOTIFICATIONS, TAGS

WHEN = datetime(2026, 12, 8, 2, 11, 35, 123000, tzinfo=UTC)
SECOND = datetime(2026, 12, 8, 2, 11, 35, tzinfo=UTC)  # headers carry whole seconds
OWNER = {"DisplayName": "stockade", "ID": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5"}
ENTRY = {"Key": "a/b&c", "LastModified": WHEN, "ETag": '"9b2cf535f27731c974343645a3985328"',
         "Size": 3, "StorageClass": "STANDARD"}  # fmt: skip

CASES: list[tuple[str, dict[str, Any], int, str | None]] = [
    ("CreateBucket", {"Location": "/stockade-bucket"}, 200, None),
    ("HeadBucket", {"BucketRegion": "eu-west-1", "AccessPointAlias": False}, 200, None),
    ("DeleteBucket", {}, 204, None),
    ("ListBuckets", {"Buckets": [{"Name": "b1", "CreationDate": WHEN, "BucketRegion": "us-east-1"},
                                 {"Name": "b2", "CreationDate": WHEN}],
                     "Owner": OWNER, "Prefix": "b"}, 200, "ListAllMyBucketsResult"),
    ("GetBucketPolicy", {"Policy": '{"Version":"2012-10-17","Statement":[]}'}, 200, None),
    ("PutBucketPolicy", {}, 200, None),
    ("DeleteBucketPolicy", {}, 204, None),
    ("GetPublicAccessBlock", {"PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True}}, 200, "PublicAccessBlockConfiguration"),
    ("DeletePublicAccessBlock", {}, 204, None),
    ("GetBucketVersioning", {"Status": "Suspended", "MFADelete": "Disabled"}, 200,
     "VersioningConfiguration"),
    ("GetBucketEncryption", {"ServerSideEncryptionConfiguration": ENCRYPTION}, 200,
     "ServerSideEncryptionConfiguration"),
    ("DeleteBucketEncryption", {}, 204, None),
    ("GetBucketNotificationConfiguration", NOTIFICATIONS, 200, "NotificationConfiguration"),
    ("GetBucketTagging", TAGS, 200, "Tagging"),
    ("DeleteBucketTagging", {}, 204, None),
    ("GetBucketLifecycleConfiguration", {**LIFECYCLE, "TransitionDefaultMinimumObjectSize":
                                         "all_storage_classes_128K"}, 200,
     "LifecycleConfiguration"),
    ("DeleteBucketLifecycle", {}, 204, None),
    ("PutObject", {"ETag": '"5d41402abc4b2a76b9719d911017c592"', "VersionId": "v1",
                   "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "arn:aws:kms:k",
                   "BucketKeyEnabled": True, "ChecksumCRC32": "NhCmhg==", "Size": 5}, 200, None),
    ("HeadObject", {"ContentLength": 10, "ETag": '"e"', "LastModified": SECOND,
                    "ContentType": "text/plain", "Metadata": {"color": "blue"},
                    "AcceptRanges": "bytes", "VersionId": "v", "DeleteMarker": False,
                    "Expires": SECOND, "ServerSideEncryption": "AES256",
                    "ObjectLockRetainUntilDate": WHEN, "PartsCount": 3}, 200, None),
    ("DeleteObject", {"DeleteMarker": True, "VersionId": "dm-1"}, 204, None),
    ("DeleteObjects", {"Deleted": [{"Key": "a"}, {"Key": "b", "VersionId": "v",
                                                  "DeleteMarker": True,
                                                  "DeleteMarkerVersionId": "dm"}],
                       "Errors": [{"Key": "c", "Code": "AccessDenied",
                                   "Message": "Access Denied"}]},
     200, "DeleteResult"),
    ("CopyObject", {"CopyObjectResult": {"ETag": '"e"', "LastModified": WHEN,
                                         "ChecksumCRC32": "AAAAAA=="},
                    "VersionId": "v2", "CopySourceVersionId": "v1"}, 200, "CopyObjectResult"),
    ("ListObjectsV2", {"IsTruncated": True, "Contents": [ENTRY, {**ENTRY, "Key": "z",
                                                                 "Owner": OWNER}],
                       "Name": "stockade-bucket", "Prefix": "", "Delimiter": "/",
                       "MaxKeys": 1000, "CommonPrefixes": [{"Prefix": "d/"}, {"Prefix": "e/"}],
                       "KeyCount": 4, "ContinuationToken": "c", "NextContinuationToken": "n",
                       "StartAfter": "s", "EncodingType": "url"}, 200, "ListBucketResult"),
    ("ListObjects", {"IsTruncated": False, "Marker": "", "NextMarker": "z",
                     "Contents": [ENTRY], "Name": "b", "Prefix": "p", "MaxKeys": 2,
                     "CommonPrefixes": [{"Prefix": "p/"}]}, 200, "ListBucketResult"),
    ("ListObjectVersions", {"IsTruncated": False, "KeyMarker": "", "VersionIdMarker": "",
                            "Versions": [{"ETag": '"e"', "Size": 3, "StorageClass": "STANDARD",
                                          "Key": "k", "VersionId": "v2", "IsLatest": True,
                                          "LastModified": WHEN, "Owner": OWNER}],
                            "DeleteMarkers": [{"Owner": OWNER, "Key": "k", "VersionId": "dm",
                                               "IsLatest": False, "LastModified": WHEN}],
                            "Name": "b", "Prefix": "", "MaxKeys": 1000}, 200,
     "ListVersionsResult"),
    ("GetObjectTagging", {"VersionId": "v", **TAGS}, 200, "Tagging"),
    ("PutObjectTagging", {"VersionId": "v"}, 200, None),
    ("DeleteObjectTagging", {"VersionId": "v"}, 204, None),
    ("CreateMultipartUpload", {"Bucket": "b", "Key": "k/é", "UploadId": "VXBsb2FkIElE",
                               "ServerSideEncryption": "AES256", "ChecksumAlgorithm": "CRC32"},
     200, "InitiateMultipartUploadResult"),
    ("UploadPart", {"ETag": '"p1"', "ChecksumCRC32C": "yZRlqg=="}, 200, None),
    ("UploadPartCopy", {"CopyPartResult": {"ETag": '"p2"', "LastModified": WHEN},
                        "CopySourceVersionId": "v"}, 200, "CopyPartResult"),
    ("CompleteMultipartUpload", {"Location": "http://s3.stockade.test/b/k", "Bucket": "b",
                                 "Key": "k", "ETag": '"abc-2"', "VersionId": "v"}, 200,
     "CompleteMultipartUploadResult"),
    ("AbortMultipartUpload", {}, 204, None),
    ("ListParts", {"Bucket": "b", "Key": "k", "UploadId": "u", "PartNumberMarker": 0,
                   "NextPartNumberMarker": 2, "MaxParts": 1000, "IsTruncated": False,
                   "Parts": [{"PartNumber": 1, "LastModified": WHEN, "ETag": '"a"', "Size": 5},
                             {"PartNumber": 2, "LastModified": WHEN, "ETag": '"b"', "Size": 1}],
                   "Initiator": {"ID": "i", "DisplayName": "d"}, "Owner": OWNER,
                   "StorageClass": "STANDARD"}, 200, "ListPartsResult"),
    ("ListMultipartUploads", {"Bucket": "b", "KeyMarker": "", "UploadIdMarker": "",
                              "MaxUploads": 1000, "IsTruncated": False, "Prefix": "",
                              "Uploads": [{"UploadId": "u", "Key": "k", "Initiated": WHEN,
                                           "StorageClass": "STANDARD", "Owner": OWNER,
                                           "Initiator": {"ID": "i", "DisplayName": "d"}}]},
     200, "ListMultipartUploadsResult"),
]  # fmt: skip


def _parse(operation: str, response: HttpResponse) -> dict[str, Any]:
    shape = MODEL.operation_model(operation).output_shape
    parsed: dict[str, Any] = RestXMLParser().parse(
        {"status_code": response.status, "headers": dict(response.headers),
         "body": response.body},
        shape,
    )  # fmt: skip
    parsed.pop("ResponseMetadata", None)
    return parsed


@pytest.mark.parametrize(("operation", "result", "status", "root"), CASES,
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_a_result_reads_back_through_botocore_as_serialized(
    operation: str, result: dict[str, Any], status: int, root: str | None
) -> None:
    response = serialize_response(MODEL.operation_model(operation), result, REQUEST_ID)
    assert response.status == status
    assert ("x-amz-request-id", REQUEST_ID) in response.headers
    assert _parse(operation, response) == result
    if root is not None:  # S3's root element, in S3's namespace
        assert response.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        assert f'<{root} xmlns="{S3_NAMESPACE}">'.encode() in response.body
        assert parse_document(response.body).name == root
        assert ("Content-Type", "application/xml") in response.headers


def test_an_empty_listing_is_still_a_document() -> None:
    response = serialize_response(MODEL.operation_model("ListObjectsV2"), {}, REQUEST_ID)
    assert parse_document(response.body).name == "ListBucketResult"


def test_headers_take_s3s_forms_quoted_etags_and_rfc_7231_dates() -> None:
    result = {"ETag": "5d41402abc4b2a76b9719d911017c592", "LastModified": SECOND,
              "Metadata": {"color": "blue"}, "ContentLength": 5, "VersionId": "v1",
              "ObjectLockRetainUntilDate": WHEN}  # fmt: skip
    headers = dict(serialize_response(MODEL.operation_model("HeadObject"), result, "r").headers)
    assert headers["ETag"] == '"5d41402abc4b2a76b9719d911017c592"'
    assert headers["Last-Modified"] == "Tue, 08 Dec 2026 02:11:35 GMT"
    assert headers["x-amz-meta-color"] == "blue"
    assert headers["x-amz-version-id"] == "v1"
    assert headers["x-amz-object-lock-retain-until-date"] == "2026-12-08T02:11:35.123Z"
    assert headers["Content-Length"] == "5"


def test_a_bare_etag_in_a_listing_is_quoted_in_the_document() -> None:
    result = {"Contents": [{**ENTRY, "ETag": "abc"}], "Name": "b"}
    response = serialize_response(MODEL.operation_model("ListObjectsV2"), result, "r")
    assert b"<ETag>&quot;abc&quot;</ETag>" in response.body
    assert _parse("ListObjectsV2", response)["Contents"][0]["ETag"] == '"abc"'
    assert b"<LastModified>2026-12-08T02:11:35.123Z</LastModified>" in response.body


def test_a_range_get_answers_206_with_its_content_range_and_the_bytes() -> None:
    result = {"Body": b"llo", "ContentRange": "bytes 2-4/5", "ContentLength": 3,
              "AcceptRanges": "bytes", "ETag": '"e"'}  # fmt: skip
    response = serialize_response(MODEL.operation_model("GetObject"), result, "r")
    assert response.status == 206
    assert response.body == b"llo"
    parsed = RestXMLParser().parse(
        {"status_code": 206, "headers": dict(response.headers), "body": response.body},
        MODEL.operation_model("GetObject").output_shape,
    )
    assert parsed["ContentRange"] == "bytes 2-4/5"
    assert parsed["ContentLength"] == 3


def test_a_streamed_object_body_is_passed_through_unread() -> None:
    pieces = [b"a" * 10, b"b" * 10]
    pulled: list[bytes] = []

    async def body() -> AsyncIterator[bytes]:
        for piece in pieces:
            pulled.append(piece)
            yield piece

    stream = body()
    response = serialize_response(
        MODEL.operation_model("GetObject"), {"Body": stream, "ContentLength": 20}, "r"
    )
    assert response.stream is stream
    assert response.body == b""
    assert pulled == []  # serializing read nothing

    async def drain() -> bytes:
        assert response.stream is not None
        return b"".join([piece async for piece in response.stream])

    assert asyncio.run(drain()) == b"a" * 10 + b"b" * 10


@pytest.mark.parametrize(("region", "expected"), [("eu-west-1", "eu-west-1"),
                                                  ("us-east-1", None), (None, None)])  # fmt: skip
def test_bucket_location_is_the_bare_element_and_empty_for_us_east_1(
    region: str | None, expected: str | None
) -> None:
    wire = WireClient("path")
    wire.results["GetBucketLocation"] = {"LocationConstraint": region}
    answer = wire.client.get_bucket_location(Bucket="stockade-bucket")
    assert answer.get("LocationConstraint") == expected
    body = serialize_response(
        MODEL.operation_model("GetBucketLocation"), {"LocationConstraint": region}, "r"
    ).body
    assert parse_document(body).name == "LocationConstraint"


def test_a_client_reads_a_listing_and_an_object_through_the_codec() -> None:
    wire = WireClient("virtual")
    wire.results["ListObjectsV2"] = {"Contents": [ENTRY], "Name": "b", "KeyCount": 1,
                                     "IsTruncated": False}  # fmt: skip
    wire.results["GetObject"] = {"Body": b"hello", "ContentLength": 5, "ETag": "e",
                                 "Metadata": {"color": "blue"}, "LastModified": SECOND}  # fmt: skip
    listing = wire.client.list_objects_v2(Bucket="b")
    assert listing["Contents"][0]["Key"] == "a/b&c"
    assert listing["Contents"][0]["LastModified"] == WHEN
    got = wire.client.get_object(Bucket="b", Key="k")
    assert got["Body"].read() == b"hello"
    assert got["ETag"] == '"e"'
    assert got["Metadata"] == {"color": "blue"}
    assert got["LastModified"] == SECOND
