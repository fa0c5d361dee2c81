// Tool-router sessions: a user id plus a config saying which toolkits the
// session reaches and with which accounts. Stored as normalised JSON with a
// version; a PATCH is a conditional write on that version. Which account a
// session uses for a toolkit is decided by account-resolution.ts alone.
import { ApiError } from '../errors.ts';
import { newId } from '../crypto/tokens.ts';
import type { Store } from '../store/store.ts';
import type { SessionRow } from '../store/sessions.ts';
import type { AccountRow } from '../store/accounts.ts';
import type { AuthConfigRow } from '../store/auth-configs.ts';
import type { Catalog } from '../toolkits/catalog.ts';
import type { ToolkitDef } from '../toolkits/types.ts';
import type { Proxy } from '../proxy/execute.ts';
import type { ProxyMethod, ProxyParameter, BinaryBody, ProxyResult } from '../proxy/types.ts';
import type { ManagedAuth } from './auth-configs.ts';
import type { AccountType, Acl, LinkResult, LinkService } from './links.ts';
import { checkCallbackUrl } from './callback-url.ts';
import { normalizeUserId } from './user-ids.ts';
import { pageOf } from './pages.ts';
import { routerToolSlugs } from './router-tools.ts';
import { checkSessionPins, resolutionApiError, resolveAccount, toolkitEnabled, type ResolutionConfig, type ResolutionError } from './account-resolution.ts';

export type Tag = 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint';
type TagFilterIn = Tag[] | { enable?: Tag[]; disable?: Tag[] };
interface TagFilter {
  enabled?: Tag[];
  disabled?: Tag[];
}
type ToolFilter = { enabled: string[] } | { disabled: string[] } | { tags: TagFilter };

/** The normalised config: what is stored and what GET/PATCH/POST return (the official client's shape). */
export interface SessionConfig extends ResolutionConfig {
  user_id: string;
  toolkits?: { enabled: string[] } | { disabled: string[] };
  auth_configs?: Record<string, string>;
  connected_accounts?: Record<string, string[]>;
  manage_connections?: { enabled?: boolean; callback_url?: string; enable_wait_for_connections?: boolean; enable_connection_removal?: boolean };
  tools?: Record<string, ToolFilter>;
  tags?: TagFilter;
  workbench?: { enable?: boolean; proxy_execution_enabled?: boolean; auto_offload_threshold?: number; sandbox_size?: string };
  multi_account?: { enable?: boolean; max_accounts_per_toolkit?: number; require_explicit_selection?: boolean };
  preload: { tools: string[] | 'all' };
  search: { enable?: boolean };
  execute: { enable_multi_execute?: boolean };
  /** The user's IANA time zone: COMPOSIO_SEARCH_TOOLS gives the agent the local time in it. */
  experimental?: { assistive_prompt_config: { user_timezone: string } };
}

/** Parts of Composio's session request authlink does not implement: refused by name, never stored and ignored. */
const UNSUPPORTED_EXPERIMENTAL = ['custom_toolkits', 'custom_tools', 'permissions', 'link_url_overwrite'] as const;

/** Request bodies as the official client sends them (POST creates; PATCH replaces the fields it carries, null clears). */
export interface SessionConfigInput {
  toolkits?: { enable?: string[]; disable?: string[] };
  auth_configs?: Record<string, string>;
  connected_accounts?: Record<string, string | string[]> | null;
  manage_connections?: {
    enable?: boolean | null;
    callback_url?: string;
    enable_wait_for_connections?: boolean | null;
    enable_connection_removal?: boolean | null;
  } | null;
  tools?: Record<string, { enable?: string[]; disable?: string[]; tags?: TagFilterIn }>;
  tags?: TagFilterIn;
  workbench?: { enable?: boolean; enable_proxy_execution?: boolean; auto_offload_threshold?: number; sandbox_size?: string } | null;
  multi_account?: { enable?: boolean; max_accounts_per_toolkit?: number; require_explicit_selection?: boolean } | null;
  preload?: { tools?: string[] | string };
  search?: { enable?: boolean };
  execute?: { enable_multi_execute?: boolean };
  experimental?: ({ assistive_prompt_config?: { user_timezone?: string } | null } & Partial<Record<(typeof UNSUPPORTED_EXPERIMENTAL)[number], unknown>>) | null;
  premium_usage?: unknown;
}
export interface SessionCreateInput extends SessionConfigInput {
  user_id: string;
}
export interface SessionPatchInput extends SessionConfigInput {
  /** The version this change is based on: stale -> 409. Without it the change applies to the latest version. */
  config_version?: number;
  user_id?: string;
}

