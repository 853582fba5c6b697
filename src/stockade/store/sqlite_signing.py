"""The SQLite adapter of the code-signing ports (tables of migration 4)."""

from __future__ import annotations

from stockade.domain.signing import (
    CodeSigningConfig,
    SigningJob,
    SigningProfile,
    SigningProfileVersion,
)
from stockade.store.sqlite_docs import Docs
from stockade.types import AccountId


class SigningProfiles(Docs):
    def get(self, account_id: AccountId, name: str) -> SigningProfile | None:
        return self.one(
            SigningProfile,
            "SELECT doc FROM signing_profiles WHERE account_id=? AND name=?",
            account_id,
            name,
        )

    def page(self, account_id: AccountId, after: str | None, limit: int) -> list[SigningProfile]:
        return self.many(
            SigningProfile,
            "SELECT doc FROM signing_profiles WHERE account_id=? AND name>? ORDER BY name LIMIT ?",
            account_id,
            after or "",
            limit,
        )

    def put(self, profile: SigningProfile) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO signing_profiles VALUES (?, ?, ?)",
            (profile.account_id, profile.name, self.codec.dumps(profile)),
        )

    def get_version(self, arn: str) -> SigningProfileVersion | None:
        return self.one(
            SigningProfileVersion, "SELECT doc FROM signing_profile_versions WHERE arn=?", arn
        )

    def put_version(self, version: SigningProfileVersion) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO signing_profile_versions VALUES (?, ?, ?, ?, ?)",
            (
                version.arn,
                version.account_id,
                version.profile_name,
                version.version,
                self.codec.dumps(version),
            ),
        )


class SigningJobs(Docs):
    def get(self, job_id: str) -> SigningJob | None:
        return self.one(SigningJob, "SELECT doc FROM signing_jobs WHERE job_id=?", job_id)

    def page(self, account_id: AccountId, after: str | None, limit: int) -> list[SigningJob]:
        return self.many(
            SigningJob,
            "SELECT doc FROM signing_jobs WHERE account_id=? AND job_id>? ORDER BY job_id LIMIT ?",
            account_id,
            after or "",
            limit,
        )

    def put(self, job: SigningJob) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO signing_jobs VALUES (?, ?, ?)",
            (job.job_id, job.account_id, self.codec.dumps(job)),
        )


class CodeSigningConfigs(Docs):
    def get(self, account_id: AccountId, config_id: str) -> CodeSigningConfig | None:
        return self.one(
            CodeSigningConfig,
            "SELECT doc FROM code_signing_configs WHERE account_id=? AND config_id=?",
            account_id,
            config_id,
        )

    def page(self, account_id: AccountId, after: str | None, limit: int) -> list[CodeSigningConfig]:
        return self.many(
            CodeSigningConfig,
            "SELECT doc FROM code_signing_configs WHERE account_id=? AND"
            " config_id>? ORDER BY config_id LIMIT ?",
            account_id,
            after or "",
            limit,
        )

    def put(self, config: CodeSigningConfig) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO code_signing_configs VALUES (?, ?, ?)",
            (config.account_id, config.config_id, self.codec.dumps(config)),
        )

    def delete(self, account_id: AccountId, config_id: str) -> None:
        self.conn.execute(
            "DELETE FROM code_signing_configs WHERE account_id=? AND config_id=?",
            (account_id, config_id),
        )

    def functions_using(
        self, account_id: AccountId, arn: str, after: str | None, limit: int
    ) -> list[str]:
        rows = self.conn.execute(
            "SELECT name FROM functions WHERE account_id=? AND name>?"
            " AND json_extract(doc, '$.code_signing_config_arn')=? ORDER BY name LIMIT ?",
            (account_id, after or "", arn, limit),
        ).fetchall()
        return [str(row[0]) for row in rows]
