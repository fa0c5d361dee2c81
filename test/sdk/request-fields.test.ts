// Issue #15: no auth-config or session field is accepted and ignored. The
// fields are walked from @composio/client's own request types (the TypeScript
// compiler reads its .d.mts), so a field a new client adds fails this test
// until authlink either implements it or refuses it. Every field is listed
// below as one or the other: a refused one must get a 400 naming it and
// change nothing; an effective one must be accepted, and names the test that
// proves its effect.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import ts from 'typescript';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { dumpDatabase, dumpDiff } from '../security/support.ts';

/** Leaf field paths of a request type's body (objects are walked three levels deep; records and arrays are leaves). */
function clientFields(): Record<string, string[]> {
  const dir = 'node_modules/@composio/client/dist';
  const file = `${dir}/${readdirSync(dir).find((f) => /^client-.*\.d\.mts$/.test(f))}`;
  const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const aliases = new Map<string, ts.TypeAliasDeclaration>();
  ts.forEachChild(program.getSourceFile(file)!, (n) => {
    if (ts.isTypeAliasDeclaration(n)) aliases.set(n.name.text, n);
  });
  const walk = (type: ts.Type, prefix: string, depth: number, out: Set<string>): boolean => {
    let object = false;
    for (const t of type.isUnion() ? type.types : [type]) {
      if (!(t.flags & ts.TypeFlags.Object) || checker.isArrayType(t) || checker.getIndexInfosOfType(t).length) continue;
      object = true;
      for (const p of checker.getPropertiesOfType(t)) {
        const path = prefix ? `${prefix}.${p.name}` : p.name;
        if (depth <= 1 || !walk(checker.getNonNullableType(checker.getTypeOfSymbol(p)), path, depth - 1, out)) out.add(path);
      }
    }
    return object;
  };
  const out: Record<string, string[]> = {};
  for (const name of [
    'PostApiV31AuthConfigsData',
    'PatchApiV31AuthConfigsByNanoidData',
    'PostApiV31ToolRouterSessionData',
    'PatchApiV31ToolRouterSessionBySessionIdData',
  ]) {
    const t = checker.getTypeAtLocation(aliases.get(name)!.name);
    const fields = new Set<string>();
    walk(checker.getNonNullableType(checker.getTypeOfSymbol(checker.getPropertyOfType(t, 'body')!)), '', 4, fields);
    out[name] = [...fields].sort();
  }
  return out;
}

type Entry = { value: unknown } & ({ effect: string } | { refused: string });

const AUTH_CONFIG_CREATE: Record<string, Entry> = {
  'toolkit.slug': { value: 'github', effect: 'test/api/auth-configs.test.ts' },
  'auth_config.type': { value: 'use_custom_auth', effect: 'test/api/auth-configs.test.ts' },
  'auth_config.authScheme': { value: 'BEARER_TOKEN', effect: 'test/api/auth-configs.test.ts' },
  'auth_config.name': { value: 'Walked', effect: 'test/api/auth-configs.test.ts' },
  'auth_config.credentials.scopes': { value: ['repo'], effect: 'test/api/auth-configs.test.ts' },
  'auth_config.credentials.user_scopes': { value: ['chat:write'], refused: 'auth_config.credentials.user_scopes:' },
  'auth_config.tool_access_config.tools_for_connected_account_creation': { value: ['GITHUB_GET_AN_ISSUE'], effect: 'test/tools/api.test.ts' },
  'auth_config.restrict_to_following_tools': { value: ['GITHUB_GET_AN_ISSUE'], effect: 'test/tools/api.test.ts' },
  'auth_config.is_enabled_for_tool_router': { value: false, effect: 'test/sessions/sessions-api.test.ts' },
  'auth_config.shared_credentials': { value: { a: 1 }, refused: 'auth_config.shared_credentials:' },
  'auth_config.proxy_config.proxy_url': { value: 'https://proxy.example.com', effect: 'test/proxy/egress.test.ts' },
  'auth_config.proxy_config.proxy_auth_key': { value: 'k', refused: 'auth_config.proxy_config.proxy_url:' },
};

