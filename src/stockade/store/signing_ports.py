"""Persistence ports for code signing: Signer's profiles, versions and jobs, and Lambda's code
signing configs. Part of the same transactional store as functions and layers."""

from __future__ import annotations

from typing import Protocol

from stockade.domain.signing import (
    CodeSigningConfig,
    SigningJob,
    SigningProfile,
    SigningProfileVersion,
)
from stockade.types import AccountId


class SigningProfileRepository(Protocol):
    def get(self, account_id: AccountId, name: str) -> SigningProfile | None: ...
    def page(
        self, account_id: AccountId, after: str | None, limit: int
    ) -> list[SigningProfile]: ...
    def put(self, profile: SigningProfile) -> None: ...
    def get_version(self, arn: str) -> SigningProfileVersion | None: ...
    def put_version(self, version: SigningProfileVersion) -> None: ...


class SigningJobRepository(Protocol):
    def get(self, job_id: str) -> SigningJob | None: ...
    def page(self, account_id: AccountId, after: str | None, limit: int) -> list[SigningJob]: ...
    def put(self, job: SigningJob) -> None: ...


class CodeSigningConfigRepository(Protocol):
    def get(self, account_id: AccountId, config_id: str) -> CodeSigningConfig | None: ...
    def page(
        self, account_id: AccountId, after: str | None, limit: int
    ) -> list[CodeSigningConfig]: ...
    def put(self, config: CodeSigningConfig) -> None: ...
    def delete(self, account_id: AccountId, config_id: str) -> None: ...
    def functions_using(
        self, account_id: AccountId, arn: str, after: str | None, limit: int
    ) -> list[str]:
        """Names of the account's functions whose code signing config is `arn`, by name."""
        ...
