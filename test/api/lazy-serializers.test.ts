// Issue #16 (start-up time): response serializers compile on first use
// (src/http/lazy-serializers.ts). Replies still follow their schemas, and every
// route's schemas compile: a broken one fails here, not on a user's request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp('sqlite');
});
after(() => t.close());

test('a reply compiles its serializer on first use and follows the response schema', async () => {
  const res = await api(t).get('/api/v3.1/toolkits/github');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.slug, 'github');
  // The error envelope is serialized through its schema too.
  const missing = await api(t).get('/api/v3.1/toolkits/no-such-toolkit');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.status, 404);
});

test('every other route schema compiles (once)', () => {
  const compiled = t.app.compileSerializers();
  assert.ok(compiled > 100, `expected the schemas of every route, compiled ${compiled}`);
  assert.equal(t.app.compileSerializers(), 0, 'nothing is compiled twice');
});
