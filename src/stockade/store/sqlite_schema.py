"""The SQLite schema as an ordered list of migrations; `PRAGMA user_version` says how far we are.

Rows keep their key columns in the clear (for lookups and ordering) and the rest of the record as
a JSON document written by `store.codec`.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: accounts, identities and the Lambda control plane
    """
    CREATE TABLE accounts (
        account_id TEXT PRIMARY KEY,
        doc TEXT NOT NULL
    );
    CREATE TABLE iam_users (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, name)
    );
    CREATE TABLE access_keys (
        access_key_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        user_name TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX access_keys_by_user ON access_keys (account_id, user_name);
    CREATE TABLE functions (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, name)
    );
    CREATE TABLE function_versions (
        account_id TEXT NOT NULL,
        function_name TEXT NOT NULL,
        version TEXT NOT NULL,
        version_order INTEGER NOT NULL,  -- 0 for $LATEST, else the version number
        code_sha256 TEXT NOT NULL,
        code_size INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, function_name, version)
    );
    CREATE UNIQUE INDEX function_versions_order
        ON function_versions (account_id, function_name, version_order);
    CREATE TABLE aliases (
        account_id TEXT NOT NULL,
        function_name TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, function_name, name)
    );
    CREATE TABLE layers (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, name)
    );
    CREATE TABLE layer_versions (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        code_sha256 TEXT NOT NULL,
        code_size INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, name, version)
    );
    """,
)
