// What the console's pages read and change, for one project (no HTTP types).
// Changes go through the same services as the API routes (accounts,
// apiKeys) and are written to the project's audit log with who made them.
// Credentials are shown only as the API masks them, never in clear, whatever
// the project's reveal setting.
import { ApiError } from '../errors.ts';
import { newId } from '../crypto/tokens.ts';
import { CursorError } from '../store/cursor.ts';
import type { Services } from '../services/index.ts';
import type { AccountStatus } from '../services/accounts.ts';
import type { Project } from '../store/projects.ts';
import type { ConsoleActor, ConsoleSessions } from './sessions.ts';
import type { AuthConfigRow } from '../store/auth-configs.ts';
import type { AccountRow } from '../store/accounts.ts';
import type { SessionConfig } from '../services/sessions.ts';
import { resolveAccount, toolkitEnabled } from '../services/account-resolution.ts';
import type { AuthScheme, ToolkitDef } from '../toolkits/types.ts';

/** Who acts, in which project, for which request: what an audit entry records. */
export interface ConsoleScope {
  actor: ConsoleActor;
  project: Project;
  requestId: string;
}

export interface AccountFilters {
  userId?: string;
  alias?: string;
  toolkit?: string;
  status?: AccountStatus;
  cursor?: string;
}

export const PAGE_SIZE = 25;

/** What the auth-config form posts, already read from the form (see config-routes.ts). */
export interface AuthConfigForm {
  toolkit: string;
  scheme: string;
  managed: boolean;
  name?: string;
  /** Creation field values by name; empty ones left out. */
  fields: Record<string, string>;
  scopes?: string;
}

/** Whether a scheme requests scopes (an OAuth access token or a service account's), so the console offers to edit them. */
export function schemeHasScopes(scheme: AuthScheme): boolean {
  return scheme.oauth2 !== undefined || scheme.service_account !== undefined;
}

