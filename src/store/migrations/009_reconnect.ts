import type { Kysely } from 'kysely';

// Issue #15: reconnecting an existing account, and who it belongs to at the
// provider. Same style as 001: text and 0/1 integer columns, one migration
// for SQLite and PostgreSQL.
export async function up(db: Kysely<any>): Promise<void> {
  // A link that reconnects its (existing) account instead of completing a new one.
  await db.schema
    .alterTable('link_sessions')
    .addColumn('reconnect', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // The provider's identifier of the account's owner (id_token `sub`, or the
  // toolkit's userinfo field), when the toolkit can tell it: a reconnect as
  // someone else is refused unless the auth config allows it.
  await db.schema.alterTable('connected_accounts').addColumn('provider_subject', 'text').execute();
  await db.schema
    .alterTable('auth_configs')
    .addColumn('allow_reconnect_as_other_identity', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // A reconnect waiting for the app's complete_auth: the new credential and
  // fields, encrypted, applied only when the app confirms its user.
  await db.schema.alterTable('callback_verifications').addColumn('pending_enc', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('callback_verifications').dropColumn('pending_enc').execute();
  await db.schema.alterTable('auth_configs').dropColumn('allow_reconnect_as_other_identity').execute();
  await db.schema.alterTable('connected_accounts').dropColumn('provider_subject').execute();
  await db.schema.alterTable('link_sessions').dropColumn('reconnect').execute();
}
