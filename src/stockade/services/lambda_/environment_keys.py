"""Environment variables encrypted under a key of the key service.

Every function's variables are encrypted (as one JSON document, at most Lambda's 4 KB) under
its `KMSKeyArn`, or the account's `aws/lambda` key when it names none, with the encryption
context {"aws:lambda:FunctionArn": <unqualified function ARN>}. Setting them needs the caller to
be allowed to encrypt with the key through Lambda; showing them needs decrypt. Environments get
them decrypted for the function's execution role, as Lambda does through its grant: an explicit
deny in the key policy, a disabled key or one pending deletion stops the function with Lambda's
KMS errors until the key is usable again (noticed within `FUNCTION_CACHE_S`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any, Protocol

from stockade.domain.function import EncryptedEnvironment, FunctionConfig
from stockade.domain.identity import Principal
from stockade.services.context import RequestContext
from stockade.services.lambda_.errors import KmsKeyError
from stockade.services.ttl_cache import TtlCache

CONTEXT_KEY = "aws:lambda:FunctionArn"
FUNCTION_CACHE_S = 1.0


class EnvironmentKeys(Protocol):
    """The key service, as Lambda uses it. Errors are Lambda's `KmsKeyError`s."""

    def encrypt(
        self, ctx: RequestContext, key_arn: str | None, function_arn: str, plaintext: bytes
    ) -> EncryptedEnvironment: ...

    def decrypt_for_caller(
        self, ctx: RequestContext, function_arn: str, environment: EncryptedEnvironment
    ) -> bytes: ...

    def decrypt_for_function(
        self, role: Principal, function_arn: str, environment: EncryptedEnvironment
    ) -> bytes: ...


class EnvironmentVariables:
    """Encrypts, shows and opens functions' variables through `EnvironmentKeys`."""

    def __init__(self, keys: EnvironmentKeys) -> None:
        self._keys = keys
        self._opened: TtlCache[Mapping[str, str] | KmsKeyError] = TtlCache(FUNCTION_CACHE_S)

    def seal(
        self,
        ctx: RequestContext,
        key_arn: str | None,
        function_arn: str,
        variables: Mapping[str, str],
    ) -> EncryptedEnvironment | None:
        if not variables and key_arn is None:
            return None  # (with a key named, encrypting nothing still proves it may be used)
        text = json.dumps(dict(variables), separators=(",", ":"), sort_keys=True).encode()
        return self._keys.encrypt(ctx, key_arn, function_arn, text)

    def current(
        self, ctx: RequestContext, function_arn: str, config: FunctionConfig
    ) -> dict[str, str]:
        """The variables, for a caller re-encrypting them (raises Lambda's KMS errors)."""
        if config.environment is None:
            return {}
        return _parse(self._keys.decrypt_for_caller(ctx, function_arn, config.environment))

    def describe(
        self, ctx: RequestContext, function_arn: str, config: FunctionConfig
    ) -> dict[str, Any] | None:
        """Lambda's EnvironmentResponse: the variables if the caller may decrypt them, else
        the error that stopped it (as GetFunctionConfiguration reports it)."""
        if config.environment is None:
            return None
        try:
            variables = self.current(ctx, function_arn, config)
        except KmsKeyError as error:
            return {"Error": {"ErrorCode": error.code, "Message": error.message}}
        return {"Variables": variables} if variables else None

    async def for_function(
        self, role: Principal, function_arn: str, config: FunctionConfig
    ) -> Mapping[str, str]:
        """The variables an environment of the function gets (raises Lambda's KMS errors)."""
        environment = config.environment
        if environment is None:
            return {}
        cache_key = (role.role_arn, function_arn, environment.ciphertext_b64)
        opened = self._opened.peek(cache_key)
        if opened is None:  # a miss reads keys and policies: off the loop
            opened = await asyncio.to_thread(
                self._opened.get_or_load,
                cache_key,
                lambda: self._open(role, function_arn, environment),
            )
        if isinstance(opened, KmsKeyError):
            raise opened
        return opened

    def _open(
        self, role: Principal, function_arn: str, environment: EncryptedEnvironment
    ) -> Mapping[str, str] | KmsKeyError:
        try:
            return _parse(self._keys.decrypt_for_function(role, function_arn, environment))
        except KmsKeyError as error:  # remembered briefly too: a disabled key is not hammered
            return error


def _parse(plaintext: bytes) -> dict[str, str]:
    found = json.loads(plaintext)
    return {str(k): str(v) for k, v in found.items()}
