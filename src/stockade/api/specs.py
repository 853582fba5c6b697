"""botocore's service models: the API contract Stockade implements."""

from __future__ import annotations

from functools import cache

import botocore.session
from botocore.model import OperationModel, ServiceModel


class ServiceSpecs:
    """Loads each service model once; cheap to share across the app."""

    def __init__(self) -> None:
        self._session = botocore.session.get_session()

    @cache  # noqa: B019 - one instance per process; the cache is the point
    def model(self, service: str) -> ServiceModel:
        return self._session.get_service_model(service)

    def operation(self, service: str, name: str) -> OperationModel:
        return self.model(service).operation_model(name)
