// `npm run schema`: writes scenarios/scenario.schema.json from the zod schema.
import { writeFileSync } from 'node:fs';
import { scenarioJsonSchemaText } from './json-schema.ts';

const path = new URL('../../scenarios/scenario.schema.json', import.meta.url);
writeFileSync(path, scenarioJsonSchemaText());
process.stdout.write(`wrote ${path.pathname}\n`);
