// `npm run schema`: writes scenarios/check-config.schema.json from the zod schema.
import { writeFileSync } from 'node:fs';
import { checkConfigJsonSchemaText, checkConfigReferenceMarkdown } from './json-schema.ts';

const path = new URL('../../scenarios/check-config.schema.json', import.meta.url);
writeFileSync(path, checkConfigJsonSchemaText());
process.stdout.write(`wrote ${path.pathname}\n`);
const reference = new URL('../../docs/reference/config-format.md', import.meta.url);
writeFileSync(reference, checkConfigReferenceMarkdown());
process.stdout.write(`wrote ${reference.pathname}\n`);
