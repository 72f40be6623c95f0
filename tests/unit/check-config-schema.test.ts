// The check config's JSON Schema (scenarios/check-config.schema.json) is
// generated from the zod schema the loader uses, the README's YAML example
// is valid under both, and the README's table documents every key.
import { DOCS } from '../docs.ts';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkConfigJsonSchemaText, checkConfigReferenceMarkdown } from '../../harness/check/json-schema.ts';
import { configSchema } from '../../harness/check/plan.ts';

const README = DOCS;
const committed = readFileSync(new URL('../../scenarios/check-config.schema.json', import.meta.url), 'utf8');

describe('the check config schema', () => {
  it('the config format reference page is written from the same schema (npm run schema)', () => {
    const page = readFileSync(new URL('../../docs/reference/config-format.md', import.meta.url), 'utf8');
    expect(page).toBe(checkConfigReferenceMarkdown());
  });

  it('is generated from the current zod schema (run npm run schema after changing it)', () => {
    expect(committed).toBe(checkConfigJsonSchemaText());
  });

  it('takes the README example, as the loader does, and refuses an unknown key', () => {
    const example = [...README.matchAll(/```yaml\n(# cors-lab\.yaml\n[\s\S]*?)```/g)].map((match) => match[1]!)[0]!;
    const data = parse(example);
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(committed));
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    expect(configSchema.safeParse(data).success).toBe(true);
    const unknown = { ...data, resolv: [] };
    expect(validate(unknown)).toBe(false);
    expect(configSchema.safeParse(unknown).success).toBe(false);
  });

  it("every key is in the README's table", () => {
    const endpointShape = (configSchema.shape.endpoints.unwrap() as unknown as { shape: Record<string, unknown> })
      .shape;
    const keys = [...Object.keys(configSchema.shape), ...Object.keys(endpointShape).map((key) => `endpoints[].${key}`)];
    for (const key of keys) expect(README, key).toContain(`| \`${key}\` |`);
  });
});
