"""Find a Stockade server and credentials the way the AWS tools do, and build boto3 clients.

Order: explicit options and the AWS environment variables first; otherwise the data dir's
endpoint.json, which names the URL, region, credentials file and profile of a local server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import click
from botocore.config import Config

from stockade.config import DEFAULT_REGION
from stockade.datadir import read_endpoint


@dataclass(frozen=True)
class ClientSettings:
    endpoint_url: str
    region: str
    profile: str | None
    credentials_file: str | None
    ca_bundle: str | None


def resolve(
    data_dir: Path,
    endpoint_url: str | None,
    profile: str | None,
    region: str | None,
    ca_bundle: str | None,
) -> ClientSettings:
    endpoint = read_endpoint(data_dir) or {}
    url = endpoint_url or endpoint.get("url")
    if not url:
        raise click.ClickException(
            f"no Stockade server found: pass --endpoint-url, set AWS_ENDPOINT_URL, or point"
            f" --data-dir at a server's data directory (no endpoint.json in {data_dir})"
        )
    using_local = endpoint_url is None and bool(endpoint)
    env_keys = "AWS_ACCESS_KEY_ID" in os.environ
    credentials_file = None
    if using_local and profile is None and not env_keys:
        profile = endpoint.get("profile")
        credentials_file = endpoint.get("credentials_file")
    region = (
        region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or endpoint.get("region")
        or DEFAULT_REGION
    )
    if using_local and endpoint.get("ca_bundle"):
        # The data dir's server is signed by its own CA: trust that, whatever AWS_CA_BUNDLE
        # says for the rest of the world.
        ca_bundle = endpoint["ca_bundle"]
    return ClientSettings(url, region, profile, credentials_file, ca_bundle)


def client(settings: ClientSettings, service: str) -> Any:
    core = botocore.session.Session()
    if settings.credentials_file:
        core.set_config_variable("credentials_file", settings.credentials_file)
    session = boto3.Session(botocore_session=core, profile_name=settings.profile)
    verify: bool | str = settings.ca_bundle if settings.ca_bundle else True
    if settings.endpoint_url.startswith("http://"):
        verify = False
    return session.client(
        service,
        endpoint_url=settings.endpoint_url,
        region_name=settings.region,
        verify=verify,
        config=Config(retries={"max_attempts": 2, "mode": "standard"}),
    )
