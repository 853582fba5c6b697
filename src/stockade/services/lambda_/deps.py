"""The ports and settings every Lambda use case shares."""

from __future__ import annotations

from dataclasses import dataclass, field

from stockade.clock import Clock
from stockade.domain.function_snapshot import NetworkMode
from stockade.domain.function_url import UrlNaming
from stockade.domain.runtimes import RuntimeCatalog
from stockade.services.lambda_.code_urls import CodeUrlSigner
from stockade.services.lambda_.environment_keys import EnvironmentVariables
from stockade.services.lambda_.filter_encryption import FilterKeys
from stockade.services.lambda_.runtime_catalog import RuntimeVersionCatalog
from stockade.store.ports import ArtifactStore, Store
from stockade.types import Region


@dataclass(frozen=True)
class LambdaDeps:
    store: Store
    artifacts: ArtifactStore
    clock: Clock
    runtimes: RuntimeCatalog
    region: Region
    host_arch: str
    code_urls: CodeUrlSigner
    environments: EnvironmentVariables
    # How function environments reach the network, as configuration items record it.
    network: NetworkMode = NetworkMode.ISOLATED
    # Whether environments can join a VPC here (function networking is on, or the sandbox is
    # one that needs no network, as in-process tests' fakes); otherwise a VpcConfig is refused.
    vpc_supported: bool = True
    # The runtime versions kept in the data dir; None: none known (RuntimeVersionConfig unset).
    runtime_versions: RuntimeVersionCatalog | None = None
    # Where function URLs are served (the URL the API answers for one).
    url_naming: UrlNaming = field(default_factory=UrlNaming)
    # The key service for event source mappings' KMSKeyArn (None: a key cannot be set).
    filter_keys: FilterKeys | None = None
