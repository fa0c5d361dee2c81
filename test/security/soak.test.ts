// Issue #8, load held: a 5-second run of scripts/soak.ts (the full one is
// `npx tsx scripts/soak.ts --seconds 60`): a real `authlink serve` child under
// mixed traffic, restarted with SIGTERM half-way on the same store. No 5xx or
// failed request outside the restart window, no lost write, flat memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backends, PG_URL } from '../helpers/backends.ts';
import { runSoak } from '../../scripts/soak.ts';

for (const backend of backends()) {
  test(`soak, 5 seconds with a restart [${backend}]`, async () => {
    const report = await runSoak({ seconds: 5, concurrency: 8, backend, databaseUrl: PG_URL });
    const summary = JSON.stringify({
      violations: report.violations,
      byStatus: report.byStatus,
      restart: report.restart,
      rss: report.rss,
      writes: report.writes,
    });
    assert.deepEqual(report.violations, [], summary);
    assert.ok(report.requests - report.restart.inWindow.requests > 200, `traffic outside the restart: ${summary}`);
    assert.ok(report.writes > 20, `writes: ${summary}`);
    assert.equal(report.restart.exitCode, 0, 'a graceful stop');
    assert.ok(report.rss.samples >= 10, `RSS sampled: ${summary}`);
    for (const kind of ['link', 'read', 'list', 'auth_config', 'proxy', 'legacy']) assert.ok((report.byKind[kind] ?? 0) > 0, `${kind} traffic`);
  });
}
if (!PG_URL) test('soak [postgres]', { skip: 'TEST_DATABASE_URL is not set: PostgreSQL half skipped (.ci/run sets it)' }, () => {});

test('authlink serve starts on a fresh PostgreSQL schema named only by search_path in DATABASE_URL, next to another authlink schema', {
  skip: PG_URL ? false : 'TEST_DATABASE_URL is not set',
}, async () => {
  const { randomBytes } = await import('node:crypto');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { openDatabase, migrate } = await import('../../src/store/db.ts');
  const { pgUrlWithSchema, startChild } = await import('../helpers/child.ts');
  const pg = (await import('pg')).default;
  const other = `mig_other_${randomBytes(4).toString('hex')}`;
  const fresh = `mig_fresh_${randomBytes(4).toString('hex')}`;
  const neighbour = await openDatabase({ databaseUrl: PG_URL!, pgSchema: other });
  await migrate(neighbour);
  await neighbour.close();
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema "${fresh}"`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-mig-'));
  try {
    const child = await startChild({
      DATABASE_URL: pgUrlWithSchema(PG_URL!, fresh),
      AUTHLINK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      AUTHLINK_DATA_DIR: dataDir,
    });
    await child.stop();
  } finally {
    await admin.query(`drop schema if exists "${fresh}" cascade`);
    await admin.query(`drop schema if exists "${other}" cascade`);
    await admin.end();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
