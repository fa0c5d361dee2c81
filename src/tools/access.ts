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
