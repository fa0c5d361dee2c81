// Validation shared by every way an account gets its fields: which keys a
// scheme defines, which are secret, and the alias rule's error.
import { ApiError } from '../errors.ts';
import type { ResolvedAuthConfig } from './auth-configs.ts';

export function aliasTaken(alias: string): ApiError {
  return new ApiError('AliasTaken', `Alias "${alias}" is already used by another connected account of this user for this toolkit`, {
    suggestedFix: 'Choose another alias, or delete the other account first',
  });
}

/** Connection fields given up front: only non-secret fields the scheme defines. */
export function checkConnectionData(resolved: ResolvedAuthConfig, data: Record<string, unknown>): Record<string, string> {
  const { required, optional } = resolved.scheme.fields.connected_account_initiation;
  const defs = new Map([...required, ...optional].map((f) => [f.name, f]));
  const problems: string[] = [];
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    const def = defs.get(k);
    if (!def)
      problems.push(
        `connection_data.${k}: not a field of ${resolved.toolkit.slug} ${resolved.scheme.mode} (allowed: ${[...defs.keys()].join(', ') || 'none'})`,
      );
    else if (def.secret)
      problems.push(
        `connection_data.${k}: secret fields are entered by the end user on the hosted page (or use POST /api/v3.1/connected_accounts with state.val)`,
      );
    else if (typeof v !== 'string' || v.length > 2048) problems.push(`connection_data.${k}: must be a string of at most 2048 characters`);
    else out[k] = v;
  }
  if (problems.length) throw new ApiError('ConnectionDataInvalid', `Invalid connection_data: ${problems.join('; ')}`, { errors: problems });
  return out;
}

/** Splits given values into secret credentials and public data by the scheme's field list. */
export function splitFields(
  group: { required: { name: string; secret: boolean }[]; optional: { name: string; secret: boolean }[] },
  val: Record<string, unknown>,
  where: string,
) {
  const defs = new Map([...group.required, ...group.optional].map((f) => [f.name, f]));
  const problems: string[] = [];
  const creds: Record<string, string> = {};
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(val)) {
    if (k === 'status') continue;
    const def = defs.get(k);
    if (!def) problems.push(`${where}.${k}: not a field of this scheme (allowed: ${[...defs.keys()].join(', ') || 'none'})`);
    else if (typeof v !== 'string' || v.length > 8192) problems.push(`${where}.${k}: must be a string of at most 8192 characters`);
    else (def.secret ? creds : data)[k] = v;
  }
  if (problems.length) throw new ApiError('ValidationFailed', `Invalid credentials: ${problems.join('; ')}`, { errors: problems });
  return { creds, data };
}
