// Rewrites the generated file-format validators (scripts/validators.ts).
import { writeFileSync } from 'node:fs';
import { generate, TARGETS } from './validators.ts';

const root = new URL('../', import.meta.url);
for (const target of TARGETS) {
  writeFileSync(new URL(target.file, root), generate(target, root));
  console.log(`wrote ${target.file}`);
}
