// A meta tool as a tool object of the v3.1 API (GET …/session/{id}/tools,
// which @composio/core's session.tools() wraps for an agent's native tool
// calling): Composio's tool router hands agents the meta tools, not every tool
// of every toolkit; the session's own tools are found with COMPOSIO_SEARCH_TOOLS.
import { TOOL_VERSION, type ToolView } from '../tools/view.ts';
import type { MetaToolDef } from './meta-defs.ts';

export function metaToolView(def: MetaToolDef): ToolView {
  return {
    slug: def.name,
    name: def.title,
    description: def.description,
    toolkit: { slug: 'composio', name: 'Composio', logo: '' },
    input_parameters: def.inputSchema as unknown as ToolView['input_parameters'],
    output_parameters: { type: 'object', description: "The meta tool's answer (see docs/agents.md)" },
    no_auth: true,
    available_versions: [TOOL_VERSION],
    version: TOOL_VERSION,
    scopes: [],
    scope_requirements: null,
    // The MCP annotation names are the hint tags, as on every tool.
    tags: (Object.keys(def.annotations) as Array<keyof MetaToolDef['annotations']>).filter((hint) => def.annotations[hint]),
    is_deprecated: false,
    deprecated: { displayName: def.title, version: TOOL_VERSION, available_versions: [TOOL_VERSION], is_deprecated: false, toolkit: { logo: '' } },
  };
}
