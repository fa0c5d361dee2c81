// Project, key and migration commands. They talk to the store directly: the
// operator running them is the administrator.
import type { Runtime } from '../bootstrap.ts';
import { createProject } from '../services/projects.ts';
import { createApiKeyService } from '../services/api-keys.ts';
import { updateProjectSettings } from '../services/project-settings.ts';
import type { ProjectSettings } from '../store/projects.ts';
import { ApiError } from '../errors.ts';

export interface Output {
  result(obj: unknown, human: string): void;
  fail(message: string): number;
}

type Opts = Record<string, string | boolean | undefined>;

const str = (v: string | boolean | undefined) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

export function migrateCommand(runtime: Runtime, out: Output): number {
  // startRuntime already migrated; say where.
  out.result({ migrated: true, database: runtime.database.describe }, `Migrations applied to ${runtime.database.describe}`);
  return 0;
}

export async function projectsCommand(runtime: Runtime, args: string[], opts: Opts, out: Output): Promise<number> {
  const { store } = runtime;
  const now = new Date();
  switch (args[0]) {
    case 'create': {
      const name = str(opts.name);
      if (!name) return out.fail('projects create needs --name NAME');
      const { project, apiKey, apiKeyId } = await createProject(store, name, now);
      out.result(
        { project_id: project.id, name: project.name, api_key: apiKey, api_key_id: apiKeyId },
        `Created project ${project.id} (${project.name})\nAPI key (shown once): ${apiKey}`,
      );
      return 0;
    }
    case 'list': {
      const projects = await store.projects.list();
      out.result(
        { items: projects.map((p) => ({ project_id: p.id, name: p.name, created_at: p.created_at, settings: p.settings })) },
        projects.map((p) => `${p.id}  ${p.name}  ${p.created_at}`).join('\n') || '(no projects)',
      );
      return 0;
    }
    case 'settings': {
      const project = await projectOrFail(runtime, opts, out);
      if (typeof project === 'number') return project;
      const patch: ProjectSettings = {};
      const ttl = str(opts['link-ttl']);
      if (ttl !== undefined) patch.link_ttl_seconds = Number(ttl);
      const reveal = str(opts['allow-reveal']);
      if (reveal !== undefined) {
        if (reveal !== 'true' && reveal !== 'false') return out.fail('--allow-reveal must be true or false');
        patch.allow_credential_reveal = reveal === 'true';
      }
      const verify = str(opts['verify-callback-identity']);
      if (verify !== undefined) {
        if (verify !== 'true' && verify !== 'false') return out.fail('--verify-callback-identity must be true or false');
        patch.verify_callback_identity = verify === 'true';
      }
      return saveSettings(runtime, project.id, patch, out);
    }
    case 'callbacks': {
      const project = await projectOrFail(runtime, opts, out);
      if (typeof project === 'number') return project;
      const list = [...(project.settings.callback_url_allowlist ?? [])];
      const url = str(opts.url);
      if (args[1] === 'list') {
        out.result({ project_id: project.id, callback_urls: list }, list.join('\n') || '(no allowlist: any http(s) callback URL is accepted)');
        return 0;
      }
      if (args[1] !== 'add' && args[1] !== 'remove') return out.fail('projects callbacks list|add|remove --project ID [--url URL]');
      if (!url) return out.fail(`projects callbacks ${args[1]} needs --url URL`);
      const next = args[1] === 'add' ? [...list, url] : list.filter((u) => u !== url);
      return saveSettings(runtime, project.id, { callback_url_allowlist: next }, out);
    }
    default:
      return out.fail('projects create|list|settings|callbacks');
  }
}

async function saveSettings(runtime: Runtime, projectId: string, patch: ProjectSettings, out: Output): Promise<number> {
  try {
    const settings = await updateProjectSettings(runtime.store, projectId, patch, new Date(), { via: 'cli' });
    out.result({ project_id: projectId, settings }, `Settings of ${projectId}: ${JSON.stringify(settings)}`);
    return 0;
  } catch (e) {
    if (e instanceof ApiError) return out.fail([e.message, ...(e.options.errors ?? [])].join('\n  '));
    throw e;
  }
}

async function projectOrFail(runtime: Runtime, opts: Opts, out: Output) {
  const id = str(opts.project);
  if (!id) return out.fail('this command needs --project ID');
  const project = await runtime.store.projects.get(id);
  return project ?? out.fail(`no project ${id}`);
}

export async function keysCommand(runtime: Runtime, args: string[], opts: Opts, out: Output): Promise<number> {
  const keys = createApiKeyService(runtime.store, { cacheSeconds: 0, now: () => new Date() });
  switch (args[0]) {
    case 'create': {
      const project = await projectOrFail(runtime, opts, out);
      if (typeof project === 'number') return project;
      const { record, apiKey } = await keys.create(project.id, str(opts.name) ?? 'cli', new Date());
      out.result({ project_id: project.id, key_id: record.id, api_key: apiKey }, `Created key ${record.id} for ${project.id}\nAPI key (shown once): ${apiKey}`);
      return 0;
    }
    case 'list': {
      const project = await projectOrFail(runtime, opts, out);
      if (typeof project === 'number') return project;
      const rows = await runtime.store.apiKeys.listByProject(project.id);
      const items = rows.map((k) => ({ key_id: k.id, name: k.name, prefix: k.key_prefix, created_at: k.created_at, revoked_at: k.revoked_at }));
      out.result(
        { project_id: project.id, items },
        items.map((k) => `${k.key_id}  ${k.prefix}…  ${k.name}  ${k.revoked_at ? `revoked ${k.revoked_at}` : 'active'}`).join('\n') || '(no keys)',
      );
      return 0;
    }
    case 'revoke': {
      const id = args[1];
      if (!id) return out.fail('keys revoke KEY_ID');
      const existing = await runtime.store.apiKeys.get(id);
      if (!existing) return out.fail(`no key ${id}`);
      const row = await keys.revoke(id, new Date());
      out.result({ key_id: id, revoked: true, revoked_at: row?.revoked_at ?? existing.revoked_at }, `Revoked ${id}`);
      return 0;
    }
    default:
      return out.fail('keys create|list|revoke');
  }
}

/** `authlink audit list --project ID`: the project's audit log, newest first (reveals, settings changes). */
export async function auditCommand(runtime: Runtime, args: string[], opts: Opts, out: Output): Promise<number> {
  if (args[0] !== 'list') return out.fail('audit list --project ID');
  const project = await projectOrFail(runtime, opts, out);
  if (typeof project === 'number') return project;
  const items = (await runtime.store.audit.list(project.id)).map((e) => ({ ...e, details: e.details === null ? null : (JSON.parse(e.details) as unknown) }));
  out.result(
    { project_id: project.id, items },
    items
      .map((e) => `${e.created_at}  ${e.action}  ${e.target_id}  ${e.api_key_id ?? 'operator'}${e.details ? `  ${JSON.stringify(e.details)}` : ''}`)
      .join('\n') || '(no entries)',
  );
  return 0;
}
