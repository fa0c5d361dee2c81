// The meta tools' definitions as an agent sees them (MCP tools/list): name,
// description and JSON Schema of the arguments. Names and argument names are
// Composio's (docs.composio.dev/reference/meta-tools), so prompts written for
// Composio's tool router carry over; arguments authlink has no use for
// (session_id, current_step, the workbench switch...) are accepted and ignored.
import type { MetaToolSlug } from '../services/router-tools.ts';

export interface MetaToolDef {
  name: MetaToolSlug;
  title: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, object>; required?: string[]; additionalProperties: false };
  annotations: { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean };
}

const ignored = (what: string) => ({ type: 'string', maxLength: 500, description: `${what} Accepted for compatibility; authlink does not use it.` });
const SESSION_ID = ignored('The session id a previous COMPOSIO_SEARCH_TOOLS answer gave.');

export const META_TOOL_DEFS: Record<MetaToolSlug, MetaToolDef> = {
  COMPOSIO_SEARCH_TOOLS: {
    name: 'COMPOSIO_SEARCH_TOOLS',
    title: 'Search tools',
    description:
      'Find the tools for a task among the toolkits this session offers. Call it first for any task that touches an external app. ' +
      'Give one query per atomic action (name the app in each). The answer lists, per query, primary_tool_slugs and related_tool_slugs; ' +
      'tool_schemas with the input schema of each; toolkit_connection_statuses saying whether the user has a usable connection for each toolkit ' +
      '(call COMPOSIO_MANAGE_CONNECTIONS for one that has none); and the current time.',
    inputSchema: {
      type: 'object',
      properties: {
        queries: {
          type: 'array',
          minItems: 1,
          maxItems: 20,
          description: 'The tasks to find tools for, one action each.',
          items: {
            type: 'object',
            properties: {
              use_case: { type: 'string', minLength: 1, maxLength: 1024, description: 'The action and its outcome in plain English, naming the app.' },
              known_fields: { type: 'string', maxLength: 500, description: 'Known inputs as "key:value, key:value" (ids, names), if any.' },
            },
            required: ['use_case'],
            additionalProperties: false,
          },
        },
        session: {
          type: 'object',
          properties: { id: { type: 'string', maxLength: 200 }, generate_id: { type: 'boolean' } },
          additionalProperties: false,
          description: 'Workflow correlation. Accepted for compatibility; authlink answers with this session.',
        },
        model: ignored('The calling model.'),
      },
      required: ['queries'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  COMPOSIO_GET_TOOL_SCHEMAS: {
    name: 'COMPOSIO_GET_TOOL_SCHEMAS',
    title: 'Get tool schemas',
    description:
      'The full input schema (and, if asked, the output schema) of tools whose slugs you know, to build valid arguments before running them. ' +
      'Only tools this session offers are found; other slugs are listed in not_found.',
    inputSchema: {
      type: 'object',
      properties: {
        tool_slugs: {
          type: 'array',
          minItems: 1,
          maxItems: 100,
          items: { type: 'string', minLength: 1, maxLength: 128 },
          description: 'Tool slugs returned by COMPOSIO_SEARCH_TOOLS.',
        },
        include: {
          type: 'array',
          items: { type: 'string', enum: ['input_schema', 'output_schema'] },
          description: 'Which schemas to return (default: input_schema).',
        },
        session_id: SESSION_ID,
      },
      required: ['tool_slugs'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  COMPOSIO_MANAGE_CONNECTIONS: {
    name: 'COMPOSIO_MANAGE_CONNECTIONS',
    title: 'Manage connections',
    description:
      'Check whether the user has a usable connection for each toolkit and, for one that has none, create a connection link. ' +
      'Show each redirect_url to the user as a link and wait until they say they are done; then call this again to check before running the tools. ' +
      'reinitiate_all makes new links even for connected toolkits (when credentials seem stale).',
    inputSchema: {
      type: 'object',
      properties: {
        toolkits: {
          type: 'array',
          minItems: 1,
          maxItems: 50,
          items: { type: 'string', minLength: 1, maxLength: 100 },
          description: 'Toolkit slugs (e.g. "github") as COMPOSIO_SEARCH_TOOLS returned them.',
        },
        reinitiate_all: { type: 'boolean', description: 'Create new links even for toolkits that are connected. Default false.' },
        session_id: SESSION_ID,
      },
      required: ['toolkits'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  COMPOSIO_MULTI_EXECUTE_TOOL: {
    name: 'COMPOSIO_MULTI_EXECUTE_TOOL',
    title: 'Run tools',
    description:
      'Run up to 50 tools at once with the user’s connected accounts; put only independent calls together. ' +
      'Each call needs the exact tool_slug and arguments matching its input schema (COMPOSIO_SEARCH_TOOLS or COMPOSIO_GET_TOOL_SCHEMAS). ' +
      'results keeps the order of the calls; one failed call does not stop the others. A call whose toolkit is not connected fails with a link to connect it.',
    inputSchema: {
      type: 'object',
      properties: {
        tools: {
          type: 'array',
          minItems: 1,
          maxItems: 50,
          description: 'The calls to make.',
          items: {
            type: 'object',
            properties: {
              tool_slug: { type: 'string', minLength: 1, maxLength: 128, description: 'A tool slug from COMPOSIO_SEARCH_TOOLS.' },
              arguments: { type: 'object', description: "The tool's arguments, exactly as its input schema says." },
              account: {
                type: 'string',
                minLength: 1,
                maxLength: 200,
                description: 'A connected account id or alias, when the user has several for the toolkit.',
              },
            },
            required: ['tool_slug'],
            additionalProperties: false,
          },
        },
        thought: ignored('One sentence on why these calls.'),
        sync_response_to_workbench: { type: 'boolean', description: 'Accepted for compatibility; authlink has no workbench and answers inline.' },
        current_step: ignored('The workflow step.'),
        current_step_metric: ignored('Progress of the step.'),
        session_id: SESSION_ID,
      },
      required: ['tools'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  },
};
