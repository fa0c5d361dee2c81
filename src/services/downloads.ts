// Binary answers of proxied calls, handed out as Composio does: a short-lived
// download URL (binary_data.url) instead of the bytes inline. The URL's token
// is the capability: unguessable, stored only as a hash, valid for one body
// of one project until it expires; the bytes are encrypted at rest and the
// sweeper deletes them afterwards. Any process can serve any download.
import { hashSecret, newId, newSecret } from '../crypto/tokens.ts';
import { ENCRYPTED_FIELDS } from '../crypto/fields.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import type { Store } from '../store/store.ts';
import type { BinarySink, SavedDownload } from '../proxy/types.ts';

export interface Download {
  contentType: string;
  bytes: Buffer;
}

export const DOWNLOAD_PATH = '/downloads';
const TOKEN = /^dl_[A-Za-z0-9_-]{20,100}$/;
const aad = ENCRYPTED_FIELDS.download.aad;

export function createDownloads(deps: { store: Store; keyRing: KeyRing; publicUrl: string; ttlSeconds: number; now: () => Date }): BinarySink & {
  open(token: string): Promise<Download | undefined>;
  deleteExpired(): Promise<number>;
} {
  const { store, keyRing } = deps;
  return {
    async save(projectId: string, contentType: string, bytes: Buffer): Promise<SavedDownload> {
      const token = newSecret('dl');
      const now = deps.now();
      const expiresAt = new Date(now.getTime() + deps.ttlSeconds * 1000).toISOString();
      const row = {
        id: newId('dl'),
        project_id: projectId,
        token_hash: hashSecret(token),
        content_type: contentType,
        size: bytes.length,
        data_enc: '',
        expires_at: expiresAt,
        created_at: now.toISOString(),
      };
      row.data_enc = keyRing.encrypt(bytes.toString('base64'), aad(row));
      await store.downloads.insert(row);
      return { url: `${deps.publicUrl}${DOWNLOAD_PATH}/${token}`, expires_at: expiresAt };
    },

    /** The download a token names, if it exists and has not expired (a malformed token never reaches the store). */
    async open(token: string): Promise<Download | undefined> {
      if (!TOKEN.test(token)) return undefined;
      const row = await store.downloads.byTokenHash(hashSecret(token), deps.now().toISOString());
      if (!row) return undefined;
      return { contentType: row.content_type, bytes: Buffer.from(keyRing.decrypt(row.data_enc, aad(row)), 'base64') };
    },

    deleteExpired(): Promise<number> {
      return store.downloads.deleteExpired(deps.now().toISOString());
    },
  };
}

export type Downloads = ReturnType<typeof createDownloads>;