export interface SessionView {
  session_id: string;
  mcp: { type: 'http'; url: string };
  tool_router_tools: string[];
  config: SessionConfig;
  config_version: number;
}

export interface SessionToolkitItem {
  name: string;
  slug: string;
  enabled: boolean;
  is_no_auth: boolean;
  composio_managed_auth_schemes: string[];
  meta: { logo: string; description: string };
  connected_account: {
    id: string;
    user_id: string;
    alias: string | null;
    account_type: AccountType;
    status: string;
    created_at: string;
    auth_config: { id: string; auth_scheme: string; is_composio_managed: boolean };
  } | null;
  /** Why the session cannot use an account for this toolkit; null when it can, or when the user simply has none. */
  error: { message: string; code: number; slug: string; errors?: string[] } | null;
}

export interface ToolkitsQuery {
  limit: number;
  cursor?: string;
  toolkits?: string[];
  is_connected?: boolean;
  search?: string;
}

export interface SessionLinkInput {
  toolkit: string;
  alias?: string;
  callback_url?: string;
  experimental?: { account_type?: AccountType; acl_config_for_shared?: Partial<Acl> };
}

export interface SessionProxyInput {
  toolkit: string;
  endpoint: string;
  method: ProxyMethod;
  body?: unknown;
  binaryBody?: BinaryBody;
  parameters?: ProxyParameter[];
  connectedAccountId?: string;
}

const slug = (s: string) => s.trim().toLowerCase();
/** is_enabled_for_tool_router: a config set to false is invisible to sessions (its accounts, its links). */
const forToolRouter = (ac: Pick<AuthConfigRow, 'tool_router_enabled'>) => ac.tool_router_enabled !== 0;
const uniq = <T>(xs: T[]) => [...new Set(xs)];
const dropUndefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function tagFilter(raw: TagFilterIn): TagFilter {
  return Array.isArray(raw) ? { enabled: uniq(raw) } : dropUndefined({ enabled: raw.enable && uniq(raw.enable), disabled: raw.disable && uniq(raw.disable) });
}

function invalid(errors: string[]): ApiError {
  return new ApiError('ValidationFailed', `Invalid session config: ${errors.join('; ')}`, { errors });
}

