"""Hostile input never breaks the server: a fuzz of every declared operation.

Requests are drawn from each operation's input shape by `shape_strategies.hostile` (wrong
types, 1e300 numbers and timestamps, lone surrogates, empty and missing members, oversize
strings, lists and maps, unknown enum values and members), put on the wire without botocore's
client-side checks, signed by the account's administrator (so they get past authorization and
into the handlers) and sent through the whole app. No answer may be a 5xx, and no message may
show Python's internals. The seed is fixed; STOCKADE_FUZZ_EXAMPLES sets examples per
operation (a longer job runs more).
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from hypothesis import strategies as st

from stockade.services.declaration import ServiceTable
from tests.meta.kernel_support import Observed, declared, each_drawn, model, report
from tests.support.hostile_wire import wire_request
from tests.support.inprocess import InProcessServer
from tests.support.shape_strategies import hostile

EXAMPLES = int(os.environ.get("STOCKADE_FUZZ_EXAMPLES", "25"))
SERVED = (
    "lambda", "iam", "sts", "kms", "sqs", "logs", "cloudtrail", "signer", "ec2", "events",
    "ssm",
    "secretsmanager",
)  # fmt: skip
INTERNALS = re.compile(
    r"Traceback|File \"|object at 0x|<class |<built-in|NoneType|\b(Key|Type|Value|Attribute|"
    r"Index|Overflow|Recursion|UnicodeEncode|UnicodeDecode|ZeroDivision|Runtime)Error\b|"
    r"sqlite3|site-packages|stockade\.(api|kernel|services|store|domain)"
)


def _tables(server: InProcessServer) -> dict[str, ServiceTable]:
    assert server.built is not None
    assert server.built.kernel is not None
    return dict(server.built.kernel.tables)


@pytest.mark.parametrize("service", SERVED)
def test_hostile_requests_never_break_the_server(
    kernel_server: InProcessServer, service: str
) -> None:
    service_model = model(service)
    observed = Observed(kernel_server)
    failures: dict[str, str] = {}
    for owner, op in declared(_tables(kernel_server)):
        if owner != service:
            continue
        operation = service_model.operation_model(op.name)
        shape = operation.input_shape
        drawn = hostile(shape) if shape is not None else st.just({})

        def send(value: Any, operation: Any = operation) -> None:
            wire = wire_request(service_model, operation, value)
            status, _, body = kernel_server.signed(
                service, wire.method, wire.path_and_query, wire.headers, wire.body
            )
            text = body.decode("utf-8", "replace")
            assert status < 500, f"{status}: {text[:300]}"
            found = INTERNALS.search(text)
            assert found is None, f"internals ({found.group(0) if found else ''}): {text[:300]}"
            assert observed.last().request_id  # the kernel saw it through

        try:
            each_drawn(drawn, EXAMPLES, send)()
        except Exception as exc:  # gathered so that one report names every operation
            failures[op.name] = f"{type(exc).__name__}: {str(exc)[:600]}"
    assert not failures, report(failures)