/** Catalog search: every word of `q` in the toolkit's name, slug or a category (case-insensitive). */
export function searchToolkits(list: ToolkitDef[], q: string | undefined): ToolkitDef[] {
  const words = (q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return list;
  return list.filter((t) => {
    const hay = [t.name, t.slug, ...t.categories].join(' ').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

function notFound(what: string): ApiError {
  return new ApiError('NotFound', `${what} not found`);
}

export function createConsoleService(services: Services, sessions: ConsoleSessions) {
  const { store, accounts, apiKeys, authConfigs, catalog } = services;
  const subs = services.webhookSubscriptions;

  async function audit(scope: ConsoleScope, action: string, targetId: string, details: Record<string, unknown> = {}) {
    await store.audit.insert({
      id: newId('aud'),
      project_id: scope.project.id,
      api_key_id: scope.actor.kind === 'project' ? scope.actor.apiKeyId : null,
      action,
      target_id: targetId,
      request_id: scope.requestId,
      created_at: services.now().toISOString(),
      details: JSON.stringify({ via: 'console', by: scope.actor.kind === 'project' ? 'api_key' : 'operator', ...details }),
    });
  }

  /** The project a URL names, if this actor may see it; a project it may not see is not found (404, as an unknown one). */
  async function projectFor(actor: ConsoleActor, projectId: string): Promise<Project> {
    if (actor.kind === 'project' && actor.projectId !== projectId) throw notFound('Project');
    const project = await store.projects.get(projectId);
    if (!project) throw notFound('Project');
    return project;
  }

  async function accountView(projectId: string, id: string) {
    const row = await store.accounts.get(projectId, id);
    if (!row) throw notFound('Connected account');
    // view(), not get(): get() reveals secrets when the project allows it; the console never does.
    return accounts.view(row, await store.authConfigs.getAny(projectId, row.auth_config_id));
  }

  async function ownKey(projectId: string, keyId: string) {
    const key = await store.apiKeys.get(keyId);
    if (!key || key.project_id !== projectId) throw notFound('API key');
    return key;
  }

  return {
    projectFor,
    catalog,
    /** Whether the operator configured an OAuth app for this toolkit (a managed OAUTH2 config needs one). */
    managedAvailable: (slug: string) => services.managedAuth[slug] !== undefined,
    listProjects: () => store.projects.list(),

    async overview(projectId: string) {
      const now = services.now();
      const ago = (hours: number) => new Date(now.getTime() - hours * 3_600_000).toISOString();
      const reads = store.consoleReads;
      const [byStatus, authConfigs, failures, day, week, refreshing, dead] = await Promise.all([
        reads.accountsByStatus(projectId),
        reads.authConfigCount(projectId),
        reads.recentFailures(projectId, 10),
        reads.linkFunnel(projectId, ago(24), now.toISOString()),
        reads.linkFunnel(projectId, ago(24 * 7), now.toISOString()),
        reads.failingRefreshes(projectId, 10),
        reads.deadDeliveries(projectId, 5),
      ]);
      return { byStatus, authConfigs, failures, funnels: { day, week }, refreshing, dead };
    },

    async listAccounts(projectId: string, f: AccountFilters) {
      if (f.alias) {
        const rows = await store.consoleReads.accountsByAlias(projectId, { alias: f.alias, userId: f.userId, toolkit: f.toolkit, status: f.status }, PAGE_SIZE);
        const items = await Promise.all(rows.map(async (r) => accounts.view(r, await store.authConfigs.getAny(projectId, r.auth_config_id))));
        return { items, total: items.length, nextCursor: null };
      }
      return accounts.list({
        projectId,
        userIds: f.userId ? [f.userId] : undefined,
        toolkitSlugs: f.toolkit ? [f.toolkit] : undefined,
        statuses: f.status ? [f.status] : undefined,
        orderBy: 'created_at',
        direction: 'desc',
        cursor: f.cursor,
        limit: PAGE_SIZE,
      });
    },

    async account(projectId: string, id: string) {
      const view = await accountView(projectId, id);
      const [row, history, events] = await Promise.all([
        store.accounts.get(projectId, id),
        store.consoleReads.auditPage(projectId, { targetId: id, limit: 50 }),
        store.consoleReads.accountEvents(projectId, id, 50),
      ]);
      const list = (json: string | null | undefined) => (json ? (JSON.parse(json) as string[]) : null);
      const scopes = { requested: list(row?.requested_scopes), granted: list(row?.granted_scopes) };
      return {
        view,
        history: history.items,
        events,
        scopes,
        refresh: { failures: row?.refresh_failures ?? 0, next: row?.next_refresh_at ?? null, tokenExpires: row?.token_expires_at ?? null },
      };
    },

    /** A reconnect link for the account, through the service behind POST /connected_accounts/{id}/refresh with redirect_url. */
    async reconnectLink(scope: ConsoleScope, id: string, redirectUrl: string) {
      const started = await services.links.reconnect(scope.project.id, id, redirectUrl);
      // The link itself is a bearer secret for the account's next credential: never in the audit log.
      await audit(scope, 'connected_account.reconnect_link_created', id, { redirect_url: redirectUrl, expires_at: started.expiresAt });
      return started;
    },

    async setAccountEnabled(scope: ConsoleScope, id: string, enabled: boolean) {
      await accounts.setEnabled(scope.project.id, id, enabled);
      await audit(scope, enabled ? 'connected_account.enabled' : 'connected_account.disabled', id);
    },

    async deleteAccount(scope: ConsoleScope, id: string) {
      await accounts.remove(scope.project.id, id, false);
      await audit(scope, 'connected_account.deleted', id);
    },

    // ---- Auth configs: the same service calls as POST/PATCH/DELETE /api/v3.1/auth_configs. ----

    async listAuthConfigs(projectId: string, cursor: string | undefined) {
      const page = await authConfigs.list(projectId, { showDisabled: true, cursor, limit: PAGE_SIZE });
      const counts = await store.accounts.countByAuthConfigs(
        projectId,
        page.items.map((r) => r.id),
      );
      return { ...page, counts };
    },

    /** One auth config with its creation fields as the API shows them (secrets masked) and the scopes it requests. */
    async authConfig(projectId: string, id: string) {
      const row = await authConfigs.getRow(projectId, id);
      const toolkit = catalog.get(row.toolkit_slug);
      const scheme = toolkit?.auth_schemes.find((s) => s.mode === row.auth_scheme);
      const settings = JSON.parse(row.settings) as { scopes?: string[] };
      const connections = (await store.accounts.countByAuthConfigs(projectId, [row.id])).get(row.id) ?? 0;
      return {
        row,
        toolkit,
        scheme,
        credentials: authConfigs.publicCredentials(row),
        /** null: the toolkit's default scopes apply. */
        scopes: settings.scopes ?? null,
        defaultScopes: scheme?.oauth2?.default_scopes ?? scheme?.service_account?.default_scopes ?? [],
        connections,
      };
    },

    async createAuthConfig(scope: ConsoleScope, f: AuthConfigForm): Promise<AuthConfigRow> {
      const credentials: Record<string, unknown> = { ...f.fields };
      if (f.scopes !== undefined) credentials.scopes = f.scopes;
      const row = await authConfigs.create(scope.project.id, {
        toolkitSlug: f.toolkit,
        type: f.managed ? 'use_composio_managed_auth' : 'use_custom_auth',
        authScheme: f.scheme,
        name: f.name,
        credentials,
      });
      // Names of the fields given, never their values.
      await audit(scope, 'auth_config.created', row.id, { toolkit: row.toolkit_slug, auth_scheme: row.auth_scheme, fields: Object.keys(f.fields).sort() });
      return row;
    },

    async setAuthConfigEnabled(scope: ConsoleScope, id: string, enabled: boolean) {
      await authConfigs.setStatus(scope.project.id, id, enabled ? 'ENABLED' : 'DISABLED');
      await audit(scope, enabled ? 'auth_config.enabled' : 'auth_config.disabled', id);
    },

    async deleteAuthConfig(scope: ConsoleScope, id: string) {
      await authConfigs.remove(scope.project.id, id);
      await audit(scope, 'auth_config.deleted', id);
    },

    async setAuthConfigScopes(scope: ConsoleScope, id: string, scopes: string) {
      const row = await authConfigs.update(scope.project.id, id, { credentials: { scopes } });
      await audit(scope, 'auth_config.scopes_updated', id, { scopes: (JSON.parse(row.settings) as { scopes?: string[] }).scopes ?? [] });
    },

    // ---- Webhook subscriptions and deliveries: the same service as /api/v3.1/webhook_subscriptions. ----

    listSubscriptions: (projectId: string) => subs.list(projectId, undefined, 100),
    eventTypes: () => subs.eventTypes().items,

    async createSubscription(scope: ConsoleScope, input: { url: string; events: string[]; description?: string }) {
      const created = await subs.create(scope.project.id, { webhook_url: input.url, enabled_events: input.events, description: input.description ?? null });
      await audit(scope, 'webhook_subscription.created', created.id, { webhook_url: created.webhook_url, enabled_events: created.enabled_events });
      return created;
    },

    async setSubscriptionEnabled(scope: ConsoleScope, id: string, enabled: boolean) {
      await subs.update(scope.project.id, id, { enabled });
      await audit(scope, enabled ? 'webhook_subscription.enabled' : 'webhook_subscription.disabled', id);
    },

    async deleteSubscription(scope: ConsoleScope, id: string) {
      await subs.remove(scope.project.id, id);
      await audit(scope, 'webhook_subscription.deleted', id);
    },

    /** A subscription and a page of its deliveries, newest first, each with its event's type. */
    async subscription(projectId: string, id: string, cursor: string | undefined) {
      const view = await subs.get(projectId, id);
      const page = await subs.deliveries(projectId, id, cursor, PAGE_SIZE);
      const types = await store.consoleReads.eventTypes(
        projectId,
        page.items.map((d) => d.event_id),
      );
      return { view, deliveries: page.items, nextCursor: page.nextCursor, types };
    },

    /** One delivery and its event (the payload as sent: built without the key ring, it holds no credential). */
    async delivery(projectId: string, subscriptionId: string, deliveryId: string) {
      const view = await subs.get(projectId, subscriptionId);
      const delivery = await store.webhooks.getDelivery(projectId, subscriptionId, deliveryId);
      if (!delivery) throw notFound('Delivery');
      const event = await store.webhooks.getEvent(delivery.event_id);
      return { view, delivery, event: event && event.project_id === projectId ? event : undefined };
    },

    async redeliver(scope: ConsoleScope, subscriptionId: string, deliveryId: string) {
      await subs.redeliver(scope.project.id, subscriptionId, deliveryId);
      await audit(scope, 'webhook_delivery.redelivered', deliveryId, { subscription: subscriptionId });
    },

    // ---- Tool-router sessions (read only): the resolution function the API's session routes use. ----

    async listSessions(projectId: string, f: { userId?: string; cursor?: string }) {
      try {
        return await store.consoleReads.sessionsPage(projectId, { ...f, limit: PAGE_SIZE });
      } catch (e) {
        if (e instanceof CursorError) throw new ApiError('ValidationFailed', 'That page link is not one this console made.');
        throw e;
      }
    },

    /**
     * A session's config, and for each toolkit it names (enabled, pinned, given
     * an auth config) or the user has an account for: the account resolveAccount
     * picks, how (pinned, or the user's newest usable account), or why none.
     */
    async session(projectId: string, id: string) {
      const row = await store.sessions.get(projectId, id);
      if (!row) throw notFound('Tool router session');
      const config = JSON.parse(row.config) as SessionConfig;
      const pins = Object.values(config.connected_accounts ?? {}).flat();
      // The rows the API's resolution loads (sessions.ts resolveMany): the user's PRIVATE accounts and the pinned ones.
      const accounts = await store.sessions.candidateAccounts(projectId, config.user_id, [...new Set(pins)], undefined);
      const configs = await store.sessions.authConfigsByIds(projectId, [...new Set(accounts.map((a) => a.auth_config_id))]);
      // An auth config kept from the tool router makes its accounts unusable by sessions, as a disabled one does.
      const usable = configs.filter((c) => c.tool_router_enabled !== 0);
      const toolkits = new Set<string>([
        ...(config.toolkits && 'enabled' in config.toolkits ? config.toolkits.enabled : []),
        ...Object.keys(config.connected_accounts ?? {}),
        ...Object.keys(config.auth_configs ?? {}),
        ...accounts.filter((a) => a.user_id === config.user_id && a.account_type === 'PRIVATE').map((a) => a.toolkit_slug),
      ]);
      const resolutions = [...toolkits].sort().map((slug) => ({
        slug,
        toolkit: catalog.get(slug),
        enabled: toolkitEnabled(config, slug),
        pinned: config.connected_accounts?.[slug] ?? [],
        authConfig: config.auth_configs?.[slug],
        keptFromRouter: configs.filter((c) => c.toolkit_slug === slug && c.tool_router_enabled === 0).map((c) => c.id),
        result: resolveAccount<AccountRow>({ config, toolkit: slug, accounts, authConfigs: usable, sessionId: row.id }),
      }));
      return { row, config, resolutions };
    },

    listKeys: (projectId: string) => store.apiKeys.listByProject(projectId),

    async createKey(scope: ConsoleScope, name: string) {
      const created = await apiKeys.create(scope.project.id, name, services.now());
      await audit(scope, 'api_key.created', created.record.id, { name });
      return created;
    },

    async revokeKey(scope: ConsoleScope, keyId: string): Promise<boolean> {
      await ownKey(scope.project.id, keyId);
      const revoked = await apiKeys.revoke(keyId, services.now());
      await sessions.endForKey(keyId);
      if (revoked) await audit(scope, 'api_key.revoked', keyId);
      return revoked !== undefined;
    },

    async auditPage(projectId: string, cursor: string | undefined) {
      try {
        return await store.consoleReads.auditPage(projectId, { cursor, limit: PAGE_SIZE });
      } catch (e) {
        if (e instanceof CursorError) throw new ApiError('ValidationFailed', 'That page link is not one this console made.');
        throw e;
      }
    },
  };
}

export type ConsoleService = ReturnType<typeof createConsoleService>;
