/**
 * Reading a directory of JSON definitions (toolkits, tools) and freezing what was
 * read, shared by the catalogs so both treat odd directory entries the same way.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * *.json files of a directory, sorted; dotfiles skipped (editor temp files, Kubernetes
 * ..data links). Problems are appended as "<path>: /: <message>". An optional
 * directory that does not exist is simply empty.
 */
export function jsonFiles(dir: string, problems: string[], what: string, optional = false): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!(optional && code === 'ENOENT')) problems.push(`${dir}: /: cannot read ${what} directory (${code ?? (e as Error).message})`);
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .sort()
    .map((n) => path.join(dir, n))
    .filter((file) => {
      try {
        return statSync(file).isFile(); // follows symlinks, as mounted config maps use them
      } catch {
        problems.push(`${file}: /: cannot read (broken link?)`);
        return false;
      }
    });
}

/** Freezes a JSON-like value all the way down; already frozen parts are not walked again. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