const AUTH_CONFIG_PATCH: Record<string, Entry> = {
  type: { value: 'custom', effect: 'test/api/auth-configs.test.ts' },
  name: { value: 'Renamed', effect: 'test/api/auth-configs.test.ts' },
  'credentials.scopes': { value: ['repo'], effect: 'test/api/auth-configs.test.ts' },
  'credentials.user_scopes': { value: ['x'], refused: 'auth_config.credentials.user_scopes:' },
  scopes: { value: ['repo'], effect: 'test/api/auth-configs.test.ts' },
  user_scopes: { value: ['x'], refused: 'auth_config.credentials.user_scopes:' },
  restrict_to_following_tools: { value: ['GITHUB_GET_AN_ISSUE'], effect: 'test/tools/api.test.ts' },
  'tool_access_config.tools_for_connected_account_creation': { value: ['GITHUB_GET_AN_ISSUE'], effect: 'test/api/auth-configs.test.ts' },
  'tool_access_config.tools_available_for_execution': { value: ['GITHUB_GET_AN_ISSUE'], effect: 'test/tools/api.test.ts' },
  is_enabled_for_tool_router: { value: false, effect: 'test/sessions/sessions-api.test.ts' },
  shared_credentials: { value: {}, refused: 'shared_credentials:' },
  'proxy_config.proxy_url': { value: 'https://proxy.example.com', effect: 'test/proxy/egress.test.ts' },
  'proxy_config.proxy_auth_key': { value: 'k', refused: 'proxy_config.proxy_url:' },
};

const SESSION_COMMON: Record<string, Entry> = {
  'toolkits.enable': { value: ['github'], effect: 'test/sessions/sessions-api.test.ts' },
  'toolkits.disable': { value: ['github'], effect: 'test/sessions/sessions-api.test.ts' },
  auth_configs: { value: {}, effect: 'test/sessions/account-resolution.test.ts' },
  connected_accounts: { value: {}, effect: 'test/security/isolation.test.ts' },
  'manage_connections.enable': { value: false, effect: 'test/mcp/e2e.test.ts' },
  'manage_connections.callback_url': { value: 'https://app.example.com/cb', effect: 'test/sessions/sessions-api.test.ts' },
  'manage_connections.enable_wait_for_connections': { value: true, refused: 'manage_connections.enable_wait_for_connections:' },
  'manage_connections.enable_connection_removal': { value: true, refused: 'manage_connections.enable_connection_removal:' },
  tools: { value: {}, effect: 'test/tools/sessions.test.ts' },
  'tags.enable': { value: ['readOnlyHint'], effect: 'test/tools/sessions.test.ts' },
  'tags.disable': { value: ['destructiveHint'], effect: 'test/tools/sessions.test.ts' },
  'workbench.enable': { value: true, refused: 'workbench.enable:' },
  'workbench.enable_proxy_execution': { value: true, refused: 'workbench.enable_proxy_execution:' },
  'workbench.auto_offload_threshold': { value: 1000, refused: 'workbench.auto_offload_threshold:' },
  'workbench.sandbox_size': { value: 'standard', refused: 'workbench.sandbox_size:' },
  'multi_account.enable': { value: true, effect: 'test/sessions/account-resolution.test.ts' },
  'multi_account.max_accounts_per_toolkit': { value: 3, effect: 'test/sessions/sessions-api.test.ts' },
  'multi_account.require_explicit_selection': { value: true, effect: 'test/sessions/account-resolution.test.ts' },
  'preload.tools': { value: ['GITHUB_GET_AN_ISSUE'], effect: 'test/tools/sessions.test.ts' },
  'search.enable': { value: false, effect: 'test/mcp/e2e.test.ts' },
  'execute.enable_multi_execute': { value: false, effect: 'test/mcp/e2e.test.ts' },
  'experimental.permissions.default': { value: 'allow_all', refused: 'experimental.permissions:' },
  'experimental.permissions.overrides': { value: {}, refused: 'experimental.permissions:' },
  'experimental.link_url_overwrite': { value: 'https://connect.example.com', refused: 'experimental.link_url_overwrite:' },
};

const SESSION_CREATE: Record<string, Entry> = {
  ...SESSION_COMMON,
  user_id: { value: 'walk-user', effect: 'test/sessions/sessions-api.test.ts' },
  'experimental.assistive_prompt_config.user_timezone': { value: 'Europe/Paris', effect: 'test/sdk/request-fields.test.ts' },
  'experimental.custom_toolkits': { value: [], refused: 'experimental.custom_toolkits:' },
  'experimental.custom_tools': { value: [], refused: 'experimental.custom_tools:' },
};

