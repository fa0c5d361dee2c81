import { sql, type Kysely } from 'kysely';

// Written with Kysely's schema builder and types both backends understand, so
// one migration serves SQLite and PostgreSQL.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('projects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_keys_project').on('api_keys').columns(['project_id', 'created_at']).execute();

  await db.schema
    .createTable('auth_configs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('toolkit_slug', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('auth_scheme', 'text', (c) => c.notNull())
    .addColumn('is_composio_managed', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('secrets_enc', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();
  await db.schema.createIndex('auth_configs_project_page').on('auth_configs').columns(['project_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('connected_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('auth_config_id', 'text', (c) => c.notNull().references('auth_configs.id'))
    .addColumn('toolkit_slug', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('alias', 'text')
    .addColumn('word_id', 'text', (c) => c.notNull())
    .addColumn('account_type', 'text', (c) => c.notNull())
    .addColumn('acl', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('is_disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('credentials_enc', 'text')
    .addColumn('requested_scopes', 'text')
    .addColumn('granted_scopes', 'text')
    .addColumn('token_expires_at', 'text')
    // Refresh lease (single flight across processes) and retry backoff.
    .addColumn('refresh_lock_owner', 'text')
    .addColumn('refresh_lock_until', 'text')
    .addColumn('refresh_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_refresh_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();
  // Alias uniqueness among live accounts is enforced by the database, so two
  // concurrent requests cannot both win. Failed, expired and revoked accounts
  // free their alias so the user can connect again under the same name.
  await db.schema
    .createIndex('connected_accounts_alias_live')
    .on('connected_accounts')
    .columns(['project_id', 'user_id', 'toolkit_slug', 'alias'])
    .unique()
    .where(sql<boolean>`deleted_at is null and status in ('INITIALIZING', 'INITIATED', 'ACTIVE', 'INACTIVE')`)
    .execute();
  // Keyset pagination: (project, created_at, id) and per-user listing.
  await db.schema.createIndex('connected_accounts_project_page').on('connected_accounts').columns(['project_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('connected_accounts_user_page').on('connected_accounts').columns(['project_id', 'user_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('connected_accounts_status_expiry').on('connected_accounts').columns(['status', 'token_expires_at']).execute();

  await db.schema
    .createTable('link_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('connected_account_id', 'text', (c) => c.notNull().references('connected_accounts.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('callback_url', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('browser_hash', 'text')
    .addColumn('csrf_token', 'text')
    .addColumn('oauth_state_hash', 'text', (c) => c.unique())
    .addColumn('pkce_verifier_enc', 'text')
    .addColumn('opened_at', 'text')
    .addColumn('consumed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('link_sessions_account').on('link_sessions').column('connected_account_id').execute();
  await db.schema.createIndex('link_sessions_open_expiry').on('link_sessions').columns(['consumed_at', 'expires_at']).execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('api_key_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_project').on('audit_log').columns(['project_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['audit_log', 'link_sessions', 'connected_accounts', 'auth_configs', 'api_keys', 'projects']) {
    await db.schema.dropTable(t).execute();
  }
}
