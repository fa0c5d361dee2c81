// Per-project settings: link lifetime, the callback URL allowlist, whether
// credentials may be revealed over the API. Shared by the API and the CLI.
import { ApiError } from '../errors.ts';
import { MAX_LINK_TTL_SECONDS } from '../config.ts';
import type { Store } from '../store/store.ts';
import type { ProjectSettings } from '../store/projects.ts';
import { checkCallbackUrl } from './callback-url.ts';
import { newId } from '../crypto/tokens.ts';

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

/** Who changes settings: an API key (through the API) or the operator (the CLI). */
export type SettingsActor = { via: 'api'; apiKeyId: string; requestId: string } | { via: 'cli' };

/** Settings only the operator may change (CLI): an API key could otherwise grant itself more than it has. */
export const OPERATOR_SETTINGS = ['allow_credential_reveal'] as const;

/**
 * Applies a settings change and writes what changed to the audit log, in one
 * transaction. Through the API, operator-only settings are refused.
 */
export async function updateProjectSettings(
  store: Store,
  projectId: string,
  patch: ProjectSettings,
  now: Date,
  actor: SettingsActor,
): Promise<ProjectSettings> {
  if (actor.via === 'api') {
    const refused = OPERATOR_SETTINGS.filter((k) => patch[k] !== undefined);
    if (refused.length) {
      throw new ApiError('ValidationFailed', `${refused.join(', ')} can only be changed by the operator`, {
        errors: refused.map((k) => `${k}: an operator setting; run \`authlink projects settings --project ${projectId} --allow-reveal true|false\``),
      });
    }
  }
  const checked = validateSettings(patch);
  return store.transaction(async (tx) => {
    const project = await tx.projects.get(projectId);
    if (!project) throw new ApiError('ProjectNotFound', `Project ${projectId} not found`);
    const settings = { ...project.settings, ...checked };
    const changed = Object.fromEntries(
      (Object.keys(checked) as Array<keyof ProjectSettings>)
        .filter((k) => JSON.stringify(project.settings[k]) !== JSON.stringify(checked[k]))
        .map((k) => [k, { from: project.settings[k] ?? null, to: checked[k] }]),
    );
    await tx.projects.updateSettings(projectId, settings, now.toISOString());
    if (Object.keys(changed).length) {
      await tx.audit.insert({
        id: newId('aud'),
        project_id: projectId,
        api_key_id: actor.via === 'api' ? actor.apiKeyId : null,
        action: 'project.settings_changed',
        target_id: projectId,
        request_id: actor.via === 'api' ? actor.requestId : null,
        created_at: now.toISOString(),
        details: JSON.stringify({ via: actor.via, changed }),
      });
    }
    return settings;
  });
}