function setAt(body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const out = structuredClone(body);
  const keys = path.split('.');
  let at = out;
  for (const k of keys.slice(0, -1)) {
    at[k] ??= {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
  return out;
}

test('every field of the client’s auth-config and session requests is either implemented or refused (the table covers them all)', () => {
  const walked = clientFields();
  assert.deepEqual(walked.PostApiV31AuthConfigsData, Object.keys(AUTH_CONFIG_CREATE).sort());
  assert.deepEqual(walked.PatchApiV31AuthConfigsByNanoidData, Object.keys(AUTH_CONFIG_PATCH).sort());
  assert.deepEqual(walked.PostApiV31ToolRouterSessionData, Object.keys(SESSION_CREATE).sort());
  assert.deepEqual(walked.PatchApiV31ToolRouterSessionBySessionIdData, Object.keys(SESSION_COMMON).sort());
  for (const table of [AUTH_CONFIG_CREATE, AUTH_CONFIG_PATCH, SESSION_CREATE])
    for (const [path, e] of Object.entries(table))
      if ('effect' in e) assert.ok(existsSync(e.effect), `${path}: the test proving its effect, ${e.effect}, exists`);
});

forEachBackend('request fields', (backend) => {
  let t: TestApp;
  let acId: string;
  let sessionId: string;
  before(async () => {
    t = await startTestApp(backend);
    acId = (await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'github' }, auth_config: { type: 'use_custom_auth', authScheme: 'BEARER_TOKEN' } }))
      .body.auth_config.id;
    sessionId = (await api(t).post('/api/v3.1/tool_router/session', { user_id: 'walk-user' })).body.session_id;
  });
  after(() => t.close());

  async function check(
    label: string,
    table: Record<string, Entry>,
    base: Record<string, unknown>,
    send: (body: Record<string, unknown>) => Promise<{ status: number; body: any }>,
  ) {
    for (const [path, e] of Object.entries(table)) {
      const before = await dumpDatabase(t);
      const res = await send(setAt(base, path, e.value));
      if ('refused' in e) {
        assert.equal(res.status, 400, `${label} ${path}: refused, got ${res.status} ${JSON.stringify(res.body)}`);
        assert.ok(
          (res.body.error.errors as string[]).some((m) => m.startsWith(e.refused)),
          `${label} ${path}: the error names the field (${JSON.stringify(res.body.error.errors)})`,
        );
        assert.equal(dumpDiff(before, await dumpDatabase(t)), '', `${label} ${path}: a refused request changes nothing`);
      } else {
        assert.ok(res.status < 300, `${label} ${path}: accepted, got ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
  }

  test('auth configs: create and PATCH', async () => {
    await check(
      'POST /auth_configs',
      AUTH_CONFIG_CREATE,
      { toolkit: { slug: 'github' }, auth_config: { type: 'use_custom_auth', authScheme: 'BEARER_TOKEN' } },
      (b) => api(t).post('/api/v3.1/auth_configs', b),
    );
    await check('PATCH /auth_configs/{id}', AUTH_CONFIG_PATCH, { type: 'custom' }, (b) => api(t).patch(`/api/v3.1/auth_configs/${acId}`, b));
  });

  test('tool-router sessions: create and PATCH', async () => {
    await check('POST /tool_router/session', SESSION_CREATE, { user_id: 'walk-user' }, (b) => api(t).post('/api/v3.1/tool_router/session', b));
    await check('PATCH /tool_router/session/{id}', SESSION_COMMON, {}, (b) => api(t).patch(`/api/v3.1/tool_router/session/${sessionId}`, b));
  });

  test('experimental.assistive_prompt_config.user_timezone: COMPOSIO_SEARCH_TOOLS gives the agent the user’s local time; a zone that is not one is refused', async () => {
    const s = await api(t).post('/api/v3.1/tool_router/session', {
      user_id: 'tz-user',
      experimental: { assistive_prompt_config: { user_timezone: 'Asia/Tokyo' } },
    });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    const found = await api(t).post(`/api/v3.1/tool_router/session/${s.body.session_id}/search`, { queries: [{ use_case: 'list my github issues' }] });
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.equal(found.body.time_info.user_timezone, 'Asia/Tokyo');
    const utc = Date.parse(found.body.time_info.current_time_utc);
    const local = Date.parse(`${found.body.time_info.current_time_local.replace(' ', 'T')}Z`);
    assert.ok(Math.abs(local - utc - 9 * 3600_000) < 2000, 'local time is UTC+9 in Tokyo');
    const bad = await api(t).post('/api/v3.1/tool_router/session', {
      user_id: 'tz-user',
      experimental: { assistive_prompt_config: { user_timezone: 'Mars/Olympus' } },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.errors, [
      'experimental.assistive_prompt_config.user_timezone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/Paris)',
    ]);
  });
});
