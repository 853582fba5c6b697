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
    # 2: IAM roles, groups, policies and attachments; STS role sessions
    """
    CREATE TABLE iam_roles (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, name)
    );
    CREATE TABLE iam_groups (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, name)
    );
    CREATE TABLE iam_group_members (
        account_id TEXT NOT NULL,
        group_name TEXT NOT NULL,
        user_name TEXT NOT NULL,
        PRIMARY KEY (account_id, group_name, user_name)
    );
    CREATE INDEX iam_group_members_by_user ON iam_group_members (account_id, user_name);
    CREATE TABLE iam_inline_policies (
        account_id TEXT NOT NULL,
        owner_kind TEXT NOT NULL,
        owner_name TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, owner_kind, owner_name, name)
    );
    CREATE TABLE iam_managed_policies (
        arn TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX iam_managed_policies_by_account ON iam_managed_policies (account_id);
    CREATE TABLE iam_policy_versions (
        policy_arn TEXT NOT NULL,
        version_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (policy_arn, version_id)
    );
    CREATE TABLE iam_attachments (
        account_id TEXT NOT NULL,
        owner_kind TEXT NOT NULL,
        owner_name TEXT NOT NULL,
        policy_arn TEXT NOT NULL,
        PRIMARY KEY (account_id, owner_kind, owner_name, policy_arn)
    );
    CREATE INDEX iam_attachments_by_policy ON iam_attachments (policy_arn);
    CREATE TABLE sts_sessions (
        access_key_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        expires TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX sts_sessions_by_expiry ON sts_sessions (expires);
    -- Administrators created before policies existed keep the access they had.
    INSERT INTO iam_attachments
        SELECT account_id, 'user', name, 'arn:aws:iam::aws:policy/AdministratorAccess'
        FROM iam_users WHERE name = 'stockade-admin';
    """,
    # 3: resource-based policies of functions (per qualifier; '' is the function itself) and
    # of layer versions. Triggers delete a policy with its resource, in the same transaction;
    # `INSERT OR REPLACE` of a resource does not fire them (recursive_triggers stays off).
    """
    CREATE TABLE function_policies (
        account_id TEXT NOT NULL,
        function_name TEXT NOT NULL,
        qualifier TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, function_name, qualifier)
    );
    CREATE TABLE layer_version_policies (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, name, version)
    );
    CREATE TRIGGER function_policies_die_with_function AFTER DELETE ON functions BEGIN
        DELETE FROM function_policies
            WHERE account_id = OLD.account_id AND function_name = OLD.name;
    END;
    CREATE TRIGGER function_policies_die_with_version AFTER DELETE ON function_versions BEGIN
        DELETE FROM function_policies
            WHERE account_id = OLD.account_id AND function_name = OLD.function_name
            AND qualifier = OLD.version;
    END;
    CREATE TRIGGER function_policies_die_with_alias AFTER DELETE ON aliases BEGIN
        DELETE FROM function_policies
            WHERE account_id = OLD.account_id AND function_name = OLD.function_name
            AND qualifier = OLD.name;
    END;
    CREATE TRIGGER layer_version_policies_die_with_version AFTER DELETE ON layer_versions BEGIN
        DELETE FROM layer_version_policies
            WHERE account_id = OLD.account_id AND name = OLD.name AND version = OLD.version;
    END;
    """,
    # 4: code signing: Signer's profiles, profile versions (each with its own wrapped key) and
    # signing jobs; Lambda's code signing configs (a function names its config in its doc).
    """
    CREATE TABLE signing_profiles (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, name)
    );
    CREATE TABLE signing_profile_versions (
        arn TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        profile_name TEXT NOT NULL,
        version TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE TABLE signing_jobs (
        job_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX signing_jobs_by_account ON signing_jobs (account_id, job_id);
    CREATE TABLE code_signing_configs (
        account_id TEXT NOT NULL,
        config_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, config_id)
    );
    """,
    # 5: configuration history and compliance: an item per change of a function (written in
    # the change's transaction), enabled rules and webhooks per account, each function's
    # current result per rule, and every change of a result with its webhook delivery.
    """
    CREATE TABLE configuration_items (
        account_id TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        state_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, resource_id, state_id)
    );
    CREATE TABLE compliance_rules (
        account_id TEXT NOT NULL,
        rule TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, rule)
    );
    CREATE TABLE compliance_webhooks (
        account_id TEXT PRIMARY KEY,
        doc TEXT NOT NULL
    );
    CREATE TABLE compliance_states (
        account_id TEXT NOT NULL,
        function_name TEXT NOT NULL,
        rule TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, function_name, rule)
    );
    CREATE TABLE compliance_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        change_id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL,
        delivery TEXT NOT NULL,
        due TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX compliance_changes_by_account ON compliance_changes (account_id, seq);
    CREATE INDEX compliance_changes_due ON compliance_changes (delivery, due);
    """,
    # 6: the EC2-compatible network: VPCs, their subnets and security groups (rules inside
    # their group's doc), per account.
    """
    CREATE TABLE ec2_vpcs (
        account_id TEXT NOT NULL,
        vpc_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, vpc_id)
    );
    CREATE TABLE ec2_subnets (
        account_id TEXT NOT NULL,
        subnet_id TEXT NOT NULL,
        vpc_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, subnet_id)
    );
    CREATE TABLE ec2_security_groups (
        account_id TEXT NOT NULL,
        group_id TEXT NOT NULL,
        vpc_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, group_id)
    );
    """,
    # 7: internet gateways of the EC2-compatible network (vpc_id empty while detached).
    """
    CREATE TABLE ec2_internet_gateways (
        account_id TEXT NOT NULL,
        gateway_id TEXT NOT NULL,
        vpc_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, gateway_id)
    );
    """,
    # 8: route tables of the EC2-compatible network (routes and associations in the doc).
    """
    CREATE TABLE ec2_route_tables (
        account_id TEXT NOT NULL,
        route_table_id TEXT NOT NULL,
        vpc_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, route_table_id)
    );
    """,
    # 9: flow logs of the EC2-compatible network (one row per flow log, found by the VPC,
    # subnet or interface it captures); configuration items get their resource type (AWS
    # Config's), so that VPCs, subnets and security groups have histories of their own.
    """
    CREATE TABLE ec2_flow_logs (
        account_id TEXT NOT NULL,
        flow_log_id TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, flow_log_id)
    );
    CREATE INDEX ec2_flow_logs_by_resource ON ec2_flow_logs (account_id, resource_id);
    CREATE TABLE configuration_items_typed (
        account_id TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        state_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, resource_type, resource_id, state_id)
    );
    INSERT INTO configuration_items_typed
        SELECT account_id, 'AWS::Lambda::Function', resource_id, state_id, status, doc
        FROM configuration_items;
    DROP TABLE configuration_items;
    ALTER TABLE configuration_items_typed RENAME TO configuration_items;
    """,
    # 10: how VPCs reach out: Elastic IPs, NAT gateways (deleted ones kept a while, listed as
    # AWS lists them) and interface VPC endpoints (their interfaces in the doc).
    """
    CREATE TABLE ec2_addresses (
        account_id TEXT NOT NULL,
        allocation_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, allocation_id)
    );
    CREATE TABLE ec2_nat_gateways (
        account_id TEXT NOT NULL,
        nat_gateway_id TEXT NOT NULL,
        vpc_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, nat_gateway_id)
    );
    CREATE TABLE ec2_vpc_endpoints (
        account_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL,
        vpc_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, endpoint_id)
    );
    """,
    # 11: function URLs found by their id (the URL listener's lookup); the configurations
    # themselves stay in the function's doc, this is its index (rebuilt by every put).
    """
    CREATE TABLE function_urls (
        url_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        function_name TEXT NOT NULL,
        qualifier TEXT NOT NULL
    );
    CREATE INDEX function_urls_by_function ON function_urls (account_id, function_name);
    INSERT INTO function_urls
        SELECT json_extract(config.value, '$.url_id'), functions.account_id, functions.name,
               config.key
        FROM functions, json_each(functions.doc, '$.url_configs') AS config
        WHERE json_valid(functions.doc);
    CREATE TRIGGER function_urls_die_with_function AFTER DELETE ON functions BEGIN
        DELETE FROM function_urls
        WHERE account_id = OLD.account_id AND function_name = OLD.name;
    END;
    """,
    # 12: event source mappings (queues that invoke functions), by UUID.
    """
    CREATE TABLE event_source_mappings (
        uuid TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        function_arn TEXT NOT NULL,
        event_source_arn TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX event_source_mappings_by_account ON event_source_mappings (account_id, uuid);
    """,
    # 13: EventBridge's buses and rules (targets in their rule's doc); the default bus is
    # stored only once a policy or tags are set on it.
    """
    CREATE TABLE events_buses (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, name)
    );
    CREATE TABLE events_rules (
        account_id TEXT NOT NULL,
        bus TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, bus, name)
    );
    """,
    # 14: function state events waiting for the default bus (an outbox, written with the
    # change they report; AUTOINCREMENT so positions never repeat after a prune).
    """
    CREATE TABLE function_state_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        doc TEXT NOT NULL
    );
    """,
    # 15: Parameter Store's parameters (versions, labels and tags in their doc).
    """
    CREATE TABLE ssm_parameters (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, name)
    );
    """,
    # 16: Secrets Manager's secrets (versions in their secret's doc; values only as
    # ciphertext), found by name or ARN; the deletion date drives the recovery-window sweep.
    """
    CREATE TABLE secrets (
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        arn TEXT NOT NULL UNIQUE,
        deletion_date TEXT,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, name)
    );
    CREATE INDEX secrets_by_deletion ON secrets (deletion_date) WHERE deletion_date IS NOT NULL;
    """,
    # 17: when each secret's next rotation is due (the rotation runner's index).
    """
    ALTER TABLE secrets ADD COLUMN rotation_due TEXT;
    CREATE INDEX secrets_by_rotation ON secrets (rotation_due) WHERE rotation_due IS NOT NULL;
    """,
)
