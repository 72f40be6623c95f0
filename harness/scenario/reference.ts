// The scenario format's reference page (docs/reference/scenario-format.md),
// written from the same JSON Schema editors get, so every field the loader
// takes is listed with its type, default and description, and the page
// cannot fall behind the schema (a test compares the committed page).
import { scenarioJsonSchema } from './json-schema.ts';

export type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  additionalProperties?: Schema | boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
};

interface Row {
  field: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
}

/** What the keys of each map are, where the field path says. */
const KEY_NAMES: Record<string, string> = {
  origins: '<origin>',
  server: '<origin>',
  'server.<origin>': '<path>',
  'expect.deviations': '<engine>',
};

type SchemaRoot = { $defs?: Record<string, Schema>; definitions?: Record<string, Schema> };

/** The head of every reference table (referenceTable's rows follow it). */
export const REFERENCE_TABLE_HEAD = ['| field | type | required | default | what it is |', '|---|---|---|---|---|'];

/**
 * Every field of a JSON Schema as table rows (field, type, required, default,
 * description), from `start` down, leaving out the fields `except` has too
 * (what one result kind adds to another); `$ref`s resolve against
 * `root.$defs` (zod's schemas) or `root.definitions` (the result's, from its
 * TypeScript types).
 */
export function referenceTable(root: SchemaRoot, start: Schema, except?: Schema): string[] {
  const shared = new Set(except ? fieldRows(root, except).map((row) => row.field) : []);
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return fieldRows(root, start)
    .filter((row) => !shared.has(row.field))
    .map(
      (row) =>
        `| \`${row.field}\` | ${cell(row.type)} | ${row.required ? 'yes' : ''} | ${row.default !== undefined ? `\`${cell(JSON.stringify(row.default))}\`` : ''} | ${cell(row.description)} |`,
    );
}

/** Every field of the schema from `start` down, in order. */
function fieldRows(root: SchemaRoot, start: Schema): Row[] {
  const defs = { ...root.definitions, ...root.$defs };
  const resolve = (schema: Schema): Schema =>
    schema.$ref ? resolve(defs[schema.$ref.replace(/^#\/(\$defs|definitions)\//, '')]!) : schema;
  const typeOf = (schema: Schema): string => {
    const resolved = resolve(schema);
    if (resolved.enum) return resolved.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' | ');
    if (resolved.const !== undefined) return `\`${JSON.stringify(resolved.const)}\``;
    if (resolved.anyOf) return [...new Set(resolved.anyOf.map(typeOf))].join(' or ');
    if (resolved.type === 'array') return `list of ${resolved.items ? typeOf(resolved.items) : 'values'}`;
    if (resolved.type === 'object' && !resolved.properties) return 'map';
    // Bounds zod adds for any integer (the safe-integer range) say nothing.
    const bound = (value: number | undefined) =>
      value === undefined || Math.abs(value) === Number.MAX_SAFE_INTEGER ? '' : String(value);
    const range =
      bound(resolved.minimum) || bound(resolved.maximum)
        ? ` (${bound(resolved.minimum) || '…'}–${bound(resolved.maximum) || '…'})`
        : '';
    return `${Array.isArray(resolved.type) ? resolved.type.join(' or ') : (resolved.type ?? 'value')}${range}`;
  };
  const rows: Row[] = [];
  const walk = (schema: Schema, path: string, seen: Set<Schema>): void => {
    const resolved = resolve(schema);
    if (seen.has(resolved)) return;
    const inner = new Set(seen).add(resolved);
    // One answer or a list of them, a value or a list: describe the object form.
    const objectForm =
      resolved.anyOf?.map(resolve).find((one) => one.properties) ??
      (resolved.type === 'array' && resolved.items ? resolve(resolved.items) : undefined);
    if (!resolved.properties && objectForm) return walk(objectForm, path, inner);
    const mapValues =
      typeof resolved.additionalProperties === 'object' ? resolve(resolved.additionalProperties) : undefined;
    if (
      !resolved.properties &&
      mapValues &&
      (mapValues.properties || mapValues.additionalProperties || mapValues.anyOf)
    )
      return walk(mapValues, `${path}.${KEY_NAMES[path] ?? '<name>'}`, inner);
    for (const [name, property] of Object.entries(resolved.properties ?? {})) {
      const field = path ? `${path}.${name}` : name;
      rows.push({
        field,
        type: typeOf(property),
        required: resolved.required?.includes(name) ?? false,
        ...(property.default !== undefined ? { default: property.default } : {}),
        description: resolve(property).description ?? property.description ?? '',
      });
      walk(property, field, inner);
    }
  };
  walk(start, '', new Set());
  return rows;
}

export function scenarioReferenceMarkdown(): string {
  const root = scenarioJsonSchema() as unknown as { $defs: Record<string, Schema> };
  const table = referenceTable(root, root.$defs.scenario!);
  return [
    '# Scenario format',
    '',
    'Every field a scenario file may hold, as the loader reads it: written from',
    'the JSON Schema in `scenarios/scenario.schema.json` by `npm run schema`',
    '(a test fails when this page and the schema part). A file holds one',
    'scenario, or `origins`, `tags` and a list under `scenarios` that share them.',
    "Map keys are written `<origin>` (an origin's name), `<path>` (a route) and `<engine>`.",
    '[Writing a scenario](../writing-scenarios.md) walks through one.',
    '',
    ...REFERENCE_TABLE_HEAD,
    ...table,
    '',
  ].join('\n');
}