/** Applies one request's fields onto a config (all of them for POST, the given ones for PATCH). */
function applyInput(base: SessionConfig, input: SessionConfigInput): SessionConfig {
  const c: SessionConfig = structuredClone(base);
  const problems: string[] = [];
  if (input.toolkits !== undefined) {
    const { enable, disable } = input.toolkits;
    if (enable && disable) problems.push('toolkits: give either enable or disable, not both');
    else if (enable) c.toolkits = { enabled: uniq(enable.map(slug)) };
    else if (disable) c.toolkits = { disabled: uniq(disable.map(slug)) };
    else delete c.toolkits;
  }
  if (input.auth_configs !== undefined) {
    const entries = Object.entries(input.auth_configs).map(([k, v]) => [slug(k), v.trim()] as const);
    if (entries.length) c.auth_configs = Object.fromEntries(entries);
    else delete c.auth_configs;
  }
  if (input.connected_accounts !== undefined) {
    const entries = Object.entries(input.connected_accounts ?? {})
      .map(([k, v]) => [slug(k), uniq((Array.isArray(v) ? v : [v]).map((id) => id.trim()).filter(Boolean))] as const)
      .filter(([, ids]) => ids.length);
    if (entries.length) c.connected_accounts = Object.fromEntries(entries);
    else delete c.connected_accounts;
  }
  if (input.manage_connections !== undefined) {
    const m = input.manage_connections;
    // Composio's COMPOSIO_WAIT_FOR_CONNECTIONS and connection removal are not authlink meta tools (docs/agents.md).
    if (m?.enable_wait_for_connections === true)
      problems.push('manage_connections.enable_wait_for_connections: not supported by authlink (no COMPOSIO_WAIT_FOR_CONNECTIONS)');
    if (m?.enable_connection_removal === true) problems.push('manage_connections.enable_connection_removal: not supported by authlink');
    if (m)
      c.manage_connections = dropUndefined({
        enabled: m.enable ?? undefined,
        callback_url: m.callback_url,
        enable_wait_for_connections: m.enable_wait_for_connections ?? undefined,
        enable_connection_removal: m.enable_connection_removal ?? undefined,
      });
    else delete c.manage_connections;
  }
  if (input.tools !== undefined) {
    const tools: Record<string, ToolFilter> = {};
    for (const [k, f] of Object.entries(input.tools)) {
      const given = (['enable', 'disable', 'tags'] as const).filter((key) => f[key] !== undefined);
      if (given.length !== 1) problems.push(`tools.${k}: give exactly one of enable, disable, tags`);
      else if (f.enable) tools[slug(k)] = { enabled: uniq(f.enable) };
      else if (f.disable) tools[slug(k)] = { disabled: uniq(f.disable) };
      else tools[slug(k)] = { tags: tagFilter(f.tags!) };
    }
    if (Object.keys(tools).length) c.tools = tools;
    else delete c.tools;
  }
  if (input.tags !== undefined) c.tags = tagFilter(input.tags);
  if (input.workbench !== undefined) {
    const w = input.workbench;
    // authlink has no workbench (sandbox): turning it on, or configuring it, is refused; "off" is what it is anyway.
    if (w?.enable === true) problems.push('workbench.enable: not supported by authlink (no remote workbench)');
    if (w?.enable_proxy_execution === true) problems.push('workbench.enable_proxy_execution: not supported by authlink (no remote workbench)');
    for (const k of ['auto_offload_threshold', 'sandbox_size'] as const)
      if (w?.[k] !== undefined) problems.push(`workbench.${k}: not supported by authlink (no remote workbench)`);
    if (w)
      c.workbench = dropUndefined({
        enable: w.enable,
        proxy_execution_enabled: w.enable_proxy_execution,
        auto_offload_threshold: w.auto_offload_threshold,
        sandbox_size: w.sandbox_size,
      });
    else delete c.workbench;
  }
  if (input.multi_account !== undefined) {
    if (input.multi_account) c.multi_account = dropUndefined({ ...input.multi_account });
    else delete c.multi_account;
  }
  if (input.preload !== undefined) {
    const t = input.preload.tools;
    if (typeof t === 'string' && t !== 'all') problems.push('preload.tools: must be a list of tool slugs or "all"');
    else c.preload = { tools: t === undefined ? [] : t === 'all' ? 'all' : uniq(t) };
  }
  if (input.search !== undefined) c.search = dropUndefined({ ...input.search });
  if (input.execute !== undefined) c.execute = dropUndefined({ ...input.execute });
  if (input.premium_usage !== undefined && input.premium_usage !== false) problems.push('premium_usage: not supported by authlink');
  if (input.experimental !== undefined) {
    const e = input.experimental ?? {};
    for (const k of UNSUPPORTED_EXPERIMENTAL) if (e[k] !== undefined && e[k] !== null) problems.push(`experimental.${k}: not supported by authlink`);
    const tz = e.assistive_prompt_config?.user_timezone?.trim();
    if (tz && !isTimeZone(tz))
      problems.push(`experimental.assistive_prompt_config.user_timezone: ${JSON.stringify(tz)} is not an IANA time zone (e.g. Europe/Paris)`);
    else if (tz) c.experimental = { assistive_prompt_config: { user_timezone: tz } };
    else delete c.experimental;
  }
  if (problems.length) throw invalid(problems);
  return c;
}

