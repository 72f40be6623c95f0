// JSON Schema for editors, generated from the zod schema so the two never drift.
import { z } from 'zod';
import { scenarioSchema } from './schema.ts';

export function scenarioJsonSchema(): object {
  const single = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...scenario } = single;
  // A file is one scenario, or a list sharing origins and tags.
  return {
    $schema,
    title: 'cors-lab scenario file',
    anyOf: [
      { $ref: '#/$defs/scenario' },
      {
        type: 'object',
        additionalProperties: false,
        required: ['scenarios'],
        properties: {
          origins: (scenario.properties as Record<string, unknown>).origins,
          tags: { type: 'array', items: { type: 'string' } },
          // In a list each scenario needs its own id (a single-scenario file takes its file name).
          scenarios: {
            type: 'array',
            minItems: 1,
            items: { $ref: '#/$defs/scenario', required: ['id', 'title', 'request'] },
          },
        },
      },
    ],
    // What the loader requires: expect has a default (the spec model predicts), id comes from the file name.
    $defs: { scenario: { ...scenario, required: ['title', 'request'] } },
  };
}

export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
