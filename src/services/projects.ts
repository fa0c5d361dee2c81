import { newId } from '../crypto/tokens.ts';
import type { Store } from '../store/store.ts';
import type { Project } from '../store/projects.ts';
import { mintApiKey } from './api-keys.ts';

/** Creates a project and its first API key together: a project without a key is unusable. */
export async function createProject(store: Store, name: string, now: Date): Promise<{ project: Project; apiKey: string; apiKeyId: string }> {
  return store.transaction(async (tx) => {
    const ts = now.toISOString();
    const project: Project = { id: newId('prj'), name, settings: {}, created_at: ts, updated_at: ts };
    await tx.projects.insert(project);
    const { record, apiKey } = mintApiKey(project.id, 'default', now);
    await tx.apiKeys.insert(record);
    return { project, apiKey, apiKeyId: record.id };
  });
}