export function createSessionService(deps: {
  store: Store;
  catalog: Catalog;
  links: LinkService;
  proxy: Pick<Proxy, 'execute'>;
  managedAuth: ManagedAuth;
  publicUrl: string;
  now: () => Date;
}) {
  const { store, catalog } = deps;

  const view = (row: SessionRow): SessionView => {
    const config = JSON.parse(row.config) as SessionConfig;
    return {
      session_id: row.id,
      mcp: { type: 'http', url: `${deps.publicUrl}/api/v3.1/tool_router/session/${row.id}/mcp` },
      tool_router_tools: routerToolSlugs(config),
      config,
      config_version: row.config_version,
    };
  };

  async function getRow(projectId: string, id: string): Promise<SessionRow> {
    const row = await store.sessions.get(projectId, id);
    if (!row)
      throw new ApiError('SessionNotFound', `Tool router session ${id} not found`, { suggestedFix: 'Create one with POST /api/v3.1/tool_router/session' });
    return row;
  }

  function knownToolkit(s: string): ToolkitDef {
    const t = catalog.get(s);
    if (!t)
      throw new ApiError('ToolkitUnknown', `Unknown toolkit ${s}`, {
        errors: [`toolkit: no toolkit named ${s}`],
        suggestedFix: 'List toolkits with GET /api/v3.1/toolkits',
      });
    return t;
  }

  /** Everything a config refers to must exist in this project; pins must be usable by the session user. */
  async function validate(projectId: string, config: SessionConfig): Promise<void> {
    const unknown: string[] = [];
    const t = config.toolkits;
    const listed = t ? ('enabled' in t ? t.enabled.map((s, i) => [`toolkits.enable[${i}]`, s]) : t.disabled.map((s, i) => [`toolkits.disable[${i}]`, s])) : [];
    for (const [where, s] of [
      ...listed,
      ...Object.keys(config.auth_configs ?? {}).map((s) => [`auth_configs.${s}`, s]),
      ...Object.keys(config.connected_accounts ?? {}).map((s) => [`connected_accounts.${s}`, s]),
    ]) {
      if (!catalog.get(s)) unknown.push(`${where}: no toolkit named ${s}`);
    }
    if (unknown.length)
      throw new ApiError('ToolkitUnknown', `Unknown toolkit(s) in the session config: ${uniq(unknown.map((u) => u.replace(/.*named /, ''))).join(', ')}`, {
        errors: unknown,
        suggestedFix: 'List toolkits with GET /api/v3.1/toolkits',
      });

    const project = await store.projects.get(projectId);
    if (config.manage_connections?.callback_url !== undefined) {
      config.manage_connections.callback_url = checkCallbackUrl(
        config.manage_connections.callback_url,
        project?.settings.callback_url_allowlist,
        'manage_connections.callback_url',
      );
    }

    const pinIds = Object.values(config.connected_accounts ?? {}).flat();
    const overrides = Object.entries(config.auth_configs ?? {});
    const [accounts, authConfigs] = await Promise.all([
      store.sessions.candidateAccounts(projectId, config.user_id, pinIds, []),
      store.sessions.authConfigsByIds(
        projectId,
        overrides.map(([, id]) => id),
      ),
    ]);
    const pins = checkSessionPins(config, accounts);
    if (pins.multipleShared) throw resolutionApiError(pins.multipleShared);
    const problems: string[] = [];
    for (const [toolkit, id] of overrides) {
      const ac = authConfigs.find((a) => a.id === id && !a.deleted_at);
      if (!ac) problems.push(`auth_configs.${toolkit}: auth config ${id} not found`);
      else if (ac.toolkit_slug !== toolkit) problems.push(`auth_configs.${toolkit}: auth config ${id} is for toolkit ${ac.toolkit_slug}`);
      else if (!forToolRouter(ac))
        problems.push(`auth_configs.${toolkit}: auth config ${id} is not enabled for the tool router (is_enabled_for_tool_router: false)`);
    }
    problems.push(...pins.problems);
    if (problems.length) {
      throw new ApiError(
        'SessionConfigInvalid',
        problems.length === 1 ? `Invalid session config: ${problems[0]}` : `Invalid session config: ${problems.length} problems`,
        {
          errors: problems,
          suggestedFix:
            "Use this project's auth configs of the right toolkit, and pin accounts the session user may use: their own PRIVATE accounts, or SHARED ones whose ACL lets them in",
        },
      );
    }
  }

  /** Loads the rows resolution needs for `toolkits` (all of the user's when undefined) and resolves each. */
  async function resolveMany(projectId: string, row: SessionRow, config: SessionConfig, toolkits: string[] | undefined, selectedAccountId?: string) {
    const pinIds = toolkits ? toolkits.flatMap((t) => config.connected_accounts?.[t] ?? []) : Object.values(config.connected_accounts ?? {}).flat();
    const accounts = await store.sessions.candidateAccounts(
      projectId,
      config.user_id,
      uniq([...pinIds, ...(selectedAccountId ? [selectedAccountId] : [])]),
      toolkits,
    );
    // An auth config kept from the tool router makes its accounts unusable by sessions, as a disabled one does.
    const authConfigs = (await store.sessions.authConfigsByIds(projectId, uniq(accounts.map((a) => a.auth_config_id)))).filter(forToolRouter);
    const resolveOne = (toolkit: string) => resolveAccount<AccountRow>({ config, toolkit, accounts, authConfigs, selectedAccountId, sessionId: row.id });
    return { resolveOne, authConfigs, accounts };
  }

  async function usableAccount(projectId: string, row: SessionRow, toolkit: string, selectedAccountId?: string): Promise<AccountRow> {
    knownToolkit(toolkit);
    const config = JSON.parse(row.config) as SessionConfig;
    const { resolveOne } = await resolveMany(projectId, row, config, [toolkit], selectedAccountId);
    const r = resolveOne(toolkit);
    if (!r.ok) throw resolutionApiError(r.error);
    return r.account;
  }

  async function singleAuthConfig(projectId: string, toolkit: string): Promise<string> {
    const listed = await store.authConfigs.list({ projectId, toolkitSlug: toolkit, showDisabled: false, limit: 50 });
    const page = { ...listed, items: listed.items.filter(forToolRouter) };
    if (page.items.length === 1) return page.items[0].id;
    if (!page.items.length) {
      const hidden = listed.items.length ? ` the tool router may use (is_enabled_for_tool_router is false on ${listed.items.map((a) => a.id).join(', ')})` : '';
      throw new ApiError('SessionNoAuthConfig', `This project has no enabled auth config for toolkit ${toolkit}${hidden}`, {
        suggestedFix: `Create one with POST /api/v3.1/auth_configs (toolkit.slug ${toolkit}), or enable one with PATCH /api/v3.1/auth_configs/{id}/ENABLED`,
      });
    }
    throw new ApiError(
      'SessionAuthConfigAmbiguous',
      `This project has ${page.items.length}${page.nextCursor ? '+' : ''} enabled auth configs for toolkit ${toolkit}; the session must say which one to use`,
      {
        errors: page.items.map((a) => `auth_configs.${toolkit}: may be ${a.id} (${a.name})`),
        suggestedFix: `Set auth_configs.${toolkit} in the session with PATCH /api/v3.1/tool_router/session/{id}`,
      },
    );
  }

  function item(t: ToolkitDef, enabled: boolean, r: ReturnType<typeof resolveAccount<AccountRow>>, authConfigs: AuthConfigRow[]): SessionToolkitItem {
    let connected: SessionToolkitItem['connected_account'] = null;
    let error: SessionToolkitItem['error'] = null;
    if (r.ok) {
      const a = r.account;
      const ac = authConfigs.find((c) => c.id === a.auth_config_id)!;
      connected = {
        id: a.id,
        user_id: a.user_id,
        alias: a.alias,
        account_type: a.account_type as AccountType,
        status: a.status,
        created_at: a.created_at,
        auth_config: { id: ac.id, auth_scheme: ac.auth_scheme, is_composio_managed: ac.is_composio_managed === 1 },
      };
    } else if (r.error.kind !== 'no_account') {
      const e: ResolutionError = r.error;
      const api = resolutionApiError(e);
      error = { message: e.message, code: api.code, slug: api.slug, ...(e.errors?.length ? { errors: e.errors } : {}) };
    }
    return {
      name: t.name,
      slug: t.slug,
      enabled,
      is_no_auth: t.auth_schemes.every((s) => s.mode === 'NO_AUTH'),
      composio_managed_auth_schemes: deps.managedAuth[t.slug] ? t.auth_schemes.filter((s) => s.mode === 'OAUTH2').map((s) => s.mode) : [],
      meta: { logo: t.logo ?? '', description: t.description },
      connected_account: connected,
      error,
    };
  }

  return {
    async create(projectId: string, input: SessionCreateInput): Promise<SessionView> {
      const userId = normalizeUserId(input.user_id);
      if (!userId) throw invalid(['user_id: must not be empty']);
      const config = applyInput({ user_id: userId, preload: { tools: [] }, search: {}, execute: {} }, input);
      await validate(projectId, config);
      const ts = deps.now().toISOString();
      const row: SessionRow = {
        id: newId('trs'),
        project_id: projectId,
        user_id: userId,
        config: JSON.stringify(config),
        config_version: 1,
        created_at: ts,
        updated_at: ts,
      };
      await store.sessions.insert(row);
      return view(row);
    },

    async get(projectId: string, id: string): Promise<SessionView> {
      return view(await getRow(projectId, id));
    },

    /**
     * Replaces the fields the body carries (null clears one). With
     * config_version, a stale base is a 409; without it the change is applied
     * to whatever version is current, retried if another PATCH wins the race.
     */
    async patch(projectId: string, id: string, input: SessionPatchInput): Promise<SessionView> {
      for (let attempt = 0; ; attempt++) {
        const row = await getRow(projectId, id);
        const base = input.config_version ?? row.config_version;
        const stale = () =>
          new ApiError('SessionConfigConflict', `Tool router session ${id} is at config_version ${row.config_version}, not ${base}`, {
            suggestedFix: `GET /api/v3.1/tool_router/session/${id}, reapply your change and send config_version ${row.config_version}`,
          });
        if (row.config_version !== base) throw stale();
        const current = JSON.parse(row.config) as SessionConfig;
        if (input.user_id !== undefined && normalizeUserId(input.user_id) !== current.user_id)
          throw invalid(['user_id: cannot be changed; create a new session for another user']);
        const next = applyInput(current, input);
        await validate(projectId, next);
        const updated = await store.sessions.updateConfig(projectId, id, base, JSON.stringify(next), deps.now().toISOString());
        if (updated) return view(updated);
        if (input.config_version !== undefined || attempt >= 4) {
          const latest = await getRow(projectId, id);
          throw new ApiError(
            'SessionConfigConflict',
            `Tool router session ${id} was changed concurrently; it is now at config_version ${latest.config_version}`,
            {
              suggestedFix: `GET /api/v3.1/tool_router/session/${id}, reapply your change and send config_version ${latest.config_version}`,
            },
          );
        }
      }
    },

    async toolkits(projectId: string, id: string, q: ToolkitsQuery) {
      const row = await getRow(projectId, id);
      const config = JSON.parse(row.config) as SessionConfig;
      let defs: ToolkitDef[];
      if (q.toolkits?.length) {
        defs = uniq(
          q.toolkits
            .flatMap((s) => s.split(','))
            .map(slug)
            .filter(Boolean),
        ).map((s) => {
          const t = catalog.get(s);
          if (!t)
            throw new ApiError('ToolkitUnknown', `Unknown toolkit ${s}`, {
              errors: [`toolkits: no toolkit named ${s}`],
              suggestedFix: 'List toolkits with GET /api/v3.1/toolkits',
            });
          return t;
        });
      } else {
        const t = config.toolkits;
        defs =
          t && 'enabled' in t
            ? t.enabled.map((s) => catalog.get(s)).filter((d): d is ToolkitDef => !!d)
            : catalog.list().filter((d) => toolkitEnabled(config, d.slug));
      }
      const term = q.search?.trim().toLowerCase();
      if (term) defs = defs.filter((d) => [d.slug, d.name, d.description].some((s) => s.toLowerCase().includes(term)));
      const { resolveOne, authConfigs } = await resolveMany(projectId, row, config, undefined);
      let items = defs.map((d) => item(d, toolkitEnabled(config, d.slug), resolveOne(d.slug), authConfigs));
      if (q.is_connected !== undefined) items = items.filter((i) => (i.connected_account !== null) === q.is_connected);

      return pageOf(items, q.limit, q.cursor);
    },

    /** A link for the session's user, with the session's auth config choice and callback URL as defaults. */
    async link(projectId: string, id: string, input: SessionLinkInput): Promise<LinkResult> {
      const row = await getRow(projectId, id);
      const config = JSON.parse(row.config) as SessionConfig;
      const toolkit = slug(input.toolkit);
      knownToolkit(toolkit);
      if (!toolkitEnabled(config, toolkit)) {
        const r = resolveAccount({ config, toolkit, accounts: [], authConfigs: [], sessionId: id });
        if (!r.ok) throw resolutionApiError(r.error);
      }
      const authConfigId = config.auth_configs?.[toolkit] ?? (await singleAuthConfig(projectId, toolkit));
      return deps.links.create(projectId, {
        authConfigId,
        userId: config.user_id,
        alias: input.alias,
        callbackUrl: input.callback_url ?? config.manage_connections?.callback_url,
        experimental: input.experimental,
      });
    },

    /** The account the session resolves for the toolkit, then the proxy with it. */
    async proxyExecute(projectId: string, id: string, input: SessionProxyInput): Promise<{ result: ProxyResult; connectedAccountId: string }> {
      const row = await getRow(projectId, id);
      const account = await usableAccount(projectId, row, slug(input.toolkit), input.connectedAccountId);
      const result = await deps.proxy.execute(projectId, {
        connectedAccountId: account.id,
        endpoint: input.endpoint,
        method: input.method,
        body: input.body,
        binaryBody: input.binaryBody,
        parameters: input.parameters,
      });
      return { result, connectedAccountId: account.id };
    },

    /** The session's config (tool listing, search and execution filter with it). */
    async config(projectId: string, id: string): Promise<SessionConfig> {
      return JSON.parse((await getRow(projectId, id)).config) as SessionConfig;
    },

    /**
     * The account the session uses for a toolkit (resolveAccount's rules) and
     * its auth config. `account` chooses among the usable ones, by id or alias.
     */
    async accountFor(projectId: string, id: string, toolkit: string, account?: string): Promise<{ account: AccountRow; authConfig: AuthConfigRow }> {
      const row = await getRow(projectId, id);
      knownToolkit(toolkit);
      const config = JSON.parse(row.config) as SessionConfig;
      const { accounts, authConfigs } = await resolveMany(projectId, row, config, [toolkit], account);
      let selectedAccountId = account;
      if (account !== undefined && !accounts.some((a) => a.id === account)) {
        const byAlias = accounts.filter((a) => a.toolkit_slug === toolkit && a.alias === account);
        if (byAlias.length === 1) selectedAccountId = byAlias[0].id;
      }
      const r = resolveAccount<AccountRow>({ config, toolkit, accounts, authConfigs, selectedAccountId, sessionId: row.id });
      if (!r.ok) throw resolutionApiError(r.error);
      return { account: r.account, authConfig: authConfigs.find((c) => c.id === r.account.auth_config_id)! };
    },

    /** Deletes the session: every route of it answers 404 afterwards. */
    async remove(projectId: string, id: string): Promise<void> {
      if (!(await store.sessions.delete(projectId, id))) await getRow(projectId, id);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
