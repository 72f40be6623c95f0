// `npm run schema` (second part): writes scenarios/result.schema.json, the
// JSON Schema of the canonical result, from the TypeScript types in this
// folder, so the two never drift (tests/unit/result-schema.test.ts checks
// the file is current, and the browser tests validate real results of every
// kind against it). ts-json-schema-generator reads the types with its own
// TypeScript, since TypeScript 7's package has no JavaScript API.
import { writeFileSync } from 'node:fs';
import { resultJsonSchemaText } from './json-schema.ts';

const path = new URL('../../scenarios/result.schema.json', import.meta.url);
writeFileSync(path, resultJsonSchemaText());
process.stdout.write(`wrote ${path.pathname}\n`);
