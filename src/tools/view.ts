// A catalog tool as Composio's v3.1 Tool object (the @composio/client type
// the SDKs parse): slug, name, description, toolkit, both schemas, scopes,
// tags (the file's own plus the MCP hint tags), version fields and the
// deprecation block.
import type { ToolkitDef } from '../toolkits/types.ts';
import { hintTags } from './access.ts';
import type { LoadedTool } from './catalog.ts';
import type { JsonSchema } from './types.ts';

/**
 * authlink keeps one version of each tool: the loaded catalog. A version the
 * caller asks for (Composio's SDK sends its configured toolkit version, or
 * "latest") is accepted and this one is used.
 */
export const TOOL_VERSION = '00000000_00';

export interface ToolView {
  slug: string;
  name: string;
  description: string;
  toolkit: { slug: string; name: string; logo: string };
  input_parameters: JsonSchema;
  output_parameters: JsonSchema;
  no_auth: boolean;
  available_versions: string[];
  version: string;
  scopes: string[];
  scope_requirements: { all_of: string[] } | null;
  tags: string[];
  is_deprecated: boolean;
  deprecated: { displayName: string; version: string; available_versions: string[]; is_deprecated: boolean; toolkit: { logo: string } };
}

export function toolView(tool: LoadedTool, toolkit: ToolkitDef | undefined): ToolView {
  const d = tool.def;
  const logo = toolkit?.logo ?? '';
  const deprecated = d.deprecated === true;
  return {
    slug: d.slug,
    name: d.name,
    description: d.description,
    toolkit: { slug: tool.toolkit, name: toolkit?.name ?? tool.toolkit, logo },
    input_parameters: d.input_parameters,
    output_parameters: d.output_parameters,
    no_auth: !!toolkit && toolkit.auth_schemes.every((s) => s.mode === 'NO_AUTH'),
    available_versions: [TOOL_VERSION],
    version: TOOL_VERSION,
    scopes: [...d.scopes],
    scope_requirements: { all_of: [...d.scopes] },
    tags: [...d.tags, ...hintTags(tool)],
    is_deprecated: deprecated,
    deprecated: { displayName: d.name, version: TOOL_VERSION, available_versions: [TOOL_VERSION], is_deprecated: deprecated, toolkit: { logo } },
  };
}
