// Keyset paging of the store's lists on both backends: every row exactly once
// and in order, also across runs of equal created_at; the listing's total
// counted once (first page) and carried in the cursor; old and broken cursors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { QueryRecorder } from '../helpers/query-recorder.ts';
import { accountRow, authConfigRow } from '../helpers/account-row.ts';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import type { AccountQuery, AccountRow } from '../../src/store/accounts.ts';
import { createStore } from '../../src/store/store.ts';
import { CursorError, decodeCursor, encodeCursor } from '../../src/store/cursor.ts';

function row(projectId: string, authConfigId: string, id: string, createdAt: string, over: Partial<AccountRow> = {}): AccountRow {
  return accountRow(projectId, authConfigId, { id, user_id: 'pager', created_at: createdAt, updated_at: createdAt, ...over });
}

/** Byte order, as both databases compare these ids (lowercase letters and digits, one length). */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

forEachBackend('store list paging', (backend) => {
  let t: TestApp;
  let projectId: string;
  const acId = 'ac_paging00001';
  const recorder = new QueryRecorder();
  let store: ReturnType<typeof createStore>;
  // 23 accounts of one user; created_at in runs of 4 equal values, so pages end inside a run.
  const N = 23;
  const rows: AccountRow[] = [];
  const others: AccountRow[] = [];

  before(async () => {
    t = await startTestApp(backend);
    projectId = t.projectId;
    store = createStore(t.runtime.database.db.withPlugin(recorder), t.runtime.database.dialect);
    const ts = '2026-01-01T00:00:00.000Z';
    await store.authConfigs.insert(authConfigRow(projectId, { id: acId, toolkit_slug: 'github', name: 'gh', auth_scheme: 'OAUTH2', created_at: ts }));
    const base = Date.parse(ts);
    // Ids not in created_at order, so the tie-break on id is really exercised.
    for (let i = 0; i < N; i++)
      rows.push(row(projectId, acId, `ca_pg${String((i * 7) % N).padStart(4, '0')}x`, new Date(base + Math.floor(i / 4) * 1000).toISOString()));
    for (const r of rows) await store.accounts.insert(r);
    // Rows the filters exclude: another user's, a deleted one, a SHARED one.
    others.push(
      row(projectId, acId, 'ca_pgother0001', rows[5].created_at, { user_id: 'someone-else' }),
      row(projectId, acId, 'ca_pgdeleted001', rows[5].created_at, { deleted_at: ts }),
      row(projectId, acId, 'ca_pgshared0001', rows[5].created_at, { account_type: 'SHARED' }),
    );
    for (const r of others) await store.accounts.insert(r);
  });
  after(() => t.close());

  const query = (over: Partial<AccountQuery> = {}): AccountQuery => ({
    projectId,
    userIds: ['pager'],
    accountTypes: ['PRIVATE'],
    orderBy: 'created_at',
    direction: 'desc',
    limit: 5,
    ...over,
  });
  const expected = (direction: 'asc' | 'desc') => {
    const s = [...rows].sort((a, b) => cmp(a.created_at, b.created_at) || cmp(a.id, b.id)).map((r) => r.id);
    return direction === 'asc' ? s : s.reverse();
  };

  for (const direction of ['desc', 'asc'] as const) {
    test(`pages return every row exactly once, in (created_at, id) ${direction} order; the total is counted on the first page only`, async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let page = 0;
      do {
        recorder.reset();
        const p = await store.accounts.list(query({ direction, cursor }));
        assert.equal(p.total, N, `page ${page + 1}: the first page's total`);
        if (page === 0) {
          assert.equal(recorder.counts(), 1, 'the first page counts');
          assert.equal(recorder.nodes.length, 2);
        } else {
          assert.equal(recorder.counts(), 0, `page ${page + 1}: no count(*)`);
          assert.equal(recorder.nodes.length, 1, `page ${page + 1}: one query, the page`);
        }
        seen.push(...p.items.map((r) => r.id));
        cursor = p.nextCursor ?? undefined;
        page++;
      } while (cursor);
      assert.equal(page, Math.ceil(N / 5));
      assert.deepEqual(seen, expected(direction));
    });
  }

  test('ordering by updated_at pages the same way', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const p = await store.accounts.list(query({ orderBy: 'updated_at', cursor }));
      seen.push(...p.items.map((r) => r.id));
      cursor = p.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, expected('desc'));
  });

  test('filter shapes compiled once each: interleaved listings, other values in a cached shape, each pages its own rows', async () => {
    const some = (from: number) => expected('asc').slice(from, from + 3);
    const cases: Array<Partial<AccountQuery>> = [
      { userIds: ['pager'] },
      { userIds: ['nobody'] },
      { userIds: ['pager', 'nobody'] },
      { userIds: ['someone-else', 'nobody'], accountTypes: undefined },
      { ids: some(0) },
      { ids: some(10) },
      { ids: some(20), accountTypes: ['PRIVATE', 'SHARED'] },
      { userIds: undefined, accountTypes: ['SHARED'] },
    ];
    /** What the listing must hold: the live rows every given filter admits, in (created_at, id) order. */
    const want = (q: AccountQuery) =>
      [...rows, ...others]
        .filter((r) => r.deleted_at === null)
        .filter((r) => (!q.userIds || q.userIds.includes(r.user_id)) && (!q.ids || q.ids.includes(r.id)))
        .filter((r) => !q.accountTypes || q.accountTypes.includes(r.account_type))
        .sort((a, b) => cmp(a.created_at, b.created_at) || cmp(a.id, b.id))
        .map((r) => r.id)
        [q.direction === 'asc' ? 'slice' : 'reverse']();
    let nonEmpty = 0;
    for (const direction of ['desc', 'asc'] as const)
      for (let round = 0; round < 2; round++)
        for (const over of cases) {
          const q = query({ ...over, direction, limit: 2 });
          const seen: string[] = [];
          let cursor: string | undefined;
          let total: number | undefined;
          do {
            const p = await store.accounts.list({ ...q, cursor });
            total ??= p.total;
            seen.push(...p.items.map((r) => r.id));
            cursor = p.nextCursor ?? undefined;
          } while (cursor);
          const wanted = want(q);
          if (wanted.length) nonEmpty++;
          assert.deepEqual(seen, wanted, `${JSON.stringify(over)} ${direction}, round ${round + 1}`);
          assert.equal(total, wanted.length, `${JSON.stringify(over)}: total`);
        }
    assert.equal(nonEmpty, 4 * 7, 'every case but the unknown user lists something');
  });

  test('later pages keep the first page total while rows come and go', async () => {
    const p1 = await store.accounts.list(query());
    assert.equal(p1.total, N);
    const extra = row(projectId, acId, 'ca_pgextra0001', '2027-01-01T00:00:00.000Z');
    await store.accounts.insert(extra);
    try {
      recorder.reset();
      const p2 = await store.accounts.list(query({ cursor: p1.nextCursor! }));
      assert.equal(p2.total, N, 'carried, not counted again');
      assert.equal(recorder.counts(), 0);
      assert.deepEqual(
        p2.items.map((r) => r.id),
        expected('desc').slice(5, 10),
        'a newer row does not shift later pages',
      );
      assert.equal((await store.accounts.list(query())).total, N + 1, 'a new first page counts again');
    } finally {
      await store.accounts.update(projectId, extra.id, { deleted_at: new Date().toISOString() });
    }
  });

  test('a cursor made before totals were carried still pages, counting once', async () => {
    const order = expected('desc');
    const last = rows.find((r) => r.id === order[6])!;
    const old = encodeCursor({ t: last.created_at, id: last.id });
    assert.deepEqual(Object.keys(JSON.parse(Buffer.from(old, 'base64url').toString())), ['t', 'id']);
    recorder.reset();
    const p = await store.accounts.list(query({ cursor: old }));
    assert.equal(recorder.counts(), 1, 'counted, since the cursor carries no total');
    assert.equal(p.total, N);
    assert.deepEqual(
      p.items.map((r) => r.id),
      order.slice(7, 12),
    );
    // Its next cursor carries the total again.
    recorder.reset();
    const next = await store.accounts.list(query({ cursor: p.nextCursor! }));
    assert.equal(recorder.counts(), 0);
    assert.equal(next.total, N);
    assert.deepEqual(
      next.items.map((r) => r.id),
      order.slice(12, 17),
    );
  });

  test('a cursor reused with other filters is counted for those filters', async () => {
    const p1 = await store.accounts.list(query());
    recorder.reset();
    const all = await store.accounts.list(query({ accountTypes: undefined, cursor: p1.nextCursor! }));
    assert.equal(recorder.counts(), 1);
    assert.equal(all.total, N + 1, 'the SHARED account counts under account_type ALL');
    // Same filter sets in another order or spelled empty are the same listing.
    recorder.reset();
    const same = await store.accounts.list({ ...query({ cursor: p1.nextCursor! }), toolkitSlugs: [], statuses: undefined });
    assert.equal(recorder.counts(), 0);
    assert.equal(same.total, N);
  });

  test('a broken cursor is the same CursorError as before', async () => {
    const order = expected('desc');
    const valid = decodeCursor((await store.accounts.list(query())).nextCursor!)!;
    const broken = [
      'garbage',
      Buffer.from('{"t":1,"id":"x"}').toString('base64url'),
      Buffer.from('[]').toString('base64url'),
      encodeCursor({ ...valid, n: -1 }),
      Buffer.from(JSON.stringify({ ...valid, n: '23' })).toString('base64url'),
      Buffer.from(JSON.stringify({ ...valid, n: 2.5 })).toString('base64url'),
      Buffer.from(JSON.stringify({ ...valid, f: 7 })).toString('base64url'),
    ];
    for (const cursor of broken) {
      await assert.rejects(
        store.accounts.list(query({ cursor })),
        (e) => e instanceof CursorError && e.message === 'cursor is not one this API returned',
        cursor,
      );
    }
    assert.deepEqual((await store.accounts.list(query({ cursor: encodeCursor(valid) }))).items[0].id, order[5]);
  });

  test('auth config and webhook delivery lists page across equal created_at', async () => {
    const base = Date.parse('2026-02-01T00:00:00Z');
    const ids: Array<[string, string]> = [];
    for (let i = 0; i < 11; i++) {
      const id = `ac_pg${String((i * 5) % 11).padStart(4, '0')}x`;
      const ts = new Date(base + Math.floor(i / 3) * 1000).toISOString();
      ids.push([ts, id]);
      await store.authConfigs.insert(authConfigRow(projectId, { id, toolkit_slug: 'pagingkit', created_at: ts }));
    }
    const want = ids.sort((a, b) => cmp(b[0], a[0]) || cmp(b[1], a[1])).map(([, id]) => id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const p = await store.authConfigs.list({ projectId, toolkitSlug: 'pagingkit', showDisabled: true, cursor, limit: 4 });
      seen.push(...p.items.map((r) => r.id));
      cursor = p.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, want);

    const ts0 = '2026-03-01T00:00:00.000Z';
    await store.webhooks.insertEndpoint({
      id: 'we_paging0001',
      project_id: projectId,
      url: 'https://example.com/hook',
      description: null,
      events: '[]',
      enabled: 1,
      secret_enc: 'x',
      previous_secret_enc: null,
      previous_secret_until: null,
      created_at: ts0,
      updated_at: ts0,
      deleted_at: null,
    });
    await store.webhooks.insertEvent({ id: 'wev_paging0001', project_id: projectId, type: 'test', payload: '{}', created_at: ts0 });
    const deliveries = Array.from({ length: 9 }, (_, i) => {
      const ts = new Date(Date.parse(ts0) + Math.floor(i / 3) * 1000).toISOString();
      return {
        id: `wd_pg${String((i * 4) % 9).padStart(4, '0')}x`,
        project_id: projectId,
        endpoint_id: 'we_paging0001',
        event_id: 'wev_paging0001',
        status: 'succeeded',
        attempts: 1,
        next_attempt_at: ts,
        lease_owner: null,
        lease_until: null,
        last_status: 200,
        last_error: null,
        delivered_at: ts,
        created_at: ts,
        updated_at: ts,
      };
    });
    await store.webhooks.insertDeliveries(deliveries);
    const wantD = deliveries.sort((a, b) => cmp(b.created_at, a.created_at) || cmp(b.id, a.id)).map((d) => d.id);
    const seenD: string[] = [];
    cursor = undefined;
    do {
      const p = await store.webhooks.listDeliveries(projectId, 'we_paging0001', cursor, 2);
      seenD.push(...p.items.map((r) => r.id));
      cursor = p.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seenD, wantD);
  });

  test('GET /connected_accounts: the same total_items, total_pages and current_page on every page; a bad cursor is a 400', async () => {
    const url = '/api/v3.1/connected_accounts?user_ids=pager&limit=10';
    const p1 = await api(t).get(url);
    assert.equal(p1.status, 200);
    const fields = (b: Record<string, unknown>) => [b.total_items, b.total_pages, b.current_page];
    assert.deepEqual(fields(p1.body), [N, 3, 1]);
    const p2 = await api(t).get(`${url}&cursor=${p1.body.next_cursor}`);
    assert.deepEqual(fields(p2.body), [N, 3, 1]);
    const p3 = await api(t).get(`${url}&cursor=${p2.body.next_cursor}`);
    assert.deepEqual(fields(p3.body), [N, 3, 1]);
    assert.equal(p3.body.next_cursor, null);
    assert.deepEqual(
      [...p1.body.items, ...p2.body.items, ...p3.body.items].map((a: { id: string }) => a.id),
      expected('desc'),
    );
    for (const cursor of ['garbage', encodeCursor({ ...decodeCursor(p1.body.next_cursor)!, n: -1 })]) {
      const bad = await api(t).get(`${url}&cursor=${cursor}`);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.message, 'Invalid cursor');
      assert.deepEqual(bad.body.error.errors, ['cursor: not a cursor this API returned']);
    }
  });
});
