// COMPOSIO_MULTI_EXECUTE_TOOL (and a preloaded tool called directly): each
// call runs like POST …/session/{id}/execute (ToolService.sessionExecute: the
// session's filters, the account the session resolves, the auth config's tool
// access), a few at a time. One failed call never fails the others; results
// keep the order of the calls. A call whose toolkit has no connection gets a
// link to make one, when the session allows links (one link per toolkit per
// request, however many calls need it).
import { ApiError } from '../errors.ts';
import type { SessionConfig } from '../services/sessions.ts';
import { type ConnectionDeps, connectionLink, type LinkAttempt, toolkitName } from './connections.ts';
import type { CallContext, MetaResult } from './meta-tools.ts';

export interface ToolCall {
  tool_slug: string;
  arguments?: Record<string, unknown>;
  account?: string;
}

/** Calls in flight at once for one request: enough to overlap provider latency, few enough not to flood one provider. */
export const CONCURRENCY = 4;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function runOne(
  deps: ConnectionDeps,
  projectId: string,
  sessionId: string,
  config: SessionConfig,
  call: ToolCall,
  links: Map<string, Promise<LinkAttempt>>,
  ctx: CallContext,
): Promise<MetaResult> {
  try {
    const r = await deps.tools.sessionExecute(projectId, sessionId, { toolSlug: call.tool_slug, arguments: call.arguments, account: call.account }, ctx.logId);
    return { successful: r.successful, data: r.data, error: r.error };
  } catch (e) {
    if (!(e instanceof ApiError)) {
      ctx.onUnexpected?.(e);
      return { successful: false, data: {}, error: `Internal error running ${call.tool_slug}; report request id ${ctx.logId}` };
    }
    const data: Record<string, unknown> = { error_code: e.slug, ...(e.options.errors?.length ? { errors: e.options.errors } : {}) };
    if (e.key !== 'SessionNoConnectedAccount') return { successful: false, data, error: e.message };
    // The tool was found and allowed: only the connection is missing.
    const toolkit = deps.tools.find(call.tool_slug).toolkit;
    let attempt = links.get(toolkit);
    if (!attempt) {
      attempt = connectionLink(deps, projectId, sessionId, config, toolkit);
      links.set(toolkit, attempt);
    }
    const got = await attempt;
    const name = toolkitName(deps, toolkit);
    if (!got.ok) return { successful: false, data, error: `${e.message}. ${got.message}` };
    return {
      successful: false,
      data: { ...data, toolkit, redirect_url: got.link.redirect_url, expires_at: got.link.expires_at },
      error: `Connect ${name} first: ${got.link.redirect_url} — show the user this link (valid until ${got.link.expires_at}); when they say they are done, run the call again.`,
    };
  }
}

export async function runTools(
  deps: ConnectionDeps,
  projectId: string,
  sessionId: string,
  config: SessionConfig,
  calls: readonly ToolCall[],
  ctx: CallContext,
): Promise<MetaResult> {
  const links = new Map<string, Promise<LinkAttempt>>();
  const outcomes = await mapLimit(calls, CONCURRENCY, (call) => runOne(deps, projectId, sessionId, config, call, links, ctx));
  const results = outcomes.map((o, index) => ({
    index,
    tool_slug: calls[index].tool_slug.trim().toUpperCase(),
    response: { successful: o.successful, data: o.data, error: o.error },
    ...(o.error ? { error: o.error } : {}),
  }));
  const failed = results.filter((r) => !r.response.successful);
  const shown = failed.slice(0, 5).map((r) => `${r.tool_slug}: ${r.response.error}`);
  return {
    data: { results, total_count: results.length, success_count: results.length - failed.length, error_count: failed.length },
    error: failed.length ? `${failed.length} of ${results.length} tool calls failed: ${shown.join('; ')}${failed.length > shown.length ? '; …' : ''}` : null,
    successful: failed.length === 0,
  };
}
