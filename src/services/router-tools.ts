// The meta tools a tool-router session offers an agent (its
// `tool_router_tools`), named as Composio names them so agent prompts carry
// over. The tools themselves are src/mcp/meta-tools.ts; this is only which of
// them a session config turns on, kept here so the session service can list
// them without depending on the MCP layer.

export const META_TOOL_SLUGS = ['COMPOSIO_SEARCH_TOOLS', 'COMPOSIO_GET_TOOL_SCHEMAS', 'COMPOSIO_MANAGE_CONNECTIONS', 'COMPOSIO_MULTI_EXECUTE_TOOL'] as const;
export type MetaToolSlug = (typeof META_TOOL_SLUGS)[number];

/** Composio's meta tools authlink does not have (no remote sandbox, no recipes, no long polling). */
export const UNSUPPORTED_META_TOOLS: Readonly<Record<string, string>> = {
  COMPOSIO_REMOTE_WORKBENCH: 'authlink has no remote sandbox',
  COMPOSIO_REMOTE_BASH_TOOL: 'authlink has no remote sandbox',
  COMPOSIO_WAIT_FOR_CONNECTIONS: 'authlink does not hold a request open while a user connects; call COMPOSIO_MANAGE_CONNECTIONS again to check',
  COMPOSIO_UPSERT_RECIPE: 'authlink has no recipes',
  COMPOSIO_GET_RECIPE: 'authlink has no recipes',
};

/** The parts of a session config that switch meta tools off. */
export interface RouterToolsConfig {
  search?: { enable?: boolean };
  execute?: { enable_multi_execute?: boolean };
}

/** The session's meta tools: all four, less search when `search.enable` is false and multi-execute when `execute.enable_multi_execute` is false. */
export function routerToolSlugs(config: RouterToolsConfig): MetaToolSlug[] {
  return META_TOOL_SLUGS.filter(
    (s) =>
      !(s === 'COMPOSIO_SEARCH_TOOLS' && config.search?.enable === false) &&
      !(s === 'COMPOSIO_MULTI_EXECUTE_TOOL' && config.execute?.enable_multi_execute === false),
  );
}

/** Whether a tool slug names one of Composio's meta tools, ours or not (POST …/execute sends them to the meta tools). */
export function isMetaToolSlug(slug: string): boolean {
  const s = slug.trim().toUpperCase();
  return (META_TOOL_SLUGS as readonly string[]).includes(s) || s in UNSUPPORTED_META_TOOLS;
}
