// Issue #13: the tool catalog loader (built-in files + AUTHLINK_TOOLS_DIR),
// validated at start-up with every problem named by file and JSON pointer.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config.ts';
import { loadCatalog } from '../../src/toolkits/catalog.ts';
import { BUILTIN_TOOLS_DIR, loadToolCatalog, ToolCatalogError } from '../../src/tools/catalog.ts';
import type { ToolDef } from '../../src/tools/types.ts';

const toolkits = loadCatalog();
const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'authlink-tools-'));
after(() => rmSync(tmpRoot, { recursive: true, force: true }));
let dirs = 0;

/** A fresh directory holding the given files (strings verbatim, anything else as JSON). */
function dirWith(files: Record<string, unknown>): string {
  const dir = path.join(tmpRoot, String(dirs++));
  mkdirSync(dir);
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  return dir;
}

/** A small valid GitHub tool. */
function tool(over: Record<string, unknown> = {}): Record<string, any> {
  return {
    slug: 'GITHUB_GET_A_THING',
    name: 'Get a thing',
    description: 'Gets a thing of a repository, for tests.',
    docs_url: 'https://docs.github.com/rest',
    tags: ['things'],
    hints: { read_only: true, destructive: false, idempotent: true, open_world: false },
    scopes: ['repo'],
    input_parameters: {
      type: 'object',
      properties: { owner: { type: 'string', description: 'Owner login' }, per_page: { type: 'integer', minimum: 1, maximum: 100, description: 'Page size' } },
      required: ['owner'],
      additionalProperties: false,
    },
    output_parameters: { type: 'object', properties: { id: { type: 'integer', description: 'Id' } } },
    request: { method: 'GET', path: '/things/{{owner}}', query: { per_page: 'per_page' } },
    examples: [{ arguments: { owner: 'octocat' }, request: { method: 'GET', path: '/things/octocat' }, response: { status: 200, body: { id: 1 } } }],
    ...over,
  };
}
const file = (tools: unknown[], toolkit = 'github') => ({ toolkit, tools });

function problemsFor(files: Record<string, unknown>): string[] {
  const dir = dirWith(files);
  try {
    loadToolCatalog({ toolkits, extraDir: dir });
  } catch (e) {
    assert.ok(e instanceof ToolCatalogError, String(e));
    for (const p of e.problems) assert.ok(e.message.includes(p), 'the message lists every problem');
    return e.problems.map((p) => p.replace(dir + path.sep, ''));
  }
  assert.fail('expected a ToolCatalogError');
}

test('every built-in tool file is valid, named after its toolkit, and the catalog finds each tool', () => {
  const catalog = loadToolCatalog({ toolkits });
  const files = readdirSync(BUILTIN_TOOLS_DIR).filter((f) => f.endsWith('.json'));
  assert.ok(files.includes('github.json'));
  let count = 0;
  for (const f of files) {
    const raw = JSON.parse(readFileSync(path.join(BUILTIN_TOOLS_DIR, f), 'utf8'));
    assert.equal(`${raw.toolkit}.json`, f);
    assert.equal(raw.$schema, '../../../docs/tool.schema.json', f);
    for (const t of raw.tools) {
      assert.equal(catalog.get(t.slug)?.toolkit, raw.toolkit, t.slug);
      count++;
    }
  }
  assert.equal(catalog.size, count);
  assert.ok(catalog.forToolkit('github').length >= 20, 'at least 20 GitHub tools');
});

