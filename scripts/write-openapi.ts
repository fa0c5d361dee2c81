// npm run openapi: regenerate docs/openapi.json after changing a route schema.
import fs from 'node:fs';
import { generateOpenApi, OPENAPI_FILE } from './openapi.ts';

fs.writeFileSync(OPENAPI_FILE, await generateOpenApi());
console.log(`wrote ${OPENAPI_FILE}`);
