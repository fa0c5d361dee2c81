// Tool-router sessions in the console (issue #19): the list (by user), and a
// session's config with the account each toolkit resolves to and why, by
// the resolution the API's tool calls use (agreeing with GET
// /tool_router/session/{id}/toolkits); another project's session is a 404.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { consoleClient, startConsoleWorld, type ConsoleClient, type ConsoleWorld } from './helpers.ts';

const XSS = '<script>alert(1)</script>';

forEachBackend('console: tool-router sessions', (backend) => {
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

  async function session(body: Record<string, unknown>, apiKey = w.t.apiKey): Promise<string> {
    const res = await api(w.t, apiKey).post('/api/v3.1/tool_router/session', body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.session_id as string;
  }
  const row = (text: string, slug: string) => {
    const m = new RegExp(`<tr><td><span class="tk"><img class="logo" src="/logos/${slug}\\.svg"[\\s\\S]*?</tr>`).exec(text);
    assert.ok(m, `a row for ${slug}`);
    return m[0];
  };

  test('implicit: the user’s newest usable account, as the API resolves it; a toolkit without one says why', async () => {
    const older = await w.account('sess-user', 'sk_sess_older_abcdefghijklmnop', { alias: 'older' });
    await new Promise((r) => setTimeout(r, 5));
    const newer = await w.account('sess-user', 'sk_sess_newer_abcdefghijklmnop', { alias: 'newer' });
    const id = await session({ user_id: 'sess-user', toolkits: { enable: ['echoapi', 'github'] } });
    const res = await c.get(`${base}/sessions/${id}`);
    assert.equal(res.status, 200);
    const echo = row(res.text, 'echoapi');
    assert.ok(echo.includes(`/accounts/${newer}"`), 'the newer account');
    assert.ok(!echo.includes(older));
    assert.match(echo, /The user’s newest ACTIVE, enabled, private account for echoapi\./);
    const gh = row(res.text, 'github');
    assert.match(gh, /<strong>No account\.<\/strong> User sess-user has no ACTIVE connected account for github\./);
    assert.match(res.text, /only echoapi, github/);
    assert.ok(!res.text.includes('sk_sess_'), 'no credential');
    // The API agrees.
    const viaApi = await api(w.t).get(`/api/v3.1/tool_router/session/${id}/toolkits?toolkits=echoapi`);
    assert.equal(viaApi.body.items[0].connected_account.id, newer);
  });

  test('pinned, and an auth config kept from the tool router', async () => {
    const pinned = await w.account('pin-user', 'sk_pin_abcdefghijklmnop', { alias: 'pinned one' });
    await new Promise((r) => setTimeout(r, 5));
    await w.account('pin-user', 'sk_pin_newer_abcdefghijklmnop');
    const id = await session({ user_id: 'pin-user', connected_accounts: { echoapi: pinned } });
    const res = await c.get(`${base}/sessions/${id}`);
    const echo = row(res.text, 'echoapi');
    assert.ok(echo.includes(`/accounts/${pinned}"`));
    assert.match(echo, /Pinned in connected_accounts\.echoapi\./);

    const ac = await w.authConfig(w.t.apiKey);
    await w.account('kept-user', 'sk_kept_abcdefghijklmnop', { acId: ac });
    assert.equal((await api(w.t).patch(`/api/v3.1/auth_configs/${ac}`, { is_enabled_for_tool_router: false })).status, 200);
    const kept = await session({ user_id: 'kept-user' });
    const page = await c.get(`${base}/sessions/${kept}`);
    const r = row(page.text, 'echoapi');
    assert.match(r, /<strong>No account\.<\/strong>/);
    assert.match(r, new RegExp(`Kept from the tool router \\(is_enabled_for_tool_router false\\): ${ac}\\.`));
  });

  test('the list: newest first, filtered by user id, escaped; another project’s session is not found anywhere', async () => {
    const mine = await session({ user_id: XSS });
    const list = await c.get(`${base}/sessions`);
    assert.equal(list.status, 200);
    assert.ok(list.text.includes(`/sessions/${mine}"`));
    assert.ok(!list.text.includes('<script>'));
    assert.ok(list.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    const filtered = await c.get(`${base}/sessions?user_id=pin-user`);
    assert.ok(!filtered.text.includes(`/sessions/${mine}"`));
    assert.match(filtered.text, /<td>pin-user<\/td>/);
    const detail = await c.get(`${base}/sessions/${mine}`);
    assert.equal(detail.status, 200);
    assert.ok(!detail.text.includes('<script>'));

    const other = await w.t.otherProject();
    const theirs = await session({ user_id: 'their-session-user' }, other.apiKey);
    for (const url of [
      `${base}/sessions/${theirs}`,
      `/console/projects/${other.projectId}/sessions/${theirs}`,
      `/console/projects/${other.projectId}/sessions`,
    ]) {
      const res = await c.get(url);
      assert.equal(res.status, 404, url);
      assert.ok(!res.text.includes('their-session-user') && !res.text.includes(theirs), url);
    }
    assert.ok(!(await c.get(`${base}/sessions`)).text.includes(theirs));
    assert.equal((await c.get(`${base}/sessions?cursor=nonsense`)).status, 400);
  });
});