test('every built-in argument and output schema passes the draft 2020-12 meta-schema (start-up skips this check for the shipped files)', () => {
  assert.doesNotThrow(() => loadToolCatalog({ toolkits, checkShippedSchemas: true }));
  // The check itself works on the shipped files' path: a copy with a broken schema is refused.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authlink-tools-meta-'));
  try {
    const github = JSON.parse(readFileSync(path.join(BUILTIN_TOOLS_DIR, 'github.json'), 'utf8'));
    github.tools[0].output_parameters = { type: 'objekt' };
    writeFileSync(path.join(dir, 'github.json'), JSON.stringify(github));
    assert.throws(() => loadToolCatalog({ toolkits, builtinDir: dir }), /output_parameters\/type: is not a valid JSON Schema/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('list() is sorted, get() ignores case, definitions are frozen', () => {
  const catalog = loadToolCatalog({ toolkits });
  const slugs = catalog.list().map((t) => t.def.slug);
  assert.deepEqual(slugs, [...slugs].sort());
  assert.equal(catalog.get('github_create_an_issue')?.def.slug, 'GITHUB_CREATE_AN_ISSUE');
  assert.equal(catalog.get('GITHUB_NOPE'), undefined);
  assert.throws(() => {
    (catalog.get('GITHUB_CREATE_AN_ISSUE')!.def as ToolDef).name = 'changed';
  }, TypeError);
});

test('argument validators are compiled on first use and kept', () => {
  const catalog = loadToolCatalog({ toolkits });
  const t = catalog.get('GITHUB_CREATE_AN_ISSUE')!;
  const v = catalog.argumentsValidator(t);
  assert.equal(catalog.argumentsValidator(t), v, 'the same compiled function');
  assert.equal(v({ owner: 'o', repo: 'r', title: 'x' }), true);
  assert.equal(v({ owner: 'o', repo: 'r', title: 1, extra: true }), false);
  assert.equal(v.errors?.length, 2, 'every problem, not the first one');
});

test('an operator directory adds tools and replaces a built-in with the same slug', () => {
  const builtins = loadToolCatalog({ toolkits });
  const replaced = { ...builtins.get('GITHUB_GET_AN_ISSUE')!.def, name: 'Get an issue (ours)' };
  const catalog = loadToolCatalog({
    toolkits,
    extraDir: dirWith({ 'mine.json': file([tool(), replaced]), 'README.txt': 'ignored', '.hidden.json': '{' }),
  });
  assert.equal(catalog.size, builtins.size + 1);
  assert.equal(catalog.get('GITHUB_GET_A_THING')?.file.endsWith('mine.json'), true);
  assert.equal(catalog.get('GITHUB_GET_AN_ISSUE')?.def.name, 'Get an issue (ours)');
  assert.equal(catalog.get('GITHUB_CREATE_AN_ISSUE')?.def.name, builtins.get('GITHUB_CREATE_AN_ISSUE')?.def.name);
});

test('problems are reported with the file and the JSON pointer, every one of them, across files', () => {
  const noDescription = tool({ slug: 'GITHUB_NO_DESCRIPTION' });
  delete noDescription.input_parameters.properties.owner.description;
  const problems = problemsFor({
    'a.json': file([tool({ slug: 'SLACK_WRONG_PREFIX' }), noDescription]),
    'b.json': file([tool({ request: { method: 'GET', path: '/x/{{repo}}', headers: { Authorization: { value: 'x' } } } })]),
    'c.json': '{"toolkit": ',
    'd.json': file([tool()], 'nosuchtoolkit'),
    'e.json': file([tool({ input_parameters: { type: 'object', properties: { owner: { type: 'strung', description: 'x' } }, additionalProperties: false } })]),
  });
  const has = (prefix: string) =>
    assert.ok(
      problems.some((p) => p.startsWith(prefix)),
      `${prefix}\n${problems.join('\n')}`,
    );
  has('a.json: /tools/0/slug: must start with GITHUB_');
  has('a.json: /tools/1/input_parameters/properties/owner/description: every argument needs a description');
  has('b.json: /tools/0/request/path: uses {{repo}}, which input_parameters does not declare');
  has("b.json: /tools/0/request/headers/Authorization: cannot be set by a tool: the toolkit's apply rules put credentials there");
  has('c.json: /: not valid JSON: ');
  has('d.json: /toolkit: no toolkit "nosuchtoolkit" in the toolkit catalog');
  has('e.json: /tools/0/input_parameters/properties/owner/type: is not a valid JSON Schema');
});

test('a slug defined twice in one directory is refused; a path argument must be required', () => {
  const optionalPath = tool({ slug: 'GITHUB_OPTIONAL_PATH' });
  optionalPath.input_parameters.required = [];
  const problems = problemsFor({ 'a.json': file([tool()]), 'b.json': file([tool(), optionalPath]) });
  assert.ok(
    problems.some((p) => /^b\.json: \/tools\/0\/slug: slug "GITHUB_GET_A_THING" is already defined by .*a\.json$/.test(p)),
    problems.join('\n'),
  );
  assert.ok(problems.includes('b.json: /tools/1/request/path: uses {{owner}}, which must be required (a path cannot leave it out)'), problems.join('\n'));
});

test('a missing operator directory is an error, not an empty catalog', () => {
  assert.throws(
    () => loadToolCatalog({ toolkits, extraDir: path.join(tmpRoot, 'does-not-exist') }),
    (e: unknown) => e instanceof ToolCatalogError && /does-not-exist: \/: cannot read tool directory \(ENOENT\)/.test(e.message),
  );
});

test('AUTHLINK_TOOLS_DIR is the operator directory', () => {
  assert.equal(parseConfig({ AUTHLINK_TOOLS_DIR: 'my-tools' }, '/srv').toolsDir, '/srv/my-tools');
  assert.equal(parseConfig({}).toolsDir, undefined);
});
