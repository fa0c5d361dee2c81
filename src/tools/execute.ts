// Running one tool with one connected account: the arguments are checked
// against input_parameters, the request is built (request.ts), and it goes
// through the proxy exactly like POST /tools/execute/proxy (same SSRF guard,
// credential apply rules, refresh-and-retry on 401, deadline and size cap,
// last_used_at). What the provider answers becomes the result (response.ts):
// a provider error is `successful: false`, never an error of authlink; so is
// a transport failure (timeout, refused target, too large). Bad arguments are
// a 400 before anything is sent.
import type { ErrorObject } from 'ajv/dist/2020.js';
import { ApiError } from '../errors.ts';
import { newId } from '../crypto/tokens.ts';
import { ProxyError } from '../proxy/errors.ts';
import type { Proxy } from '../proxy/execute.ts';
import type { ProxyInput, UsableAccount } from '../proxy/types.ts';
import { BuilderError } from './builders.ts';
import type { LoadedTool, ToolCatalog } from './catalog.ts';
import { type Args, type BuiltRequest, buildRequest, ToolRequestError } from './request.ts';
import { toolOutcome } from './response.ts';
import type { Json } from './types.ts';

/** The body of POST /tools/execute/{slug} (Composio's shape). */
export interface ToolResult {
  data: { [key: string]: Json };
  error: string | null;
  successful: boolean;
  log_id: string;
}

// Proxy failures that mean "the provider could not be reached or answered
// unusably": a result of the tool, not an error of the request.
const TRANSPORT_KINDS = new Set(['target', 'upstream', 'timeout', 'tooLarge']);

/** "arguments.a[0].b" from Ajv's "/a/0/b". */
function argumentPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : `${acc}.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`), 'arguments');
}

/** One readable line per Ajv error (all of them: the validator runs with allErrors). */
export function argumentProblems(errors: ErrorObject[] | null | undefined, slug: string): string[] {
  const out = new Set<string>();
  for (const e of errors ?? []) {
    const p = e.params as Record<string, unknown>;
    if (e.keyword === 'required') out.add(`${argumentPath(e.instancePath, String(p.missingProperty))}: is required`);
    else if (e.keyword === 'additionalProperties')
      out.add(`${argumentPath(e.instancePath, String(p.additionalProperty))}: is not ${e.instancePath ? 'allowed here' : `an argument of ${slug}`}`);
    else if (e.keyword === 'enum')
      out.add(`${argumentPath(e.instancePath)}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
    else if (e.keyword === 'if') continue;
    else out.add(`${argumentPath(e.instancePath)}: ${e.message ?? e.keyword}`);
  }
  return [...out];
}

function invalidArguments(tool: LoadedTool, problems: string[]): ApiError {
  return new ApiError(
    'ToolArgumentsInvalid',
    `Invalid arguments for ${tool.def.slug}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
    { errors: problems, suggestedFix: `Read the tool's input_parameters with GET /api/v3.1/tools/${tool.def.slug}` },
  );
}

/**
 * Checks the arguments and builds the request; throws a 400 listing every
 * problem (nothing has been sent). Call before choosing an account: a bad
 * call fails the same way whoever makes it.
 */
export function prepareRequest(catalog: ToolCatalog, tool: LoadedTool, args: unknown): BuiltRequest {
  let validate: ReturnType<ToolCatalog['argumentsValidator']>;
  try {
    validate = catalog.argumentsValidator(tool);
  } catch (e) {
    // Only an operator's file can get here: the built-in schemas are compiled by the tests.
    throw new ApiError('ToolDefinitionInvalid', `Tool ${tool.def.slug} has an input_parameters schema that does not compile: ${(e as Error).message}`, {
      suggestedFix: `Fix ${tool.file}`,
    });
  }
  if (!validate(args)) throw invalidArguments(tool, argumentProblems(validate.errors, tool.def.slug));
  try {
    return buildRequest(tool.def, args as Args);
  } catch (e) {
    if (e instanceof ToolRequestError) throw invalidArguments(tool, [`arguments.${e.argument}: ${e.message.replace(`${e.argument}: `, '')}`]);
    if (e instanceof BuilderError) throw invalidArguments(tool, [`arguments: ${e.message}`]);
    throw e;
  }
}

/** The built request as a proxy call: path under the base path, query and headers as parameters, the body as text with its content type. */
export function proxyInput(built: BuiltRequest, connectedAccountId: string, account?: UsableAccount): ProxyInput {
  const parameters: ProxyInput['parameters'] = [
    ...built.query.map(([name, value]) => ({ name, type: 'query' as const, value })),
    ...built.headers.map(([name, value]) => ({ name, type: 'header' as const, value })),
  ];
  if (built.body && !built.headers.some(([name]) => name.toLowerCase() === 'content-type')) {
    parameters.push({ name: 'content-type', type: 'header', value: built.body.contentType });
  }
  return {
    connectedAccountId,
    ...(account ? { account } : {}),
    endpoint: built.path,
    method: built.method,
    body: built.body?.text,
    parameters,
    joinUnderBase: true,
  };
}

export function newLogId(): string {
  return newId('log');
}

/** Sends a prepared request with the account and turns the answer (or the transport failure) into the result. */
export async function sendTool(
  proxy: Pick<Proxy, 'execute'>,
  projectId: string,
  tool: LoadedTool,
  built: BuiltRequest,
  account: UsableAccount,
  logId = newLogId(),
): Promise<ToolResult> {
  let answer: Awaited<ReturnType<Proxy['execute']>>;
  try {
    answer = await proxy.execute(projectId, proxyInput(built, account.accountId, account));
  } catch (e) {
    if (e instanceof ProxyError && TRANSPORT_KINDS.has(e.kind)) {
      return { data: { error_code: e.slug }, error: e.message, successful: false, log_id: logId };
    }
    // The request itself could not be made from these arguments (a "." path value, a line break in a header...).
    if (e instanceof ProxyError) throw invalidArguments(tool, [`arguments: ${e.message}`]);
    throw e;
  }
  // A binary answer (a file, an image): the tool's data is where to download it, as the proxy gives it.
  const outcome = answer.binary_data
    ? toolOutcome(undefined, answer.status, { binary_data: answer.binary_data })
    : toolOutcome(tool.def.response, answer.status, answer.data);
  return { ...outcome, log_id: logId };
}
