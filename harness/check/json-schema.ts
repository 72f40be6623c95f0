// JSON Schema for check config files (scenarios/check-config.schema.json),
// generated from the zod schema so editors and the loader never drift.
import { z } from 'zod';
import { configSchema } from './plan.ts';

export function checkConfigJsonSchemaText(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return `${JSON.stringify({ ...schema, title: 'cors-lab check config (cors-lab.yaml, or the object defineConfig takes)' }, null, 2)}\n`;
}
