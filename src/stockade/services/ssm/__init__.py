"""Parameter Store: the `ssm` API's parameter operations (see service.py)."""

from stockade.services.ssm.service import SsmService

__all__ = ["SsmService"]
