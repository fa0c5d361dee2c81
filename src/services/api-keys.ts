// Project API key checks. A verified key is cached in this process for
// `cacheSeconds` so the hot path costs no database round trip; revoking a key
// through this process drops it from the cache at once. A revocation anywhere
// else (another process, the CLI) is announced by the store and arrives
// through `hub` (PostgreSQL LISTEN/NOTIFY, store/invalidation.ts); while that
// channel is down, other processes notice within `cacheSeconds` (README).
import { hashSecret, newId, newSecret } from '../crypto/tokens.ts';
import type { Store } from '../store/store.ts';
import type { ApiKeyRecord } from '../store/api-keys.ts';
import type { InvalidationHub } from '../store/invalidation.ts';

export interface Principal {
  projectId: string;
  apiKeyId: string;
}

export interface ApiKeyService {
  authenticate(presented: string | undefined): Promise<Principal | undefined>;
  create(projectId: string, name: string, now: Date): Promise<{ record: ApiKeyRecord; apiKey: string }>;
  revoke(keyId: string, now: Date): Promise<ApiKeyRecord | undefined>;
  /** Stops listening to the hub (the app closes). */
  close(): void;
}

/** A new key and the row that stores only its hash. The key itself is shown once. */
export function mintApiKey(projectId: string, name: string, now: Date): { record: ApiKeyRecord; apiKey: string } {
  const apiKey = newSecret('ak');
  const record: ApiKeyRecord = {
    id: newId('key'),
    project_id: projectId,
    key_hash: hashSecret(apiKey),
    key_prefix: apiKey.slice(0, 7),
    name,
    created_at: now.toISOString(),
    revoked_at: null,
  };
  return { record, apiKey };
}

const KEY_SHAPE = /^ak_[A-Za-z0-9_-]{20,64}$/;

export function createApiKeyService(store: Store, opts: { cacheSeconds: number; now: () => Date; hub?: InvalidationHub }): ApiKeyService {
  const cache = new Map<string, { principal: Principal; until: number }>();
  const MAX_CACHE = 10_000;
  // Bumped before and after every revoke()'s write, and by every revocation
  // announced by another process, see authenticate().
  let revocations = 0;
  const forget = (keyId: string) => {
    for (const [hash, entry] of cache) if (entry.principal.apiKeyId === keyId) cache.delete(hash);
  };
  const unsubscribe = opts.hub?.subscribe({
    changed(topic, keyId) {
      if (topic !== 'apiKeys') return;
      revocations++;
      forget(keyId);
    },
    flush() {
      revocations++;
      cache.clear();
    },
  });

  return {
    async authenticate(presented) {
      if (!presented || !KEY_SHAPE.test(presented)) return undefined;
      // Looking up by hash means the comparison is on a digest of the secret,
      // so its timing says nothing about the key itself.
      const hash = hashSecret(presented);
      const nowMs = opts.now().getTime();
      const hit = cache.get(hash);
      if (hit && hit.until > nowMs) return hit.principal;
      // A lookup that read its row before a revocation finished must not use
      // or cache it: read again until no revoke() ran meanwhile (revokes are rare).
      let generation: number;
      let row: ApiKeyRecord | undefined;
      do {
        generation = revocations;
        row = await store.apiKeys.findLiveByHash(hash);
      } while (generation !== revocations);
      if (!row) {
        cache.delete(hash);
        return undefined;
      }
      const principal = { projectId: row.project_id, apiKeyId: row.id };
      if (opts.cacheSeconds > 0) {
        if (cache.size >= MAX_CACHE) cache.delete(cache.keys().next().value!);
        cache.set(hash, { principal, until: nowMs + opts.cacheSeconds * 1000 });
      }
      return principal;
    },
    async create(projectId, name, now) {
      const minted = mintApiKey(projectId, name, now);
      await store.apiKeys.insert(minted.record);
      return minted;
    },
    async revoke(keyId, now) {
      revocations++;
      let row: ApiKeyRecord | undefined;
      try {
        row = await store.apiKeys.revoke(keyId, now.toISOString());
      } finally {
        revocations++;
      }
      forget(keyId);
      return row;
    },
    close() {
      unsubscribe?.();
    },
  };
}
