// Rewrites docs/catalog.md (scripts/catalog-doc.ts).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CATALOG_DOC, generateCatalogDoc } from './catalog-doc.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
writeFileSync(new URL(`../${CATALOG_DOC}`, import.meta.url), generateCatalogDoc(root));
console.log(`wrote ${CATALOG_DOC}`);
