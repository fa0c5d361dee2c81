// The overview's additions (issue #19): the link funnel of the last 24 h and
// 7 days counted from the stored link sessions and their accounts (not from
// in-memory metrics), drawn without scripts and told to screen readers;
// accounts whose refresh keeps failing; dead webhook deliveries with links.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { consoleClient, startConsoleWorld, type ConsoleClient, type ConsoleWorld } from './helpers.ts';

const XSS = '<script>alert(1)</script>';

forEachBackend('console: overview', (backend) => {
  let w: ConsoleWorld;
  let c: ConsoleClient;
  let base: string;

  before(async () => {
    w = await startConsoleWorld(backend);
    c = consoleClient(w.t);
    await c.signIn(w.t.apiKey);
    base = `/console/projects/${w.t.projectId}`;
  });
  after(() => w?.close());

  const db = () => w.t.runtime.database.db;
  const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
  const HOUR = 3_600_000;

  async function link(userId: string): Promise<{ linkId: string; accountId: string }> {
    const res = await api(w.t).post('/api/v3.1/connected_accounts/link', { auth_config_id: w.acId, user_id: userId });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const row = await db().selectFrom('link_sessions').select('id').where('connected_account_id', '=', res.body.connected_account_id).executeTakeFirstOrThrow();
    return { linkId: row.id, accountId: res.body.connected_account_id };
  }

  test('an empty project: zero funnels, no failing refresh, no dead delivery', async () => {
    const res = await c.get(base);
    assert.equal(res.status, 200);
    assert.match(res.text, /<p class="sr-only">Last 24 hours: 0 created, 0 opened, 0 completed, 0 failed, 0 expired\.<\/p>/);
    assert.match(res.text, /No failing token refresh\./);
    assert.match(res.text, /No dead delivery\./);
  });

  test('the funnel counts each link by how far it got, per window; bars are SVG with no script or inline style', async () => {
    const sub = await api(w.t).post('/api/v3.1/webhook_subscriptions', { webhook_url: 'https://hooks.example.com/x', enabled_events: ['*'] });
    assert.equal(sub.status, 201);
    await link('just-created');
    const opened = await link('opened');
    await db()
      .updateTable('link_sessions')
      .set({ opened_at: iso(1000) })
      .where('id', '=', opened.linkId)
      .execute();
    const done = await link('completed');
    await db()
      .updateTable('link_sessions')
      .set({ opened_at: iso(1000), consumed_at: iso(500) })
      .where('id', '=', done.linkId)
      .execute();
    await db().updateTable('connected_accounts').set({ status: 'ACTIVE' }).where('id', '=', done.accountId).execute();
    const failed = await link('failed');
    await db()
      .updateTable('link_sessions')
      .set({ opened_at: iso(1000), consumed_at: iso(500) })
      .where('id', '=', failed.linkId)
      .execute();
    await db().updateTable('connected_accounts').set({ status: 'FAILED' }).where('id', '=', failed.accountId).execute();
    const expired = await link('expired');
    await db()
      .updateTable('link_sessions')
      .set({ expires_at: iso(1000) })
      .where('id', '=', expired.linkId)
      .execute();
    // Three days ago: in the 7-day funnel only, completed.
    const old = await link('old');
    await db()
      .updateTable('link_sessions')
      .set({ created_at: iso(72 * HOUR), opened_at: iso(72 * HOUR), consumed_at: iso(72 * HOUR) })
      .where('id', '=', old.linkId)
      .execute();
    // Eight days ago: in neither.
    const older = await link('older');
    await db()
      .updateTable('link_sessions')
      .set({ created_at: iso(8 * 24 * HOUR) })
      .where('id', '=', older.linkId)
      .execute();

    const res = await c.get(base);
    assert.equal(res.status, 200);
    assert.match(res.text, /Last 24 hours: 5 created, 3 opened, 1 completed, 1 failed, 1 expired\./);
    assert.match(res.text, /Last 7 days: 6 created, 4 opened, 2 completed, 1 failed, 1 expired\./);
    assert.match(res.text, /<svg viewBox="0 0 300 110"[^>]*aria-hidden="true"/);
    // The created bar is the longest (170 units); completed in 24 h is 1/5 of it.
    assert.match(res.text, /width="170" height="14" rx="2" class="bar bar-created"/);
    assert.match(res.text, /width="34" height="14" rx="2" class="bar bar-completed"/);
    assert.ok(!/<script|style="/i.test(res.text), 'no script, no inline style');
  });

  test('failing refreshes and dead deliveries, linked; user ids escaped; another project’s are not counted', async () => {
    const id = await w.account(XSS, 'sk_overview_abcdefghijklmnop');
    await db()
      .updateTable('connected_accounts')
      .set({ refresh_failures: 3, next_refresh_at: iso(-HOUR) })
      .where('id', '=', id)
      .execute();
    const deliveries = await db().selectFrom('webhook_deliveries').selectAll().where('project_id', '=', w.t.projectId).execute();
    assert.ok(deliveries.length >= 2);
    await db()
      .updateTable('webhook_deliveries')
      .set({ status: 'dead', attempts: 4, last_status: 503 })
      .where('id', 'in', [deliveries[0].id, deliveries[1].id])
      .execute();
    // Another project's dead delivery and failing account.
    const other = await w.t.otherProject();
    const otherAc = await w.authConfig(other.apiKey);
    const otherSub = await api(w.t, other.apiKey).post('/api/v3.1/webhook_subscriptions', {
      webhook_url: 'https://hooks.example.com/o',
      enabled_events: ['*'],
    });
    assert.equal(otherSub.status, 201);
    const theirs = await w.account('their-failing-user', 'sk_their_abcdefghijklmnop', { apiKey: other.apiKey, acId: otherAc });
    await db().updateTable('connected_accounts').set({ refresh_failures: 9 }).where('id', '=', theirs).execute();
    await db().updateTable('webhook_deliveries').set({ status: 'dead' }).where('project_id', '=', other.projectId).execute();

    const res = await c.get(base);
    assert.equal(res.status, 200);
    assert.ok(!res.text.includes('<script>'));
    assert.match(res.text, new RegExp(`<a href="${base}/accounts/${id}">&lt;script&gt;alert\\(1\\)&lt;/script&gt;</a></td><td>echoapi</td><td>3</td>`));
    assert.ok(!res.text.includes('their-failing-user'));
    assert.match(res.text, /<strong>2<\/strong> deliveries gave up after every retry/);
    const d = deliveries[0];
    assert.ok(res.text.includes(`href="${base}/webhooks/${d.endpoint_id}/deliveries/${d.id}"`), 'links to the delivery');
    assert.ok(!res.text.includes(otherSub.body.id));
    // The link leads to the delivery page, which offers to redeliver.
    const page = await c.get(`${base}/webhooks/${d.endpoint_id}/deliveries/${d.id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /st-DEAD">DEAD</);
    assert.match(page.text, />Redeliver<\/button>/);
  });
});
