import type { Kysely } from 'kysely';
import type { AuditLogTable, DB } from './schema.ts';

export type AuditEntry = AuditLogTable;

export function auditRepo(db: Kysely<DB>) {
  return {
    async insert(e: AuditEntry): Promise<void> {
      await db.insertInto('audit_log').values(e).execute();
    },
    async list(projectId: string, limit = 100): Promise<AuditEntry[]> {
      return db
        .selectFrom('audit_log')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
  };
}
