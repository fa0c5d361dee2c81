import type { Kysely } from 'kysely';

// The masked view of an account's credential, stored beside it so a read that
// only shows the mask (lists, GET without reveal) need not decrypt (issue #18).
// It holds exactly what the API shows of the credential (every secret masked:
// ******** and at most its last four characters) and the IV of the ciphertext
// it was made from: a row whose credential changed without its view falls back
// to decrypting. Existing rows start without one (null) and get one at their
// next credential write.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('connected_accounts').addColumn('credentials_view', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('connected_accounts').dropColumn('credentials_view').execute();
}
