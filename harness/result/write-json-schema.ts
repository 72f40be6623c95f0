// `npm run schema` (second part): writes scenarios/result.schema.json, the
// JSON Schema of the canonical result, from the TypeScript types in this
// folder, so the two never drift (tests/unit/result-schema.test.ts checks
// the file is current, and the browser tests validate real results of every
// kind against it), then docs/reference/result-json.md from it.
// ts-json-schema-generator reads the types with its own TypeScript, since
// TypeScript 7's package has no JavaScript API.
import { writeFileSync } from 'node:fs';
import { resultJsonSchemaText } from './json-schema.ts';
import { resultReferenceMarkdown } from './reference.ts';

const path = new URL('../../scenarios/result.schema.json', import.meta.url);
writeFileSync(path, resultJsonSchemaText());
process.stdout.write(`wrote ${path.pathname}\n`);
const reference = new URL('../../docs/reference/result-json.md', import.meta.url);
writeFileSync(reference, resultReferenceMarkdown());
process.stdout.write(`wrote ${reference.pathname}\n`);
