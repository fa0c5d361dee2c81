import type { Kysely } from 'kysely';

// An OAuth 1.0a authorization in progress: the temporary credentials (token
// and secret, RFC 5849 2.1) the provider issued for this link, encrypted
// (ENCRYPTED_FIELDS.oauth1Temporary); the callback must bring the same token
// back, and the secret signs the token credentials request.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('link_sessions').addColumn('oauth1_temporary_enc', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('link_sessions').dropColumn('oauth1_temporary_enc').execute();
}
