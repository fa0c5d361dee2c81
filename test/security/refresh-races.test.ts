// Issue #20, finding 2: a refresh racing a delete or a revoke. The provider is
// held mid-refresh (its token endpoint waits) while the account is deleted or
// revoked; afterwards the dead row must hold no new tokens, and whatever the
// provider issued during the race must no longer work there.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { connectOAuth, startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';
import { openCredentials } from '../../src/services/account-view.ts';
import { ApiError } from '../../src/errors.ts';

forEachBackend('refresh racing delete and revoke', (backend) => {
  let w: OAuthWorld;
  before(async () => {
    w = await startOAuthWorld(backend, { op: { rotateRefreshTokens: true } });
  });
  after(() => w.close());

  const raw = (id: string) => w.t.runtime.database.db.selectFrom('connected_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /** A refresh grant sent straight to the provider: does this refresh token still work there? */
  async function refreshTokenWorks(refreshToken: string): Promise<boolean> {
    const res = await fetch(w.op.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(w.op.clientId)}:${encodeURIComponent(w.op.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    const body = (await res.json()) as { error?: string };
    if (res.status === 200) return true;
    assert.equal(body.error, 'invalid_grant');
    return false;
  }

  test('deleted while the provider answers: the dead row gets no tokens, the new refresh token is revoked', async () => {
    const id = await connectOAuth(w, 'race-delete');
    const hold = w.op.holdNextToken();
    const refreshing = w.t.app.services.accounts.refresh(w.t.projectId, id).then(
      () => undefined,
      (e: unknown) => e,
    );
    await hold.arrived;
    const del = await api(w.t).delete(`/api/v3.1/connected_accounts/${id}`);
    assert.equal(del.status, 200);
    const issuedBefore = w.op.issued.length;
    const revocations = w.op.counts.revocation;
    hold.release();
    const outcome = await refreshing;
    assert.ok(outcome instanceof ApiError, 'the refresh reports that the account went away');
    assert.equal(outcome.key, 'ConnectedAccountNotFound');
    const row = await raw(id);
    assert.ok(row.deleted_at);
    assert.equal(row.credentials_enc, null, 'no tokens written into the deleted row');
    assert.equal(row.refresh_lock_owner, null, 'the lease is released');
    assert.equal(w.op.issued.length, issuedBefore + 1, 'the provider did issue new tokens');
    assert.equal(w.op.counts.revocation - revocations, 1, 'and authlink revoked them');
    const fresh = w.op.issued[w.op.issued.length - 1];
    assert.ok(fresh.refresh_token);
    assert.equal(await refreshTokenWorks(fresh.refresh_token), false, 'the refresh token issued during the race no longer works');
  });

  test('revoked while a refresh is in flight: the revoke waits, then revokes the newest tokens; nothing is written after REVOKED', async () => {
    const id = await connectOAuth(w, 'race-revoke');
    const hold = w.op.holdNextToken();
    const refreshing = w.t.app.services.accounts.refresh(w.t.projectId, id);
    await hold.arrived;
    let revokeDone = false;
    const revoking = api(w.t)
      .post(`/api/v3.1/connected_accounts/${id}/revoke`, {})
      .then((r) => {
        revokeDone = true;
        return r;
      });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(revokeDone, false, 'the revoke waits for the refresh in flight');
    hold.release();
    const refreshed = await refreshing;
    const newest = openCredentials(w.t.runtime.keyRing, refreshed).refresh_token as string;
    const res = await revoking;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'REVOKED');
    const row = await raw(id);
    assert.equal(row.status, 'REVOKED');
    assert.equal(row.credentials_enc, null);
    assert.equal(row.refresh_lock_owner, null);
    assert.equal(await refreshTokenWorks(newest), false, 'the token the refresh stored is the one revoked');
  });

  test('the lease and the final write are conditional on a live ACTIVE account', async () => {
    const id = await connectOAuth(w, 'race-store');
    const s = w.t.runtime.store;
    const now = new Date().toISOString();
    const until = new Date(Date.now() + 30_000).toISOString();
    const leased = await s.accounts.acquireRefreshLease(w.t.projectId, id, 'proc_a', now, until);
    assert.ok(leased);
    await s.accounts.update(w.t.projectId, id, { status: 'REVOKED', credentials_enc: null, updated_at: now });
    assert.equal(
      await s.accounts.finishRefresh(w.t.projectId, id, 'proc_a', { credentials_enc: 'v1:x', updated_at: now }),
      undefined,
      'no write into a REVOKED row',
    );
    assert.equal((await raw(id)).credentials_enc, null);
    await s.accounts.releaseRefreshLease(w.t.projectId, id, 'proc_a');
    assert.equal((await raw(id)).refresh_lock_owner, null);
    assert.equal(await s.accounts.acquireRefreshLease(w.t.projectId, id, 'proc_b', now, until), undefined, 'a REVOKED account is not leased');
  });
});
