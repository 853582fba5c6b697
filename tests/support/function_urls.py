"""Functions with function URLs on a real server, set up as a user of AWS sets them up."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.server import RunningServer


def create_function(
    server: RunningServer,
    code: bytes,
    handler: str,
    runtime: str = "python3.11",
    *,
    timeout: int = 30,
    memory: int = 256,
) -> str:
    lam = server.client("lambda")
    name = f"url-{uuid.uuid4().hex[:10]}"
    role = f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"
    lam.create_function(FunctionName=name, Runtime=runtime, Handler=handler, Timeout=timeout,
                        MemorySize=memory, Role=role, Code={"ZipFile": code})  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def allow_public(server: RunningServer, name: str) -> None:
    """The two statements AWS's console adds for a URL whose AuthType is NONE."""
    lam = server.client("lambda")
    lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")  # fmt: skip
    lam.add_permission(FunctionName=name, StatementId="invoke", Action="lambda:InvokeFunction",
                       Principal="*", InvokedViaFunctionUrl=True)  # fmt: skip


def public_url(server: RunningServer, name: str, **config: Any) -> str:
    """A NONE URL for `name` (with `config`: Cors, InvokeMode), open to anyone."""
    url: str = server.client("lambda").create_function_url_config(
        FunctionName=name, AuthType="NONE", **config
    )["FunctionUrl"]
    allow_public(server, name)
    return url
