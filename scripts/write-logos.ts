// Rewrites src/toolkits/logos.generated.json (scripts/logos.ts).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateLogos, LOGOS_FILE } from './logos.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const text = await generateLogos(root);
writeFileSync(new URL(`../${LOGOS_FILE}`, import.meta.url), text);
console.log(`wrote ${LOGOS_FILE} (${Object.keys(JSON.parse(text).logos).length} logos)`);
