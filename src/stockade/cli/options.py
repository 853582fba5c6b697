"""Options shared by the commands that talk to a running server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from stockade.config import default_data_dir

F = TypeVar("F", bound=Callable[..., Any])


def data_dir_option(f: F) -> F:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=default_data_dir,
        show_default="$STOCKADE_DATA_DIR or ./.stockade",
        help="The server's data directory.",
    )(f)


def client_options(f: F) -> F:
    for option in reversed(
        (
            click.option(
                "--endpoint-url",
                envvar="AWS_ENDPOINT_URL",
                help="Server URL (default: $AWS_ENDPOINT_URL, else the data dir's endpoint.json).",
            ),
            click.option("--profile", envvar="AWS_PROFILE", help="Shared-credentials profile."),
            click.option("--region", help="Region (default: from the profile or endpoint.json)."),
            click.option(
                "--ca-bundle", envvar="AWS_CA_BUNDLE", help="CA bundle to verify TLS with."
            ),
            click.option("--json", "as_json", is_flag=True, help="Machine-readable output."),
        )
    ):
        f = option(f)
    return data_dir_option(f)
