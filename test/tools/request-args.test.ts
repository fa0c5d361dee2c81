// src/tools/request.ts: building a request never changes the caller's
// arguments, even when a dotted body field writes into an object argument
// (Linear's `filter` plus shortcut filters, Jira's `extra_fields`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRequest } from '../../src/tools/request.ts';
import type { ToolDef } from '../../src/tools/types.ts';

test('dotted fields merge into an object argument without mutating it', () => {
  const tool: Pick<ToolDef, 'request'> = {
    request: {
      method: 'POST',
      path: '/graphql',
      body: { encoding: 'json', fields: { 'variables.filter': 'filter', 'variables.filter.state.name.eq': 'state' } },
    },
  };
  const args = { filter: { team: { key: { eq: 'ENG' } } }, state: 'Todo' };
  const before = structuredClone(args);
  const built = buildRequest(tool, args);
  assert.deepEqual(built.body?.value, { variables: { filter: { team: { key: { eq: 'ENG' } }, state: { name: { eq: 'Todo' } } } } });
  assert.deepEqual(args, before, 'the arguments are untouched');
  const again = buildRequest(tool, args);
  assert.deepEqual(again.body?.value, built.body?.value, 'building twice gives the same request');
});
