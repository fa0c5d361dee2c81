// An in-process read cache in front of the rows nearly every request reads
// and that change rarely: projects (settings), auth configs, and a project's
// enabled webhook endpoints (looked up inside every state change's
// transaction). A read costs one query instead of three; a link creation four
// instead of seven (docs/benchmarks.md).
//
// Freshness: a write made through this store drops the entry at once (and
// again after its transaction commits), and is announced (Store.announce) so
// that every other process drops it when the announcement arrives: at once on
// PostgreSQL through LISTEN/NOTIFY (invalidation.ts). While that channel is
// down, another process's write is seen within `ttlMs` (README, "several
// processes"). Revoking an API key is announced here too; the API key
// service's cache listens for it. Cached values are deep-frozen: they are
// shared between requests.
import { deepFreeze } from '../json-dir.ts';
import type { Store } from './store.ts';
import type { InvalidationHub } from './invalidation.ts';

export interface ReadCacheOptions {
  ttlMs: number;
  maxEntries?: number;
  /** Announcements from every process (this one included); absent = this process's writes only. */
  hub?: InvalidationHub;
}

class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  // Bumped by every invalidation: a read that overlapped a write must not
  // store what it read, which may be the row from before the write.
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  fresh(key: string): V | undefined {
    const hit = this.entries.get(key);
    return hit && hit.until > performance.now() ? hit.value : undefined;
  }

  async load(key: string, read: () => Promise<V | undefined>, store = true): Promise<V | undefined> {
    const hit = this.fresh(key);
    if (hit !== undefined) return hit;
    const generation = this.generation;
    const value = deepFreeze(await read());
    if (store && value !== undefined && this.ttlMs > 0 && generation === this.generation) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { value, until: performance.now() + this.ttlMs });
    }
    return value;
  }

  invalidate(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}

type Cached = {
  projects: Awaited<ReturnType<Store['projects']['get']>>;
  authConfigs: Awaited<ReturnType<Store['authConfigs']['getAny']>>;
  endpoints: Awaited<ReturnType<Store['webhooks']['enabledEndpoints']>>;
};
type Caches = { [K in keyof Cached]: TtlCache<Cached[K]> };

/**
 * `inner` with cached reads. Inside a transaction a cached (committed) value
 * is still used, a miss is read through the transaction but not stored, and a
 * key the transaction wrote is always read through it.
 */
export function withReadCache(inner: Store, opts: ReadCacheOptions): Store {
  const max = opts.maxEntries ?? 10_000;
  const caches: Caches = { projects: new TtlCache(opts.ttlMs, max), authConfigs: new TtlCache(opts.ttlMs, max), endpoints: new TtlCache(opts.ttlMs, max) };
  opts.hub?.subscribe({
    changed(topic, key) {
      if (topic !== 'apiKeys') caches[topic].invalidate(key);
    },
    flush() {
      for (const c of Object.values(caches)) c.clear();
    },
  });
  return wrap(inner, caches, undefined);
}

function wrap(inner: Store, caches: Caches, written: Set<string> | undefined): Store {
  const inTx = written !== undefined;
  // A write drops its key once it is done, also when it failed (it may have
  // reached the database before the error).
  const write = async <T>(cache: keyof Caches, key: string, run: () => Promise<T>): Promise<T> => {
    try {
      const result = await run();
      await inner.announce(cache, key);
      return result;
    } finally {
      caches[cache].invalidate(key);
      written?.add(`${cache}:${key}`);
    }
  };
  const load = <K extends keyof Caches>(cache: K, key: string, read: () => Promise<Cached[K]>): Promise<Cached[K] | undefined> =>
    written?.has(`${cache}:${key}`) ? read() : (caches[cache] as TtlCache<Cached[K]>).load(key, read, !inTx);

  const { projects, authConfigs, webhooks, apiKeys, sessions } = inner;
  // One entry per auth config serves both getAny() and get() (live only).
  const getAny: Store['authConfigs']['getAny'] = (projectId, id) => load('authConfigs', `${projectId}/${id}`, () => authConfigs.getAny(projectId, id));
  return {
    ...inner,
    apiKeys: {
      ...apiKeys,
      async revoke(id, now) {
        const row = await apiKeys.revoke(id, now);
        if (row) await inner.announce('apiKeys', id);
        return row;
      },
    },
    projects: {
      ...projects,
      get: (id) => load('projects', id, () => projects.get(id)),
      insert: (p) => write('projects', p.id, () => projects.insert(p)),
      updateSettings: (id, settings, now) => write('projects', id, () => projects.updateSettings(id, settings, now)),
    },
    authConfigs: {
      ...authConfigs,
      getAny,
      async get(projectId, id) {
        const row = await getAny(projectId, id);
        return row && row.deleted_at === null ? row : undefined;
      },
      insert: (row) => write('authConfigs', `${row.project_id}/${row.id}`, () => authConfigs.insert(row)),
      update: (projectId, id, patch) => write('authConfigs', `${projectId}/${id}`, () => authConfigs.update(projectId, id, patch)),
    },
    sessions: {
      ...sessions,
      // A tool call's and a session's auth configs come from the same entries (was a query per call).
      async authConfigsByIds(projectId, ids) {
        const rows = await Promise.all(ids.map((id) => getAny(projectId, id)));
        return rows.filter((r) => r !== undefined);
      },
    },
    webhooks: {
      ...webhooks,
      enabledEndpoints: (projectId) => load('endpoints', projectId, () => webhooks.enabledEndpoints(projectId)) as ReturnType<typeof webhooks.enabledEndpoints>,
      insertEndpoint: (row) => write('endpoints', row.project_id, () => webhooks.insertEndpoint(row)),
      insertEndpointWithin: (row, max) => write('endpoints', row.project_id, () => webhooks.insertEndpointWithin(row, max)),
      updateEndpoint: (projectId, id, patch) => write('endpoints', projectId, () => webhooks.updateEndpoint(projectId, id, patch)),
    },
    async transaction(fn) {
      const txWritten = new Set<string>();
      try {
        return await inner.transaction((tx) => fn(wrap(tx, caches, txWritten)));
      } finally {
        // Committed (or rolled back) now: drop what the transaction wrote once
        // more, in case a concurrent read cached the row from before it.
        for (const k of txWritten) {
          const at = k.indexOf(':');
          caches[k.slice(0, at) as keyof Caches].invalidate(k.slice(at + 1));
        }
      }
    },
  };
}
