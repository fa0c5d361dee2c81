// Account row -> the pieces services share: word ids, credential envelopes.
import { randomInt } from 'node:crypto';
import type { KeyRing } from '../crypto/keyring.ts';
import type { AccountRow } from '../store/accounts.ts';
import { ENCRYPTED_FIELDS, ivOf } from '../crypto/fields.ts';
import { maskSecret } from './auth-configs.ts';

const ADJECTIVES = [
  'red',
  'blue',
  'green',
  'quiet',
  'brave',
  'swift',
  'calm',
  'bright',
  'bold',
  'gentle',
  'lucky',
  'proud',
  'silver',
  'golden',
  'misty',
  'sunny',
  'wild',
  'happy',
  'clever',
  'amber',
];
const NOUNS = [
  'castle',
  'river',
  'forest',
  'harbor',
  'meadow',
  'falcon',
  'canyon',
  'island',
  'garden',
  'comet',
  'maple',
  'otter',
  'summit',
  'lantern',
  'valley',
  'willow',
  'beacon',
  'harvest',
  'pebble',
  'orchard',
];

/** Readable id as Composio shows it, e.g. `github_red-castle`. */
export function newWordId(toolkitSlug: string): string {
  return `${toolkitSlug}_${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}`;
}

export type Credentials = Record<string, unknown>;

const credentialsAad = ENCRYPTED_FIELDS.accountCredentials.aad;

export function sealCredentials(keyRing: KeyRing, row: Pick<AccountRow, 'project_id' | 'id'>, creds: Credentials): string {
  return keyRing.encrypt(JSON.stringify(creds), credentialsAad(row));
}

export function openCredentials(keyRing: KeyRing, row: Pick<AccountRow, 'project_id' | 'id' | 'credentials_enc'>): Credentials {
  return row.credentials_enc ? (JSON.parse(keyRing.decrypt(row.credentials_enc, credentialsAad(row))) as Credentials) : {};
}

/** Token-set fields the API shows as they are (everything else in a credential is masked). */
export const PUBLIC_TOKEN_FIELDS: ReadonlySet<string> = new Set(['token_type', 'expires_at', 'scope', 'id_token_claims', 'raw_extra']);

/** What the API shows of a credential: public token fields as they are, every other string masked. */
export function maskedCredentials(creds: Credentials): Credentials {
  const out: Credentials = {};
  for (const [k, v] of Object.entries(creds)) out[k] = PUBLIC_TOKEN_FIELDS.has(k) || typeof v !== 'string' ? v : maskSecret(v);
  return out;
}

/**
 * The sealed credential and its masked view, written side by side (issue #18):
 * a read that only shows the mask takes the view instead of decrypting. The
 * view names the IV of the ciphertext it was made from, so a credential
 * written without its view is never shown with an old one (storedView).
 */
export function sealAccountCredentials(
  keyRing: KeyRing,
  row: Pick<AccountRow, 'project_id' | 'id'>,
  creds: Credentials,
): { credentials_enc: string; credentials_view: string } {
  const credentials_enc = sealCredentials(keyRing, row, creds);
  return { credentials_enc, credentials_view: JSON.stringify({ iv: ivOf(credentials_enc), val: maskedCredentials(creds) }) };
}

/** The stored masked view when it was made from the current ciphertext; undefined = decrypt and mask. */
export function storedView(row: Pick<AccountRow, 'credentials_enc' | 'credentials_view'>): Credentials | undefined {
  if (!row.credentials_enc || !row.credentials_view) return undefined;
  const view = JSON.parse(row.credentials_view) as { iv?: string; val?: Credentials };
  return view.iv === ivOf(row.credentials_enc) ? view.val : undefined;
}
