// Per-project settings: link lifetime, the callback URL allowlist, whether
// credentials may be revealed over the API. Shared by the API and the CLI.
import { ApiError } from '../errors.ts';
import { MAX_LINK_TTL_SECONDS } from '../config.ts';
import type { Store } from '../store/store.ts';
import type { ProjectSettings } from '../store/projects.ts';
import { checkCallbackUrl } from './callback-url.ts';

export function validateSettings(patch: ProjectSettings): ProjectSettings {
  const problems: string[] = [];
  if (
    patch.link_ttl_seconds !== undefined &&
    (!Number.isInteger(patch.link_ttl_seconds) || patch.link_ttl_seconds < 30 || patch.link_ttl_seconds > MAX_LINK_TTL_SECONDS)
  ) {
    problems.push(`link_ttl_seconds: must be an integer between 30 and ${MAX_LINK_TTL_SECONDS}`);
  }
  const urls = patch.callback_url_allowlist;
  if (urls) {
    urls.forEach((u, i) => {
      try {
        checkCallbackUrl(u, undefined, `callback_url_allowlist.${i}`);
      } catch (e) {
        problems.push(...((e as ApiError).options.errors ?? [(e as Error).message]));
      }
    });
  }
  if (problems.length) throw new ApiError('ValidationFailed', `Invalid settings: ${problems.join('; ')}`, { errors: problems });
  return { ...patch, ...(urls ? { callback_url_allowlist: [...new Set(urls)] } : {}) };
}

export async function updateProjectSettings(store: Store, projectId: string, patch: ProjectSettings, now: Date): Promise<ProjectSettings> {
  const checked = validateSettings(patch);
  const project = await store.projects.get(projectId);
  if (!project) throw new ApiError('ProjectNotFound', `Project ${projectId} not found`);
  const settings = { ...project.settings, ...checked };
  await store.projects.updateSettings(projectId, settings, now.toISOString());
  return settings;
}
