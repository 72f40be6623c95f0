// JSON Schema for check config files (scenarios/check-config.schema.json),
// generated from the zod schema so editors and the loader never drift.
import { z } from 'zod';
import { REFERENCE_TABLE_HEAD, referenceTable, type Schema } from '../scenario/reference.ts';
import { configSchema } from './plan.ts';

export function checkConfigJsonSchemaText(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return `${JSON.stringify({ ...schema, title: 'cors-lab check config (cors-lab.yaml, or the object defineConfig takes)' }, null, 2)}\n`;
}

/** The config format's reference page (docs/reference/config-format.md), from the same schema. */
export function checkConfigReferenceMarkdown(): string {
  const schema = JSON.parse(checkConfigJsonSchemaText()) as Schema;
  return [
    '# Config format',
    '',
    'Every key of a `check` config (`cors-lab.yaml`, or the object `defineConfig`',
    'takes in `cors-lab.config.ts`), as the loader reads it: written from',
    '`scenarios/check-config.schema.json` by `npm run schema` (a test fails when',
    'this page and the schema part). `endpoints.origins` maps each page origin to',
    'the outcome expected in every engine. [Verify your API](../verify-your-api.md)',
    'walks through a config suite.',
    '',
    ...REFERENCE_TABLE_HEAD,
    ...referenceTable({}, schema),
    '',
  ].join('\n');
}
