import type { Kysely } from 'kysely';

// proxy_config of an auth config: calls made with its accounts leave through
// this HTTP(S) proxy. The key is a secret (encrypted like the config's other
// secrets, ENCRYPTED_FIELDS.authConfigProxyKey).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('auth_configs').addColumn('proxy_url', 'text').execute();
  await db.schema.alterTable('auth_configs').addColumn('proxy_auth_key_enc', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('auth_configs').dropColumn('proxy_auth_key_enc').execute();
  await db.schema.alterTable('auth_configs').dropColumn('proxy_url').execute();
}
