"""What the kernel meta-tests share: an in-process server, its tables, callers, the journal."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.session
from botocore.awsrequest import HeadersDict
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import create_parser
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from stockade.kernel import Trace
from stockade.services.declaration import Operation, Public, ServiceTable
from stockade.services.lambda_ import url_model_text
from stockade.services.operator import SERVICE as OPERATOR
from stockade.services.operator import model_text
from tests.support.inprocess import InProcessServer

SESSION = botocore.session.get_session()
# Operations reviewed as needing no permission, and why AWS agrees.
REVIEWED_PUBLIC = {
    ("sts", "GetCallerIdentity"): "AWS answers it for any valid credentials",
}


def model(service: str) -> ServiceModel:
    if service == OPERATOR:  # Stockade's own API, in botocore's format
        return ServiceModel(json.loads(model_text()), OPERATOR)
    return SESSION.get_service_model(service)


# Operations no AWS API serves, reached through a listener of their own, in their own model;
# the wire-drawn meta tests cannot address them, so each names the tests that cover it.
LISTENER_OPERATIONS = {
    ("lambda", "InvokeFunctionUrl"): (
        "the function URL listener (services/lambda_/url_model.json): tests/integration/"
        "test_function_urls.py, tests/security/test_function_url_access.py"
    ),
}


def declared(tables: dict[str, ServiceTable]) -> Iterator[tuple[str, Operation[Any]]]:
    for service in sorted(tables):
        for name in sorted(tables[service].operations):
            if (service, name) not in LISTENER_OPERATIONS:
                yield service, tables[service].operations[name]


def listener_problems(tables: dict[str, ServiceTable]) -> list[str]:
    """A listener operation must be declared, in its own model, and never public."""
    problems = []
    url_model = json.loads(url_model_text())["operations"]
    for service, name in LISTENER_OPERATIONS:
        op = tables[service].operations.get(name)
        if op is None or name not in url_model:
            problems.append(f"{service}:{name} is not declared in its listener's model")
        elif isinstance(op.access, Public):
            problems.append(f"{service}:{name} reaches functions: it must not be public")
    return problems


def declaration_problems(tables: dict[str, ServiceTable]) -> list[str]:
    """Everything that makes a table unsafe to run: an operation the model does not have, one
    that needs nothing without a reviewed reason, one marked as not yet declared."""
    problems: list[str] = []
    for service, op in declared(tables):
        if op.name not in model(service).operation_names:
            problems.append(f"{service}:{op.name} is not an operation of the {service} model")
        if isinstance(op.access, Public):
            if not op.access.reason.strip() or op.access.reason.startswith("UNDECLARED"):
                problems.append(f"{service}:{op.name} has no declared access")
            elif (service, op.name) not in REVIEWED_PUBLIC:
                problems.append(f"{service}:{op.name} is public but not reviewed as public")
    return problems


class Observed:
    """The kernel's final trace of each request, by request id."""

    def __init__(self, server: InProcessServer) -> None:
        assert server.built is not None
        assert server.built.kernel is not None
        self.traces: list[Trace] = []
        server.built.kernel.observe(self.traces.append)

    def last(self) -> Trace:
        return self.traces[-1]


class JournalTail:
    """Audit records journalled since the last read (the trail's journal file)."""

    def __init__(self, data_dir: Path) -> None:
        self._path = data_dir / "audit" / "journal.jsonl"
        self._offset = self._path.stat().st_size if self._path.exists() else 0

    def new_records(self) -> list[dict[str, Any]]:
        with self._path.open("rb") as journal:
            journal.seek(self._offset)
            data = journal.read()
        complete = data.rfind(b"\n") + 1
        self._offset += complete
        return [json.loads(line.split(b"\t", 1)[1]) for line in data[:complete].splitlines()]


def operation_model(service: str, name: str) -> OperationModel:
    return model(service).operation_model(name)


def error_code(service: str, name: str, status: int, headers: dict[str, str], body: bytes) -> str:
    """The error code botocore reads from a response (empty for a success)."""
    service_model = model(service)
    parsed = create_parser(service_model.metadata["protocol"]).parse(
        {"status_code": status, "headers": HeadersDict(headers), "body": body},
        service_model.operation_model(name).output_shape,
    )
    return str(parsed.get("Error", {}).get("Code", ""))


def each_drawn(
    drawn: st.SearchStrategy[Any], examples: int, body: Callable[[Any], None]
) -> Callable[[], None]:
    """`body(value)` for `examples` values drawn from `drawn`, reproducibly (a fixed seed)."""

    # No shrinking: the first failing request is report enough, and shrinking requests that
    # change server state would chase moving targets for minutes.
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(value=drawn)
    def run(value: Any) -> None:
        body(value)

    return run


def report(failures: dict[str, str]) -> str:
    return "\n" + "\n".join(f"{k}: {v}" for k, v in sorted(failures.items()))
