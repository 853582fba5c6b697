"""A function that invokes itself tries to escape recursive loop detection by forging or
stripping its trace: it rewrites `_X_AMZN_TRACE_ID`, sends its own `X-Amzn-Trace-Id` (a fresh
root, or a lineage of 0), or sends none at all, and stamps a forged AWSTraceHeader on the
messages it sends. The hop count lives with the host's record of each invocation, so the
chain is still stopped after 16 runs, and the queue keeps the host's trace, not the forgery.

Runs a real server with real sandboxes; the chain is bounded by its payload (n < 40).
"""

from __future__ import annotations

import pytest

from tests.integration.test_recursion import drain, make_queue, self_invoker, start
from tests.support.server import RunningServer

pytestmark = [pytest.mark.security, pytest.mark.slow]

FORGED = "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"

FORGER = """
import json, os, time
import boto3

FORGED = "@FORGED@" + ";Lineage=0:00000000:0"

def handler(event, context):
    n = event["n"]
    seen = os.environ.get("_X_AMZN_TRACE_ID")
    boto3.client("sqs").send_message(
        QueueUrl=event["report"], MessageBody=json.dumps({"n": n, "trace": seen}),
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": FORGED}},
    )
    if n >= event["stop"]:
        return n
    mode = ("strip", "forge", "fresh")[n % 3]
    if mode == "strip":  # no trace at all: botocore sends no X-Amzn-Trace-Id
        os.environ.pop("_X_AMZN_TRACE_ID", None)
        header = None
    elif mode == "forge":  # a lineage that says this chain has not started
        header = FORGED
    else:  # a brand-new trace, as if this were the first call of a new chain
        header = "Root=1-%08x-%s;Sampled=0" % (int(time.time()), os.urandom(12).hex())
    if header is not None:
        os.environ["_X_AMZN_TRACE_ID"] = header
    lam = boto3.client("lambda")
    if header is not None:
        def stamp(request, **_):
            request.headers["X-Amzn-Trace-Id"] = header
        lam.meta.events.register("before-sign.lambda.Invoke", stamp)
    lam.invoke(FunctionName=context.function_name, InvocationType="Event",
               Payload=json.dumps({**event, "n": n + 1}).encode())
    return n
""".replace("@FORGED@", FORGED)


def test_forging_or_stripping_the_trace_does_not_reset_the_hop_count(
    server: RunningServer,
) -> None:
    name, failures = self_invoker(server, FORGER)
    report, _ = make_queue(server)
    start(server, name, report, stop=40)

    runs = drain(server, report, quiet_s=6)
    assert sorted(run["n"] for run in runs) == list(range(1, 17))
    roots = {run["trace"].split(";")[0] for run in runs}
    assert len(roots) == 1
    assert FORGED.split(";", maxsplit=1)[0] not in roots
    for run in runs:
        # What the queue stored is the host's trace of the sending invocation.
        assert run["_aws_trace_header"] == run["trace"]
        assert "Lineage=0:" not in run["_aws_trace_header"]

    failed = drain(server, failures, quiet_s=2)
    assert [record["requestPayload"]["n"] for record in failed] == [17]
    assert failed[0]["requestContext"]["condition"] == "RecursiveInvocationException"
