// Kysely's migrator finds its bookkeeping tables by reading the columns of
// every schema in the database, and PostgreSQL fails that read with "schema
// ... does not exist" (3F000) when another client drops one of those schemas
// meanwhile: CI saw it once, a finished test's schema dropped while the next
// test's app migrated. A drop cannot be timed into the middle of one query,
// so the error is made for real another way (a repeatable-read snapshot still
// lists a schema another connection dropped, and has_schema_privilege() on it
// fails exactly so), then given to migrate()'s retry around a real migration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PG_URL } from '../helpers/backends.ts';
import { MIGRATION_NAMES, migrate, openDatabase, repeatedWhileOtherSchemasVanish } from '../../src/store/db.ts';

const skip = PG_URL ? false : 'TEST_DATABASE_URL is not set';

/** The error PostgreSQL raises when a catalogue read meets a schema dropped since it began (here: `gone`). */
async function vanishedSchemaError(): Promise<Error & { code?: string }> {
  const gone = `t_gone_${randomBytes(4).toString('hex')}`;
  const [reader, dropper] = [new pg.Client({ connectionString: PG_URL }), new pg.Client({ connectionString: PG_URL })];
  await Promise.all([reader.connect(), dropper.connect()]);
  try {
    await dropper.query(`create schema ${gone}`);
    await reader.query('begin isolation level repeatable read');
    await reader.query('select count(*) from pg_namespace'); // the snapshot: `gone` exists
    await dropper.query(`drop schema ${gone}`);
    try {
      await reader.query(`select nspname from pg_namespace where nspname like 't_gone_%' and has_schema_privilege(nspname, 'USAGE')`);
    } catch (e) {
      return e as Error & { code?: string };
    } finally {
      await reader.query('rollback');
    }
    throw new Error('the read did not fail');
  } finally {
    await dropper.query(`drop schema if exists ${gone}`);
    await Promise.all([reader.end(), dropper.end()]);
  }
}

test('PostgreSQL: a schema dropped by another client during the migrator read is read again; its own missing schema is not', { skip }, async () => {
  const vanished = await vanishedSchemaError();
  assert.equal(vanished.code, '3F000');
  assert.match(vanished.message, /^schema "t_gone_[0-9a-f]{8}" does not exist$/);

  const schema = `t_${randomBytes(6).toString('hex')}`;
  const database = await openDatabase({ databaseUrl: PG_URL!, pgSchema: schema });
  try {
    // Twice the vanished schema, then the real migration.
    let runs = 0;
    const applied = await repeatedWhileOtherSchemasVanish(schema, async () => {
      if (++runs <= 2) throw vanished;
      return migrate(database);
    });
    assert.equal(runs, 3);
    assert.deepEqual(applied, [...MIGRATION_NAMES]);

    // Every time: three runs, then the error.
    runs = 0;
    await assert.rejects(
      repeatedWhileOtherSchemasVanish(schema, async () => {
        runs++;
        throw vanished;
      }),
      vanished,
    );
    assert.equal(runs, 3);

    // Our own schema missing, or another error: thrown at once.
    for (const error of [Object.assign(new Error(`schema "${schema}" does not exist`), { code: '3F000' }), new Error('connection refused')]) {
      runs = 0;
      await assert.rejects(
        repeatedWhileOtherSchemasVanish(schema, async () => {
          runs++;
          throw error;
        }),
        error,
      );
      assert.equal(runs, 1, error.message);
    }
  } finally {
    await database.db.schema.dropSchema(schema).ifExists().cascade().execute();
    await database.close();
  }
});
