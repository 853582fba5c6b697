"""SQLite repositories for accounts and IAM: users, keys, roles, groups, policies, sessions."""

from __future__ import annotations

from stockade.domain.account import AccessKey, Account, IamUser
from stockade.domain.iam import (
    IamGroup,
    IamRole,
    InlinePolicy,
    ManagedPolicy,
    OwnerKind,
    PolicyVersion,
    RoleSession,
)
from stockade.store.sqlite_docs import Docs
from stockade.types import AccessKeyId, AccountId


class Accounts(Docs):
    def get(self, account_id: AccountId) -> Account | None:
        return self.one(Account, "SELECT doc FROM accounts WHERE account_id=?", account_id)

    def all(self) -> list[Account]:
        return self.many(Account, "SELECT doc FROM accounts ORDER BY account_id")

    def put(self, account: Account) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO accounts VALUES (?, ?)",
            (account.account_id, self.codec.dumps(account)),
        )


class Users(Docs):
    def get(self, account_id: AccountId, name: str) -> IamUser | None:
        return self.one(
            IamUser, "SELECT doc FROM iam_users WHERE account_id=? AND name=?", account_id, name
        )

    def all_in(self, account_id: AccountId) -> list[IamUser]:
        return self.many(
            IamUser, "SELECT doc FROM iam_users WHERE account_id=? ORDER BY name", account_id
        )

    def put(self, user: IamUser) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO iam_users VALUES (?, ?, ?)",
            (user.account_id, user.name, self.codec.dumps(user)),
        )

    def delete(self, account_id: AccountId, name: str) -> None:
        self.conn.execute("DELETE FROM iam_users WHERE account_id=? AND name=?", (account_id, name))


class AccessKeys(Docs):
    def get(self, access_key_id: AccessKeyId) -> AccessKey | None:
        return self.one(
            AccessKey, "SELECT doc FROM access_keys WHERE access_key_id=?", access_key_id
        )

    def list_for_user(self, account_id: AccountId, user_name: str) -> list[AccessKey]:
        return self.many(
            AccessKey,
            "SELECT doc FROM access_keys WHERE account_id=? AND user_name=? ORDER BY access_key_id",
            account_id,
            user_name,
        )

    def put(self, key: AccessKey) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO access_keys VALUES (?, ?, ?, ?)",
            (key.access_key_id, key.account_id, key.user_name, self.codec.dumps(key)),
        )

    def delete(self, access_key_id: AccessKeyId) -> None:
        self.conn.execute("DELETE FROM access_keys WHERE access_key_id=?", (access_key_id,))


class Roles(Docs):
    def get(self, account_id: AccountId, name: str) -> IamRole | None:
        return self.one(
            IamRole, "SELECT doc FROM iam_roles WHERE account_id=? AND name=?", account_id, name
        )

    def all_in(self, account_id: AccountId) -> list[IamRole]:
        return self.many(
            IamRole, "SELECT doc FROM iam_roles WHERE account_id=? ORDER BY name", account_id
        )

    def put(self, role: IamRole) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO iam_roles VALUES (?, ?, ?)",
            (role.account_id, role.name, self.codec.dumps(role)),
        )

    def delete(self, account_id: AccountId, name: str) -> None:
        self.conn.execute("DELETE FROM iam_roles WHERE account_id=? AND name=?", (account_id, name))


class Groups(Docs):
    def get(self, account_id: AccountId, name: str) -> IamGroup | None:
        return self.one(
            IamGroup, "SELECT doc FROM iam_groups WHERE account_id=? AND name=?", account_id, name
        )

    def all_in(self, account_id: AccountId) -> list[IamGroup]:
        return self.many(
            IamGroup, "SELECT doc FROM iam_groups WHERE account_id=? ORDER BY name", account_id
        )

    def put(self, group: IamGroup) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO iam_groups VALUES (?, ?, ?)",
            (group.account_id, group.name, self.codec.dumps(group)),
        )

    def delete(self, account_id: AccountId, name: str) -> None:
        self.conn.execute(
            "DELETE FROM iam_groups WHERE account_id=? AND name=?", (account_id, name)
        )

    def add_member(self, account_id: AccountId, group: str, user: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO iam_group_members VALUES (?, ?, ?)", (account_id, group, user)
        )

    def remove_member(self, account_id: AccountId, group: str, user: str) -> None:
        self.conn.execute(
            "DELETE FROM iam_group_members WHERE account_id=? AND group_name=? AND user_name=?",
            (account_id, group, user),
        )

    def members(self, account_id: AccountId, group: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT user_name FROM iam_group_members WHERE account_id=? AND group_name=?"
            " ORDER BY user_name",
            (account_id, group),
        )
        return [str(r[0]) for r in rows]

    def groups_of(self, account_id: AccountId, user: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT group_name FROM iam_group_members WHERE account_id=? AND user_name=?"
            " ORDER BY group_name",
            (account_id, user),
        )
        return [str(r[0]) for r in rows]


