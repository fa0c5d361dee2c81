// The one project and API-key auth config the micro-benchmarks seed their
// accounts into (bench/lib/seed.ts), on a migrated store of either kind.
import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/store/db.ts';
import { seedAccounts, type SeedResult, type SeedSpec } from '../lib/seed.ts';

export const MICRO_PROJECT = 'prj_micro';
export const MICRO_AUTH_CONFIG = 'ac_micro';

/** Inserts the micro project and its auth config, then seeds `n` accounts into them (`where`: the SQLite file or PostgreSQL URL). */
export async function seedMicroProject(database: Database, n: number, where: Pick<SeedSpec, 'sqliteFile' | 'pgUrl'>): Promise<SeedResult> {
  const now = new Date().toISOString();
  await database.db.insertInto('projects').values({ id: MICRO_PROJECT, name: 'micro', settings: '{}', created_at: now, updated_at: now }).execute();
  await database.db
    .insertInto('auth_configs')
    .values({
      id: MICRO_AUTH_CONFIG,
      project_id: MICRO_PROJECT,
      toolkit_slug: 'echoapi',
      name: 'micro',
      auth_scheme: 'API_KEY',
      is_composio_managed: 0,
      status: 'ENABLED',
      settings: '{}',
      secrets_enc: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    })
    .execute();
  return seedAccounts({
    n,
    projectId: MICRO_PROJECT,
    authConfigId: MICRO_AUTH_CONFIG,
    toolkitSlug: 'echoapi',
    encryptionKey: randomBytes(32).toString('base64'),
    ...where,
  });
}
