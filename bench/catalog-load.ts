// How long loading the tool and toolkit catalogs takes (part of every start),
// cold (first load in this process) and warm. Prints; asserts nothing.
//   npx tsx bench/catalog-load.ts
import { loadCatalog } from '../src/toolkits/catalog.ts';
import { loadToolCatalog } from '../src/tools/catalog.ts';

const ms = (t0: number) => (performance.now() - t0).toFixed(1);
let t0 = performance.now();
const toolkits = loadCatalog();
console.log(`toolkits: ${toolkits.size} loaded in ${ms(t0)} ms (cold)`);
t0 = performance.now();
let tools = loadToolCatalog({ toolkits });
console.log(`tools: ${tools.size} loaded in ${ms(t0)} ms (cold: includes loading the generated validators)`);
const warm: number[] = [];
for (let i = 0; i < 5; i++) {
  t0 = performance.now();
  tools = loadToolCatalog({ toolkits });
  warm.push(performance.now() - t0);
}
console.log(`tools: ${tools.size} loaded in ${Math.min(...warm).toFixed(1)} ms (warm, best of 5)`);
