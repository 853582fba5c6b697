"""Data keys for objects under either kind of server-side encryption.

A data key is wrapped under the encryption context S3 uses for SSE-KMS, the object's ARN
(`{"aws:s3:arn": "arn:aws:s3:::bucket/key"}`), for SSE-S3 too: a wrapped key copied onto
another object's row does not open there.
"""

from __future__ import annotations

from collections.abc import Mapping

from stockade.store.object_errors import InvalidArgument
from stockade.store.object_ports import Encryption, KmsDataKeys, ObjectDataKeys, Sse


def object_context(bucket: str, key: str) -> dict[str, str]:
    return {"aws:s3:arn": f"arn:aws:s3:::{bucket}/{key}"}


class DataKeys:
    def __init__(self, platform: ObjectDataKeys, kms: KmsDataKeys | None) -> None:
        self._platform, self._kms = platform, kms

    def new(
        self, encryption: Encryption, context: Mapping[str, str]
    ) -> tuple[bytes, bytes, Encryption]:
        """(plaintext key, wrapped key, the encryption as stored: SSE-KMS names the key ARN)."""
        if encryption.sse is Sse.KMS:
            if self._kms is None or not encryption.kms_key_id:
                raise InvalidArgument("Server-side encryption with a KMS key is not available.")
            plain, wrapped, arn = self._kms.generate_data_key(encryption.kms_key_id, context)
            return plain, wrapped, Encryption(Sse.KMS, arn)
        plain, wrapped = self._platform.generate_data_key(context)
        return plain, wrapped, Encryption(Sse.S3)

    def open(self, encryption: Encryption, wrapped: bytes, context: Mapping[str, str]) -> bytes:
        if encryption.sse is Sse.KMS:
            if self._kms is None:
                raise InvalidArgument("Server-side encryption with a KMS key is not available.")
            return self._kms.decrypt_data_key(encryption.kms_key_id, wrapped, context)
        return self._platform.decrypt_data_key(wrapped, context)

    def __repr__(self) -> str:
        return f"DataKeys(platform={self._platform!r}, kms={self._kms!r})"
