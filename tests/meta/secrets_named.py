"""What the access meta-test draws for Secrets Manager requests: mostly the secret it made (so
an administrator's request reaches the handler), sometimes a name that does not exist."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.support.inprocess import InProcessServer

SECRETS_MADE = {"secret": "kernel/secret"}
_NAME = st.from_regex(r"[A-Za-z0-9/_+=.@-]{1,40}", fullmatch=True)


def _either(existing: str, drawn: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.integers(0, 3).flatmap(lambda i: drawn if i == 0 else st.just(existing))


def make_secrets_resources(server: InProcessServer) -> None:
    server.client("secretsmanager").create_secret(
        Name=SECRETS_MADE["secret"], SecretString="kernel-value"
    )


def secrets_named(made: dict[str, str]) -> dict[str, Any]:
    secret = _either(made["secret"], _NAME)
    return {
        "SecretId": secret,
        "SecretIdList": st.lists(secret, min_size=1, max_size=3),
        "Name": _NAME,
        # Deleting the secret would leave nothing for the operations drawn after it.
        "ForceDeleteWithoutRecovery": st.just(False),
        "RecoveryWindowInDays": st.integers(7, 30),
    }
