// `authlink toolkits check [dir]`: every problem of a toolkit directory, with
// no database and no configuration (src/toolkits/check.ts has the rules).
import path from 'node:path';
import { checkToolkitDir } from '../toolkits/check.ts';
import type { Output } from './admin.ts';

export function toolkitsCommand(args: string[], out: Output): number {
  if (args[0] !== 'check' || args.length > 2) return out.fail('toolkits check [dir]   (no dir: the built-in catalog)');
  const dir = args[1] === undefined ? undefined : path.resolve(args[1]);
  const result = checkToolkitDir(dir);
  const { problems } = result;
  const n = result.toolkits.length;
  const what = `${n} ${result.builtin ? 'built-in ' : ''}toolkit${n === 1 ? '' : 's'}${result.builtin ? '' : ` in ${result.dir}`}`;
  const replacing = result.replaces.length ? ` (replacing the built-in ${result.replaces.join(', ')})` : '';
  const summary = problems.length
    ? `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${new Set(problems.map((p) => p.file)).size} file(s) of ${what}`
    : `${what}${replacing}: no problems`;
  out.result(
    { ok: problems.length === 0, dir: result.dir, builtin: result.builtin, toolkits: result.toolkits.length, replaces: result.replaces, problems },
    [...problems.map((p) => `${p.file}: ${p.pointer}: ${p.message}`), summary].join('\n'),
  );
  return problems.length ? 1 : 0;
}
