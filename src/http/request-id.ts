import type { IncomingMessage } from 'node:http';
import { newId } from '../crypto/tokens.ts';

const SAFE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes the caller's x-request-id when it is a sane token, else makes one. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE.test(given) ? given : newId('req');
}
