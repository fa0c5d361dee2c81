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

/** Who acts, in which project, for which request: what an audit entry records. */
export interface ConsoleScope {
  actor: ConsoleActor;
  project: Project;
  requestId: string;
}

export interface AccountFilters {
  userId?: string;
  toolkit?: string;
  status?: AccountStatus;
  cursor?: string;
}

export const PAGE_SIZE = 25;

function notFound(what: string): ApiError {
  return new ApiError('NotFound', `${what} not found`);
}

export function createConsoleService(services: Services, sessions: ConsoleSessions) {
  const { store, accounts, apiKeys } = services;

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
    listProjects: () => store.projects.list(),

    async overview(projectId: string) {
      const [byStatus, authConfigs, failures] = await Promise.all([
        store.consoleReads.accountsByStatus(projectId),
        store.consoleReads.authConfigCount(projectId),
        store.consoleReads.recentFailures(projectId, 10),
      ]);
      return { byStatus, authConfigs, failures };
    },

    async listAccounts(projectId: string, f: AccountFilters) {
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
      const history = await store.consoleReads.auditPage(projectId, { targetId: id, limit: 50 });
      return { view, history: history.items };
    },

    async setAccountEnabled(scope: ConsoleScope, id: string, enabled: boolean) {
      await accounts.setEnabled(scope.project.id, id, enabled);
      await audit(scope, enabled ? 'connected_account.enabled' : 'connected_account.disabled', id);
    },

    async deleteAccount(scope: ConsoleScope, id: string) {
      await accounts.remove(scope.project.id, id, false);
      await audit(scope, 'connected_account.deleted', id);
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
