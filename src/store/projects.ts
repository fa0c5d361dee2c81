import type { Kysely } from 'kysely';
import type { DB, ProjectsTable } from './schema.ts';

export interface ProjectSettings {
  link_ttl_seconds?: number;
  callback_url_allowlist?: string[];
  allow_credential_reveal?: boolean;
  /** Completions wait for POST /connected_accounts/complete_auth with the link's user id (issue #20 E). */
  verify_callback_identity?: boolean;
}

export interface Project {
  id: string;
  name: string;
  settings: ProjectSettings;
  created_at: string;
  updated_at: string;
}

const toProject = (r: ProjectsTable): Project => ({ ...r, settings: JSON.parse(r.settings) as ProjectSettings });

export function projectsRepo(db: Kysely<DB>) {
  return {
    async insert(p: Project): Promise<void> {
      await db
        .insertInto('projects')
        .values({ ...p, settings: JSON.stringify(p.settings) })
        .execute();
    },
    async get(id: string): Promise<Project | undefined> {
      const r = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toProject(r);
    },
    async list(): Promise<Project[]> {
      const rows = await db.selectFrom('projects').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(toProject);
    },
    async count(): Promise<number> {
      const r = await db
        .selectFrom('projects')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async updateSettings(id: string, settings: ProjectSettings, now: string): Promise<void> {
      await db
        .updateTable('projects')
        .set({ settings: JSON.stringify(settings), updated_at: now })
        .where('id', '=', id)
        .execute();
    },
  };
}
