// Who may run which tool, beyond the account rules: an auth config's
// tool_access_config (and its older spelling restrict_to_following_tools), and
// a tool-router session's tools / tags filters. Pure functions.
import type { AuthConfigRow } from '../store/auth-configs.ts';
import { toolkitEnabled, type ResolutionConfig } from '../services/account-resolution.ts';
import type { LoadedTool } from './catalog.ts';

export const HINT_TAGS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;
export type HintTag = (typeof HINT_TAGS)[number];

/** The MCP hint tags a tool carries, from its hints. */
export function hintTags(tool: LoadedTool): HintTag[] {
  const h = tool.def.hints;
  const out: HintTag[] = [];
  if (h.read_only) out.push('readOnlyHint');
  if (h.destructive) out.push('destructiveHint');
  if (h.idempotent) out.push('idempotentHint');
  if (h.open_world) out.push('openWorldHint');
  return out;
}

/** An auth config's stored tool_access_config (Composio's field names). */
export interface ToolAccessConfig {
  /** Only these tools may run with the config's accounts; absent or empty = all. */
  tools_available_for_execution?: string[];
  /** Tools whose scopes an OAuth config asks for when accounts connect. */
  tools_for_connected_account_creation?: string[];
}

export function toolAccessOf(row: Pick<AuthConfigRow, 'tool_access'>): ToolAccessConfig {
  return row.tool_access ? (JSON.parse(row.tool_access) as ToolAccessConfig) : {};
}

/** Whether the auth config lets its accounts run the tool (slugs compare case-insensitively). */
export function authConfigAllows(row: Pick<AuthConfigRow, 'tool_access'>, slug: string): boolean {
  const allowed = toolAccessOf(row).tools_available_for_execution;
  return !allowed?.length || allowed.some((s) => s.toUpperCase() === slug.toUpperCase());
}

interface TagFilter {
  enabled?: string[];
  disabled?: string[];
}
/** The parts of a session config the tool filters read (sessions.ts has the full type). */
export interface SessionToolFilters extends Pick<ResolutionConfig, 'toolkits'> {
  tools?: Record<string, { enabled: string[] } | { disabled: string[] } | { tags: TagFilter }>;
  tags?: TagFilter;
}

function tagsAllow(filter: TagFilter, tags: readonly string[]): boolean {
  if (filter.enabled?.length && !filter.enabled.some((t) => tags.includes(t))) return false;
  return !filter.disabled?.some((t) => tags.includes(t));
}

/**
 * Composio's rules: the toolkit must be enabled; a per-toolkit enable/disable
 * list decides alone (it takes precedence over tags); a per-toolkit tag filter
 * replaces the session's global one; the global filter wants at least one of
 * its enabled tags and none of its disabled ones.
 */
export function sessionAllowsTool(config: SessionToolFilters, tool: LoadedTool): boolean {
  if (!toolkitEnabled(config, tool.toolkit)) return false;
  const slug = tool.def.slug.toUpperCase();
  const perToolkit = config.tools?.[tool.toolkit];
  if (perToolkit && 'enabled' in perToolkit) return perToolkit.enabled.some((s) => s.toUpperCase() === slug);
  if (perToolkit && 'disabled' in perToolkit) return !perToolkit.disabled.some((s) => s.toUpperCase() === slug);
  const filter = perToolkit && 'tags' in perToolkit ? perToolkit.tags : config.tags;
  return filter ? tagsAllow(filter, hintTags(tool)) : true;
}

/** tool_access_config and restrict_to_following_tools as a request carries them. */
export interface ToolAccessInput {
  tool_access_config?: ToolAccessConfig;
  restrict_to_following_tools?: string[];
}

/**
 * The stored form of a request's tool access fields on top of the current
 * ones (a field given replaces it, an empty list lifts the restriction), or a
 * list of problems: restrict_to_following_tools is the older spelling of
 * tools_available_for_execution (the two must agree when both are given), and
 * every slug must be a tool of the auth config's toolkit.
 */
export function mergeToolAccess(
  current: ToolAccessConfig,
  input: ToolAccessInput,
  toolkit: string,
  known: (slug: string) => { toolkit: string } | undefined,
): { access: ToolAccessConfig; problems: string[] } {
  const problems: string[] = [];
  const norm = (list: string[], field: string) => {
    const out = [...new Set(list.map((s) => s.trim().toUpperCase()).filter(Boolean))];
    for (const [i, slug] of out.entries()) {
      const t = known(slug);
      if (!t) problems.push(`${field}[${i}]: no tool ${slug}`);
      else if (t.toolkit !== toolkit) problems.push(`${field}[${i}]: ${slug} is a ${t.toolkit} tool, not ${toolkit}`);
    }
    return out;
  };
  const next: ToolAccessConfig = { ...current };
  const viaConfig = input.tool_access_config?.tools_available_for_execution;
  const viaOld = input.restrict_to_following_tools;
  if (viaConfig !== undefined && viaOld !== undefined) {
    const a = norm(viaConfig, 'tool_access_config.tools_available_for_execution');
    const b = new Set(norm(viaOld, 'restrict_to_following_tools'));
    if (a.length !== b.size || a.some((s) => !b.has(s)))
      problems.push('restrict_to_following_tools: differs from tool_access_config.tools_available_for_execution (give one of them)');
    next.tools_available_for_execution = a;
  } else if (viaConfig !== undefined) next.tools_available_for_execution = norm(viaConfig, 'tool_access_config.tools_available_for_execution');
  else if (viaOld !== undefined) next.tools_available_for_execution = norm(viaOld, 'restrict_to_following_tools');
  const creation = input.tool_access_config?.tools_for_connected_account_creation;
  if (creation !== undefined) next.tools_for_connected_account_creation = norm(creation, 'tool_access_config.tools_for_connected_account_creation');
  for (const key of ['tools_available_for_execution', 'tools_for_connected_account_creation'] as const) if (!next[key]?.length) delete next[key];
  return { access: next, problems };
}

/** The stored column for an access config: null when it restricts nothing. */
export function toolAccessColumn(access: ToolAccessConfig): string | null {
  return Object.keys(access).length ? JSON.stringify(access) : null;
}
