// COMPOSIO_MANAGE_CONNECTIONS, and the connection links the meta tools make.
//
// A link is always made by the session's own link route (SessionService.link:
// the session's auth config for the toolkit, its manage_connections
// callback_url, the project's link TTL) and always creates a PRIVATE account
// of the session's user. The sharing rules stay those of account resolution:
// a SHARED account is used only when the app pins it, so nothing here offers
// a link into anyone's SHARED account. A toolkit the app pinned accounts for
// never gets a link either: the session uses only its pins, so a new account
// would not be used; the agent is told to ask the app instead.
import { ApiError } from '../errors.ts';
import type { LinkResult } from '../services/links.ts';
import type { SessionConfig, SessionService, SessionToolkitItem } from '../services/sessions.ts';
import type { Catalog } from '../toolkits/catalog.ts';
import type { ToolService } from '../tools/service.ts';
import type { MetaResult } from './meta-tools.ts';

export interface ConnectionDeps {
  sessions: SessionService;
  tools: ToolService;
  catalog: Catalog;
}

export type LinkAttempt = { ok: true; link: LinkResult } | { ok: false; message: string };

export const toolkitName = (deps: Pick<ConnectionDeps, 'catalog'>, slug: string) => deps.catalog.get(slug)?.name ?? slug;

/** A link for the session's user to connect `toolkit`, or why none can be made (manage_connections switched off, no usable auth config...). */
export async function connectionLink(deps: ConnectionDeps, projectId: string, sessionId: string, config: SessionConfig, toolkit: string): Promise<LinkAttempt> {
  const name = toolkitName(deps, toolkit);
  if (config.manage_connections?.enabled === false) {
    return {
      ok: false,
      message: `This session does not create connection links (manage_connections is disabled): ask the app to connect ${name} for the user`,
    };
  }
  try {
    return { ok: true, link: await deps.sessions.link(projectId, sessionId, { toolkit }) };
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, message: `No ${name} connection link can be made: ${e.message}` };
    throw e;
  }
}

export function linkInstruction(name: string, link: LinkResult): string {
  return `Show the user this link to connect ${name}: ${link.redirect_url} (valid until ${link.expires_at}). When they say they are done, call COMPOSIO_MANAGE_CONNECTIONS again to check, then run the ${name} tools.`;
}

type ConnectionResult =
  | { toolkit: string; status: 'active'; connected_account_id?: string; account_type?: string; alias?: string | null; instruction: string }
  | { toolkit: string; status: 'initiated'; redirect_url: string; expires_at: string; instruction: string }
  | { toolkit: string; status: 'failed'; error: string };

const SELECTION_REQUIRED = 'ToolRouterV2_AccountSelectionRequired';

async function one(
  deps: ConnectionDeps,
  projectId: string,
  sessionId: string,
  config: SessionConfig,
  toolkit: string,
  item: SessionToolkitItem | undefined,
  reinitiate: boolean,
): Promise<ConnectionResult> {
  if (!item) return { toolkit, status: 'failed', error: `Unknown toolkit ${toolkit}: use a toolkit slug COMPOSIO_SEARCH_TOOLS returned` };
  const name = item.name;
  if (!item.enabled) return { toolkit, status: 'failed', error: `Toolkit ${name} is not enabled in this session` };
  const pinned = (config.connected_accounts?.[toolkit]?.length ?? 0) > 0;
  const a = item.connected_account;
  if (a && (!reinitiate || pinned)) {
    return {
      toolkit,
      status: 'active',
      connected_account_id: a.id,
      account_type: a.account_type,
      alias: a.alias,
      instruction: `Connected: run ${name} tools with COMPOSIO_MULTI_EXECUTE_TOOL.${reinitiate ? ' (The app pinned this account for the session, so it is not reconnected here.)' : ''}`,
    };
  }
  if (item.error?.slug === SELECTION_REQUIRED && !reinitiate) {
    return {
      toolkit,
      status: 'active',
      instruction: `The user has several ${name} accounts: pass "account" (an id or alias) with each ${name} call of COMPOSIO_MULTI_EXECUTE_TOOL. ${(item.error.errors ?? []).join('; ')}`,
    };
  }
  if (pinned) {
    return {
      toolkit,
      status: 'failed',
      error: `This session uses only the ${name} account the app chose for it, and it cannot be used${item.error ? `: ${item.error.message}` : ''}. A new connection would not be used: ask the app to reconnect ${name} for the user.`,
    };
  }
  if (item.error && item.error.slug !== SELECTION_REQUIRED) return { toolkit, status: 'failed', error: item.error.message };
  const attempt = await connectionLink(deps, projectId, sessionId, config, toolkit);
  if (!attempt.ok) return { toolkit, status: 'failed', error: attempt.message };
  return {
    toolkit,
    status: 'initiated',
    redirect_url: attempt.link.redirect_url,
    expires_at: attempt.link.expires_at,
    instruction: linkInstruction(name, attempt.link),
  };
}

/** Per toolkit: connected (and with which account), a new link for the user, or why neither. */
export async function manageConnections(
  deps: ConnectionDeps,
  projectId: string,
  sessionId: string,
  config: SessionConfig,
  args: { toolkits: string[]; reinitiate_all?: boolean },
): Promise<MetaResult> {
  const wanted = [...new Set(args.toolkits.map((s) => s.trim().toLowerCase()))];
  const known = wanted.filter((s) => deps.catalog.get(s));
  const items = known.length ? (await deps.sessions.toolkits(projectId, sessionId, { limit: known.length, toolkits: known })).items : [];
  const bySlug = new Map(items.map((i) => [i.slug, i]));
  const list = await Promise.all(wanted.map((t) => one(deps, projectId, sessionId, config, t, bySlug.get(t), args.reinitiate_all === true)));
  const count = (s: ConnectionResult['status']) => list.filter((r) => r.status === s).length;
  const summary = {
    total_toolkits: list.length,
    active_connections: count('active'),
    initiated_connections: count('initiated'),
    failed_connections: count('failed'),
  };
  const failed = list.filter((r): r is Extract<ConnectionResult, { status: 'failed' }> => r.status === 'failed');
  const message = failed.length
    ? `${failed.length} of ${list.length} toolkits cannot be connected here`
    : summary.initiated_connections
      ? 'Connection links created: show each redirect_url to the user and wait until they have connected'
      : 'Every toolkit is connected';
  return {
    data: {
      message,
      results: Object.fromEntries(list.map((r) => [r.toolkit, r])),
      summary,
      session: { id: sessionId, instructions: 'Run the tools with COMPOSIO_MULTI_EXECUTE_TOOL once their toolkits are connected.' },
    },
    error: failed.length ? failed.map((f) => `${f.toolkit}: ${f.error}`).join('; ') : null,
    successful: failed.length === 0,
  };
}
