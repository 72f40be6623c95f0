// `npm run schema`: writes scenarios/scenario.schema.json from the zod
// schema, and the scenario format's reference page from that.
import { writeFileSync } from 'node:fs';
import { scenarioJsonSchemaText } from './json-schema.ts';
import { scenarioReferenceMarkdown } from './reference.ts';

const path = new URL('../../scenarios/scenario.schema.json', import.meta.url);
writeFileSync(path, scenarioJsonSchemaText());
process.stdout.write(`wrote ${path.pathname}\n`);
const reference = new URL('../../docs/reference/scenario-format.md', import.meta.url);
writeFileSync(reference, scenarioReferenceMarkdown());
process.stdout.write(`wrote ${reference.pathname}\n`);
