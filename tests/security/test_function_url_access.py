"""Who may reach a function through its URL, decided by the kernel and nothing else.

A function URL is the only way in without a signature, so each of these is a way a careless
policy or a hostile caller could get in, and each must be refused:
- an AWS_IAM URL is never open to an unsigned caller, whatever its resource policy allows;
- a NONE URL is open only through statements that match its auth type;
- a changed auth type or a removed permission applies to the very next request;
- another account's signed caller needs the resource policy to name it;
- an unsigned caller reaches no operation but InvokeFunctionUrl, even with a request the kernel
  would otherwise serve.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.model import ServiceModel

from stockade.api.url_exchange import UrlExchange
from stockade.domain.identity import anonymous_principal
from stockade.kernel.exchange import EdgeFacts
from stockade.types import AccountId, RequestId
from tests.support.function_urls import allow_public, create_function
from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO, make_zip
from tests.support.server import REPO, RunningServer
from tests.support.url_client import request

HELLO = make_zip({"app.py": "def handler(event, context):\n    return {'ok': True}\n"})
OPEN_TO_ALL = ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction")


def url_for(server: RunningServer, name: str, auth_type: str) -> str:
    created: str = server.client("lambda").create_function_url_config(
        FunctionName=name, AuthType=auth_type
    )["FunctionUrl"]
    return created


def signed(server: RunningServer, url: str, credentials: tuple[str, str]) -> dict[str, str]:
    aws = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(*credentials), "lambda", server.region).add_auth(aws)
    return dict(aws.headers.items())


def test_an_aws_iam_url_refuses_unsigned_callers_even_when_its_policy_allows_everyone(
    server: RunningServer,
) -> None:
    name = create_function(server, HELLO, "app.handler")
    url = url_for(server, name, "AWS_IAM")
    lam = server.client("lambda")
    for number, action in enumerate(OPEN_TO_ALL):  # no condition at all: "*" may do both
        lam.add_permission(FunctionName=name, StatementId=f"all{number}", Action=action,
                           Principal="*")  # fmt: skip
    assert request(server, url).status == 403
    assert request(server, url, headers={"Authorization": "AWS4-HMAC-SHA256 garbage"}).status == (
        403
    )
    assert request(server, url, headers=signed(server, url, server.credentials())).status == 200


def test_a_statement_for_the_other_auth_type_does_not_open_a_none_url(
    server: RunningServer,
) -> None:
    name = create_function(server, HELLO, "app.handler")
    url = url_for(server, name, "NONE")
    lam = server.client("lambda")
    lam.add_permission(
        FunctionName=name,
        StatementId="iam-only",
        Principal="*",
        Action="lambda:InvokeFunctionUrl",
        FunctionUrlAuthType="AWS_IAM",
    )
    lam.add_permission(FunctionName=name, StatementId="invoke", Principal="*",
                       Action="lambda:InvokeFunction", InvokedViaFunctionUrl=True)  # fmt: skip
    assert request(server, url).status == 403


def test_removing_the_public_grant_closes_the_url_at_once(server: RunningServer) -> None:
    name = create_function(server, HELLO, "app.handler")
    url = url_for(server, name, "NONE")
    allow_public(server, name)
    assert request(server, url).status == 200
    server.client("lambda").remove_permission(FunctionName=name, StatementId="url")
    assert request(server, url).status == 403


def test_a_changed_auth_type_applies_to_the_next_request(server: RunningServer) -> None:
    name = create_function(server, HELLO, "app.handler")
    url = url_for(server, name, "NONE")
    allow_public(server, name)
    assert request(server, url).status == 200
    server.client("lambda").update_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    assert request(server, url).status == 403
    assert request(server, url, headers=signed(server, url, server.credentials())).status == 200


def test_another_accounts_caller_needs_the_policy_to_name_it(server: RunningServer) -> None:
    name = create_function(server, HELLO, "app.handler")
    url = url_for(server, name, "AWS_IAM")
    other = _other_account_credentials(server)
    assert request(server, url, headers=signed(server, url, other.credentials)).status == 403
    lam = server.client("lambda")
    for number, action in enumerate(OPEN_TO_ALL):
        lam.add_permission(FunctionName=name, StatementId=f"other{number}", Action=action,
                           Principal=other.account_id)  # fmt: skip
    # The resource policy names the account; its user still needs its own identity policy.
    assert request(server, url, headers=signed(server, url, other.credentials)).status == 403
    other.allow_everything()
    assert request(server, url, headers=signed(server, url, other.credentials)).status == 200


@dataclass(frozen=True)
class _OtherAccount:
    server: RunningServer
    account_id: str
    admin: tuple[str, str]
    user: str
    credentials: tuple[str, str]  # the user's

    def allow_everything(self) -> None:
        iam = self.server.client("iam", credentials=self.admin)
        iam.put_user_policy(UserName=self.user, PolicyName="urls", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}],
        }))  # fmt: skip


def _other_account_credentials(server: RunningServer) -> _OtherAccount:
    """A user (no policies yet) in a second account, made by the operator command."""
    made = subprocess.run(
        [sys.executable, "-m", "stockade", "accounts", "create", f"other-{uuid.uuid4().hex[:6]}",
         "--data-dir", str(server.data_dir), "--json"],
        capture_output=True, text=True, check=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    found = json.loads(made.stdout)
    admin = (found["AccessKeyId"], found["SecretAccessKey"])
    iam = server.client("iam", credentials=admin)
    user = f"caller-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    credentials = (key["AccessKeyId"], key["SecretAccessKey"])
    return _OtherAccount(server, found["account_id"], admin, user, credentials)


def test_an_unsigned_caller_reaches_no_other_operation(tmp_path: Path) -> None:
    """Even handed to the kernel with an operation it serves, the anonymous principal is
    refused before anything runs: only declarations that take unsigned callers accept one."""
    with InProcessServer(tmp_path / "data") as server:
        lam = server.client("lambda")
        lam.create_function(FunctionName="f", Runtime="python3.11", Handler="app.handler",
                            Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
                            Code={"ZipFile": PYTHON_ECHO})  # fmt: skip
        assert server.built is not None
        assert server.built.kernel is not None
        kernel = server.built.kernel
        model: ServiceModel = lam.meta.service_model
        facts = EdgeFacts(RequestId(str(uuid.uuid4())), "203.0.113.9", "hostile", True,
                          datetime.now(UTC), "https://x")  # fmt: skip
        exchange = UrlExchange(
            model.operation_model("DeleteFunction"),
            {"FunctionName": "f"},
            facts,
            principal=anonymous_principal(AccountId(server.account_id)),
        )
        answer = server.on_loop(lambda: kernel.handle(exchange))
        assert answer.status == 403
        assert lam.get_function(FunctionName="f")["Configuration"]["FunctionName"] == "f"