class Policies(Docs):
    def get_inline(
        self, account_id: AccountId, kind: OwnerKind, owner: str, name: str
    ) -> InlinePolicy | None:
        return self.one(
            InlinePolicy,
            "SELECT doc FROM iam_inline_policies"
            " WHERE account_id=? AND owner_kind=? AND owner_name=? AND name=?",
            account_id,
            kind.value,
            owner,
            name,
        )

    def list_inline(self, account_id: AccountId, kind: OwnerKind, owner: str) -> list[InlinePolicy]:
        return self.many(
            InlinePolicy,
            "SELECT doc FROM iam_inline_policies WHERE account_id=? AND owner_kind=?"
            " AND owner_name=? ORDER BY name",
            account_id,
            kind.value,
            owner,
        )

    def put_inline(self, policy: InlinePolicy) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO iam_inline_policies VALUES (?, ?, ?, ?, ?)",
            (
                policy.account_id,
                policy.owner_kind.value,
                policy.owner_name,
                policy.name,
                self.codec.dumps(policy),
            ),
        )

    def delete_inline(self, account_id: AccountId, kind: OwnerKind, owner: str, name: str) -> None:
        self.conn.execute(
            "DELETE FROM iam_inline_policies"
            " WHERE account_id=? AND owner_kind=? AND owner_name=? AND name=?",
            (account_id, kind.value, owner, name),
        )

    def get_managed(self, arn: str) -> ManagedPolicy | None:
        return self.one(ManagedPolicy, "SELECT doc FROM iam_managed_policies WHERE arn=?", arn)

    def list_managed(self, account_id: AccountId) -> list[ManagedPolicy]:
        return self.many(
            ManagedPolicy,
            "SELECT doc FROM iam_managed_policies WHERE account_id=? ORDER BY arn",
            account_id,
        )

    def put_managed(self, policy: ManagedPolicy) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO iam_managed_policies VALUES (?, ?, ?)",
            (policy.arn, policy.account_id, self.codec.dumps(policy)),
        )

    def delete_managed(self, arn: str) -> None:
        self.conn.execute("DELETE FROM iam_policy_versions WHERE policy_arn=?", (arn,))
        self.conn.execute("DELETE FROM iam_managed_policies WHERE arn=?", (arn,))

    def get_version(self, arn: str, version_id: str) -> PolicyVersion | None:
        return self.one(
            PolicyVersion,
            "SELECT doc FROM iam_policy_versions WHERE policy_arn=? AND version_id=?",
            arn,
            version_id,
        )

    def list_versions(self, arn: str) -> list[PolicyVersion]:
        return self.many(
            PolicyVersion,
            "SELECT doc FROM iam_policy_versions WHERE policy_arn=?"
            " ORDER BY length(version_id), version_id",
            arn,
        )

    def put_version(self, version: PolicyVersion) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO iam_policy_versions VALUES (?, ?, ?)",
            (version.policy_arn, version.version_id, self.codec.dumps(version)),
        )

    def delete_version(self, arn: str, version_id: str) -> None:
        self.conn.execute(
            "DELETE FROM iam_policy_versions WHERE policy_arn=? AND version_id=?",
            (arn, version_id),
        )

    def attach(self, account_id: AccountId, kind: OwnerKind, owner: str, arn: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO iam_attachments VALUES (?, ?, ?, ?)",
            (account_id, kind.value, owner, arn),
        )

    def detach(self, account_id: AccountId, kind: OwnerKind, owner: str, arn: str) -> None:
        self.conn.execute(
            "DELETE FROM iam_attachments"
            " WHERE account_id=? AND owner_kind=? AND owner_name=? AND policy_arn=?",
            (account_id, kind.value, owner, arn),
        )

    def attached(self, account_id: AccountId, kind: OwnerKind, owner: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT policy_arn FROM iam_attachments"
            " WHERE account_id=? AND owner_kind=? AND owner_name=? ORDER BY policy_arn",
            (account_id, kind.value, owner),
        )
        return [str(r[0]) for r in rows]

    def attachment_count(self, arn: str) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM iam_attachments WHERE policy_arn=?", (arn,)
        ).fetchone()
        return int(row[0])


class Sessions(Docs):
    def get(self, access_key_id: AccessKeyId) -> RoleSession | None:
        return self.one(
            RoleSession, "SELECT doc FROM sts_sessions WHERE access_key_id=?", access_key_id
        )

    def put(self, session: RoleSession) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO sts_sessions VALUES (?, ?, ?, ?)",
            (
                session.access_key_id,
                session.account_id,
                session.expires.isoformat(),
                self.codec.dumps(session),
            ),
        )

    def delete_expired(self, before: str) -> int:
        cursor = self.conn.execute("DELETE FROM sts_sessions WHERE expires<?", (before,))
        return int(cursor.rowcount)
