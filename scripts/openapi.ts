// Builds the OpenAPI document from the route schemas (shared by the writer
// script and the drift test).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../src/config.ts';
import { startRuntime } from '../src/bootstrap.ts';
import { createApp } from '../src/app.ts';

export const OPENAPI_FILE = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'docs', 'openapi.json');

export async function generateOpenApi(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-openapi-'));
  const config = parseConfig({ AUTHLINK_DATA_DIR: dir, AUTHLINK_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent' });
  const runtime = await startRuntime(config);
  try {
    const app = await createApp({ config, store: runtime.store, keyRing: runtime.keyRing, catalog: runtime.catalog, tools: runtime.tools });
    await app.ready();
    const doc = JSON.stringify(app.swagger(), null, 2) + '\n';
    await app.close();
    return doc;
  } finally {
    await runtime.database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
