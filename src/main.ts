// The `authlink` command. The only place that reads process.env (passed in by
// bin/authlink.js) and listens.
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from './config.ts';
import { CatalogError } from './toolkits/catalog.ts';
import { ToolCatalogError } from './tools/catalog.ts';
import { startRuntime } from './bootstrap.ts';
import { serve } from './cli/serve.ts';
import { projectsCommand, keysCommand, migrateCommand, auditCommand, type Output } from './cli/admin.ts';
import { encryptionCommand } from './cli/encryption.ts';
import { toolkitsCommand } from './cli/toolkits.ts';

const USAGE = `authlink <command> [options]   (every command takes --json)

  serve                                   start the HTTP service
  migrate                                 apply database migrations
  projects create --name N                create a project and its first API key
  projects list
  projects settings --project ID [--link-ttl SECONDS] [--allow-reveal true|false]
                    [--verify-callback-identity true|false]
  projects callbacks list|add|remove --project ID [--url URL]
  keys create --project ID [--name N]     create an API key (shown once)
  keys list --project ID
  keys revoke KEY_ID
  audit list --project ID                 the project's audit log (credential reveals, settings changes)
  encryption status                       values per encryption key
  encryption rotate [--batch-size N]      re-encrypt everything under the active key (resumable)
  toolkits check [DIR]                    every problem of a toolkit directory (default: the built-ins);
                                          exit 1 when there are any; needs no database or configuration`;

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      name: { type: 'string' },
      project: { type: 'string' },
      url: { type: 'string' },
      'link-ttl': { type: 'string' },
      'allow-reveal': { type: 'string' },
      'verify-callback-identity': { type: 'string' },
      'batch-size': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: false,
  });
  const json = values.json === true;
  const out: Output = {
    result(obj, human) {
      process.stdout.write(json ? JSON.stringify(obj) + '\n' : human + '\n');
    },
    fail(message) {
      if (json) process.stdout.write(JSON.stringify({ error: { message } }) + '\n');
      else process.stderr.write(`authlink: ${message}\n`);
      return 1;
    },
  };
  const [command, ...rest] = positionals;
  if (!command || values.help) {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 1;
  }
  // Reads files only: no configuration, no database.
  if (command === 'toolkits') return toolkitsCommand(rest, out);
  try {
    const config = parseConfig(env);
    if (command === 'serve') return await serve(config, { json });
    const runtime = await startRuntime(config, { migrate: true });
    try {
      const opts = values as Record<string, string | boolean | undefined>;
      switch (command) {
        case 'migrate':
          return migrateCommand(runtime, out);
        case 'projects':
          return await projectsCommand(runtime, rest, opts, out);
        case 'keys':
          return await keysCommand(runtime, rest, opts, out);
        case 'audit':
          return await auditCommand(runtime, rest, opts, out);
        case 'encryption':
          return await encryptionCommand(runtime, rest, opts, out);
        default:
          return out.fail(`unknown command ${command}\n${USAGE}`);
      }
    } finally {
      await runtime.database.close();
    }
  } catch (e) {
    if (e instanceof ConfigError || e instanceof CatalogError || e instanceof ToolCatalogError) return out.fail(e.message);
    return out.fail(`${(e as Error).message}`);
  }
}
