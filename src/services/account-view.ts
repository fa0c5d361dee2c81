// Account row -> the pieces services share: word ids, credential envelopes.
import { randomInt } from 'node:crypto';
import type { KeyRing } from '../crypto/keyring.ts';
import type { AccountRow } from '../store/accounts.ts';
import { ENCRYPTED_FIELDS } from '../crypto/fields.ts';

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
