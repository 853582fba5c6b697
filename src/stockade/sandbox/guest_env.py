"""The guest's environment variables, built from the spec only (never from the host's).

Lambda's own variables win over same-named user variables for the ones Lambda reserves; the
user's variables (and the credentials the caller put in `spec.environment`) fill the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stockade.sandbox.spec import EnvironmentSpec, Runtime


@dataclass(frozen=True)
class GuestLayout:
    """Where things are as the guest sees them (fixed paths in a real sandbox)."""

    task_root: str = "/var/task"
    opt_root: str = "/opt"
    runtime_root: str = "/var/runtime"
    runtime_api: str = "127.0.0.1:9001"
    # Where SDKs in the guest reach Stockade's API (the only other place the guest can reach);
    # None when the backend offers no such channel.
    sdk_endpoint: str | None = "http://127.0.0.1:9000"
    sdk_ca_file: str | None = None  # the CA that signed the endpoint's certificate, if private


EXECUTION_ENV = {
    Runtime.PYTHON311: "AWS_Lambda_python3.11",
    Runtime.NODEJS20: "AWS_Lambda_nodejs20.x",
}


def _ld_library_path(layout: GuestLayout) -> str:
    return ":".join(
        (
            "/lib64",
            "/usr/lib64",
            layout.runtime_root,
            f"{layout.runtime_root}/lib",
            layout.task_root,
            f"{layout.task_root}/lib",
            f"{layout.opt_root}/lib",
        )
    )


def lambda_environment(
    spec: EnvironmentSpec, log_stream: str, layout: GuestLayout
) -> dict[str, str]:
    env: dict[str, str] = dict(spec.environment)
    lam = {
        "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_LAMBDA_RUNTIME_API": layout.runtime_api,
        "_HANDLER": spec.handler,
        "LAMBDA_TASK_ROOT": layout.task_root,
        "LAMBDA_RUNTIME_DIR": layout.runtime_root,
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": f"/usr/local/bin:/usr/bin/:/bin:{layout.opt_root}/bin",
        "LD_LIBRARY_PATH": _ld_library_path(layout),
    }
    if layout.sdk_endpoint is not None:
        lam["AWS_ENDPOINT_URL"] = layout.sdk_endpoint
    if layout.sdk_ca_file is not None:
        # The guest has no other network, so trusting only this CA costs nothing.
        lam["AWS_CA_BUNDLE"] = layout.sdk_ca_file  # botocore
        lam["NODE_EXTRA_CA_CERTS"] = layout.sdk_ca_file  # Node.js, read at its start
        lam["SSL_CERT_FILE"] = layout.sdk_ca_file  # OpenSSL's default: urllib and the like
    if spec.log_controls.is_json:
        # As Lambda sets them for JSON logging; the runtimes format and pre-filter by them
        # (the host filters again: see log_controls).
        lam["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        lam["AWS_LAMBDA_LOG_LEVEL"] = spec.log_controls.application_level.name
    if spec.runtime in EXECUTION_ENV:
        lam["AWS_EXECUTION_ENV"] = EXECUTION_ENV[spec.runtime]
    if spec.runtime is Runtime.PYTHON311:
        lam["PYTHONPATH"] = layout.runtime_root
    elif spec.runtime is Runtime.NODEJS20:
        lam["NODE_PATH"] = ":".join(
            (
                f"{layout.opt_root}/nodejs/node20/node_modules",
                f"{layout.opt_root}/nodejs/node_modules",
                f"{layout.runtime_root}/node_modules",
                layout.runtime_root,
                layout.task_root,
            )
        )
    env.update(lam)
    return env


def user_keys_overridden(spec_env: Mapping[str, str], final: Mapping[str, str]) -> list[str]:
    """Names (never values) of user variables replaced by Lambda's own; for diagnostics."""
    return sorted(k for k in spec_env if final.get(k) != spec_env[k])
