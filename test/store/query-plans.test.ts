// Issue #18: the hot reads are index searches whatever the project's size. The
// statements are the store's own (captured through Kysely's log on the real
// SQLite file) and SQLite's planner says how it runs each: a tool call's
// account lookup (the user's accounts or the pinned ones) once scanned the
// project's whole index.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { createStore } from '../../src/store/store.ts';
import type { DB } from '../../src/store/schema.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp('sqlite');
});
after(() => t.close());

/** The statements a store call sends, and SQLite's plan for each. */
async function plans(call: (store: ReturnType<typeof createStore>) => Promise<unknown>): Promise<string[][]> {
  const file = t.runtime.database.describe;
  const sent: CompiledQuery[] = [];
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: new SQLite(file) }), log: (e) => void sent.push(e.query) });
  try {
    await call(createStore(db, 'sqlite'));
  } finally {
    await db.destroy();
  }
  const raw = new SQLite(file, { readonly: true });
  try {
    return sent.map((q) =>
      raw
        .prepare(`explain query plan ${q.sql}`)
        .all(...(q.parameters as unknown[]))
        .map((r) => (r as { detail: string }).detail),
    );
  } finally {
    raw.close();
  }
}

const searches = (plan: string[]) => plan.filter((d) => /^(SEARCH|SCAN) connected_accounts/.test(d));

test("a session's candidate accounts: the user's by (project, user), the pinned by primary key, never the project's index alone", async () => {
  for (const [toolkits, pinned] of [
    [undefined, ['ca_pinned000001']],
    [['github'], ['ca_pinned000001', 'ca_pinned000002']],
    [[], ['ca_pinned000001']],
    [['github'], []],
  ] as Array<[string[] | undefined, string[]]>) {
    const [plan] = await plans((s) => s.sessions.candidateAccounts(t.projectId, 'user-1', pinned, toolkits));
    const lines = searches(plan);
    assert.ok(lines.length > 0, `a plan: ${JSON.stringify(plan)}`);
    for (const line of lines)
      assert.match(line, /^SEARCH connected_accounts USING .*\((?:project_id=\? AND user_id=\?.*|id=\?)\)$/, `toolkits ${toolkits}, pinned ${pinned}: ${line}`);
  }
});

test('the account read and a user list page search their indexes', async () => {
  const [read] = await plans((s) => s.accounts.get(t.projectId, 'ca_whatever0001'));
  assert.deepEqual(searches(read), ['SEARCH connected_accounts USING INDEX sqlite_autoindex_connected_accounts_1 (id=?)']);
  const [page, count] = await plans((s) =>
    s.accounts.list({ projectId: t.projectId, userIds: ['user-1'], accountTypes: ['PRIVATE'], orderBy: 'created_at', direction: 'desc', limit: 20 }),
  );
  assert.match(searches(page).join('\n'), /^SEARCH connected_accounts USING INDEX connected_accounts_user_page \(project_id=\? AND user_id=\?\)$/);
  assert.match(searches(count).join('\n'), /^SEARCH connected_accounts USING COVERING INDEX connected_accounts_user_count \(project_id=\? AND user_id=\?/);
});
