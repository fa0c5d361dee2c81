import type { Kysely } from 'kysely';

// Issue #15: webhooks speak Composio's V3 format. No column changes; the data
// already stored is rewritten so that nothing sent after the upgrade, retries
// and redeliveries of older events included, is in the old shape:
// - a subscription's event types get the `composio.` prefix ("*" stays);
// - each stored event becomes a V3 payload: `type` prefixed, `project_id`
//   and the event's own context (error, refresh, link_session) in `metadata`,
//   `data` the account as the API shows it (the snapshot the event held, with
//   the auth config's facts and the account's public connection fields as
//   they are now: the old payload did not carry them).
// Signing secrets are untouched: any secret string is a valid key for the new
// signature scheme (docs/webhooks.md, "Upgrading").
// Self-contained on purpose: a migration must not change when app code does.

const PREFIX = 'composio.';
const BATCH = 500;

type Json = Record<string, any>;

function toV3(old: Json, account: Json | undefined, auth: Json | undefined): Json {
  const { connected_account: ca = {}, ...extra } = (old.data ?? {}) as Json;
  const scheme = auth?.auth_scheme ?? 'OAUTH2';
  const val: Json = { ...(account ? JSON.parse(account.data) : {}), status: ca.status };
  if (scheme === 'OAUTH2' && account?.credentials_enc && account.granted_scopes) val.scope = JSON.parse(account.granted_scopes);
  const acl = account?.acl ? JSON.parse(account.acl) : undefined;
  return {
    id: old.id,
    timestamp: old.timestamp,
    type: PREFIX + old.type,
    metadata: { project_id: old.project_id, org_id: old.project_id, ...extra },
    data: {
      id: ca.id,
      alias: ca.alias ?? null,
      word_id: ca.word_id,
      user_id: ca.user_id,
      status: ca.status,
      status_reason: ca.status_reason ?? null,
      is_disabled: ca.is_disabled === true,
      created_at: ca.created_at,
      updated_at: ca.updated_at,
      toolkit: { slug: ca.toolkit?.slug },
      auth_config: {
        id: ca.auth_config?.id,
        auth_scheme: scheme,
        is_composio_managed: Number(auth?.is_composio_managed) === 1,
        is_disabled: auth?.status !== 'ENABLED',
      },
      state: { authScheme: scheme, val },
      data: val,
      params: {},
      test_request_endpoint: '',
      experimental: { account_type: ca.account_type, ...(acl ? { acl_config_for_shared: acl } : {}) },
    },
  };
}

function toOld(v3: Json): Json {
  const { project_id, org_id: _org, ...extra } = (v3.metadata ?? {}) as Json;
  const d = (v3.data ?? {}) as Json;
  const type = String(v3.type).startsWith(PREFIX) ? String(v3.type).slice(PREFIX.length) : v3.type;
  return {
    id: v3.id,
    type,
    timestamp: v3.timestamp,
    project_id,
    data: {
      connected_account: {
        id: d.id,
        user_id: d.user_id,
        alias: d.alias,
        word_id: d.word_id,
        status: d.status,
        status_reason: d.status_reason,
        is_disabled: d.is_disabled,
        toolkit: { slug: d.toolkit?.slug },
        auth_config: { id: d.auth_config?.id },
        account_type: d.experimental?.account_type,
        created_at: d.created_at,
        updated_at: d.updated_at,
      },
      ...extra,
    },
  };
}

async function rewriteEndpoints(db: Kysely<any>, map: (type: string) => string): Promise<void> {
  const rows = await db.selectFrom('webhook_endpoints').select(['id', 'events']).execute();
  for (const r of rows) {
    const events = JSON.stringify((JSON.parse(r.events) as string[]).map(map));
    if (events !== r.events) await db.updateTable('webhook_endpoints').set({ events }).where('id', '=', r.id).execute();
  }
}

/** Rewrites every event matching `pending` in batches, in id order (keyset), once each. */
async function rewriteEvents(
  db: Kysely<any>,
  pending: 'old' | 'v3',
  convert: (payload: Json, account: Json | undefined, auth: Json | undefined) => Json,
): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('webhook_events')
      .select(['id', 'project_id', 'type', 'payload'])
      .where('type', pending === 'old' ? 'not like' : 'like', `${PREFIX}%`)
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (!rows.length) return;
    after = rows[rows.length - 1].id;
    const parsed = rows.map((r) => {
      try {
        return JSON.parse(r.payload) as Json;
      } catch {
        return undefined;
      }
    });
    const accountIds = [...new Set(parsed.map((p) => p?.data?.connected_account?.id ?? p?.data?.id).filter((x): x is string => typeof x === 'string'))];
    const accounts = accountIds.length
      ? await db
          .selectFrom('connected_accounts')
          .select(['id', 'auth_config_id', 'data', 'granted_scopes', 'acl', 'credentials_enc'])
          .where('id', 'in', accountIds)
          .execute()
      : [];
    const authIds = [...new Set(accounts.map((a) => a.auth_config_id as string))];
    const auths = authIds.length
      ? await db.selectFrom('auth_configs').select(['id', 'auth_scheme', 'is_composio_managed', 'status']).where('id', 'in', authIds).execute()
      : [];
    const accountOf = new Map(accounts.map((a) => [a.id as string, a]));
    const authOf = new Map(auths.map((a) => [a.id as string, a]));
    for (const [i, r] of rows.entries()) {
      const p = parsed[i];
      const type = pending === 'old' ? PREFIX + r.type : String(r.type).slice(PREFIX.length);
      if (!p) {
        // Not JSON (never written by authlink): only the type moves, so the batch query does not see it again.
        await db.updateTable('webhook_events').set({ type }).where('id', '=', r.id).execute();
        continue;
      }
      const account = accountOf.get(p.data?.connected_account?.id ?? p.data?.id);
      const payload = JSON.stringify(convert(p, account, account && authOf.get(account.auth_config_id)));
      await db.updateTable('webhook_events').set({ type, payload }).where('id', '=', r.id).execute();
    }
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  await rewriteEndpoints(db, (t) => (t === '*' || t.startsWith(PREFIX) ? t : PREFIX + t));
  await rewriteEvents(db, 'old', toV3);
}

export async function down(db: Kysely<any>): Promise<void> {
  await rewriteEndpoints(db, (t) => (t.startsWith(PREFIX) ? t.slice(PREFIX.length) : t));
  await rewriteEvents(db, 'v3', (p) => toOld(p));
}
