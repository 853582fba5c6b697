"""A mapping whose filter criteria are encrypted under a customer key (`KMSKeyArn`), through
boto3 against a real server: only matching messages reach the function, and the criteria never
reach the data dir in plaintext.

AWS facts: Lambda developer guide, invocation-eventfiltering "Encrypting filter criteria" (the
key policy lets lambda.<region>.amazonaws.com decrypt, for the mapping's ARN as
aws:SourceArn; ListEventSourceMappings never shows the criteria).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from tests.integration.test_encryption_at_rest import scan
from tests.integration.test_event_source_mappings import function, printed, queue, sqs_role, until
from tests.support.server import running_server

pytestmark = pytest.mark.integration


def test_key_encrypted_filters_deliver_only_matches_and_stay_off_disk(tmp_path: Path) -> None:
    canary = f"canary-filter-{uuid.uuid4().hex}"
    data_dir = tmp_path / "data"
    with running_server(data_dir) as server:
        lam, kms, sqs = server.client("lambda"), server.client("kms"), server.client("sqs")
        name = function(server, sqs_role(server))
        url, arn = queue(server)
        key_arn = kms.create_key(Description="filter criteria")["KeyMetadata"]["Arn"]
        policy = json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
        policy["Statement"].append({
            "Effect": "Allow", "Principal": {"Service": f"lambda.{server.region}.amazonaws.com"},
            "Action": "kms:Decrypt", "Resource": "*",
            "Condition": {"StringEquals": {
                "kms:EncryptionContext:aws:lambda:EventSourceArn": arn}},
        })  # fmt: skip
        kms.put_key_policy(KeyId=key_arn, PolicyName="default", Policy=json.dumps(policy))
        # The canary is one of the allowed values: it is in the criteria and in no message.
        criteria = {"Filters": [{"Pattern": json.dumps({"body": {"kind": ["keep", canary]}})}]}
        mapping = lam.create_event_source_mapping(
            FunctionName=name, EventSourceArn=arn, FilterCriteria=criteria, KMSKeyArn=key_arn,
            BatchSize=10)["UUID"]  # fmt: skip
        until(lambda: lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled")
        assert lam.get_event_source_mapping(UUID=mapping)["FilterCriteria"] == criteria
        listed = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
        assert "FilterCriteria" not in listed[0]

        for n, kind in enumerate(["drop", "keep", "drop", "keep"]):
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": kind, "n": n}))
        until(lambda: sum(len(b) for b in printed(server, name, "BATCH ")) >= 2, timeout_s=60)
        time.sleep(1.0)  # the dropped ones are deleted, never delivered
        batches = printed(server, name, "BATCH ")
        delivered = sorted(json.loads(r["body"])["n"] for b in batches for r in b)
        assert delivered == [1, 3]
        attributes = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        until(lambda: all(v == "0" for v in sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=attributes)["Attributes"].values()))  # fmt: skip
        found = scan(data_dir, {"filter": canary})
    assert found == {}, f"filter criteria found in plaintext: {found}"
    assert scan(data_dir, {"filter": canary}) == {}  # after a clean shutdown too
