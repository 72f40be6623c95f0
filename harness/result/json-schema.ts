// The result's JSON Schema, generated from CorsLabResult (result.ts) and the
// section types beside it. Three parts of the result are types that zod
// infers (a deviation, a middleware policy, an engine-behaviour entry); the generator
// cannot read z.infer, so their definitions come from zod itself. Only the
// schema writer and the tests load this file: the generator is a development
// dependency.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  AnyType,
  createFormatter,
  createParser,
  createProgram,
  DEFAULT_CONFIG,
  DefinitionType,
  SchemaGenerator,
  type CompletedConfig,
  type SubNodeParser,
} from 'ts-json-schema-generator';
import { z } from 'zod';
import { policySchema } from '../scenario/policy.ts';
import { deviationSchema } from '../scenario/schema.ts';
import { behaviourSchema } from '../scenario/behaviours.ts';

/** The TypeScript the generator reads the types with (its own: TypeScript 7's package has no JavaScript API). */
const ts = createRequire(import.meta.resolve('ts-json-schema-generator'))('typescript') as {
  isTypeReferenceNode(node: unknown): node is { typeName: unknown };
  isIdentifier(node: unknown): node is { text: string };
};

/** Result types that are z.infer of a scenario schema: their JSON Schema comes from zod. */
const FROM_ZOD: Record<string, z.ZodType> = {
  CorsPolicy: policySchema,
  Deviation: deviationSchema,
  Behaviour: behaviourSchema,
};

function zodTypeName(node: unknown): string | undefined {
  return ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && node.typeName.text in FROM_ZOD
    ? node.typeName.text
    : undefined;
}

/** Stands a named z.infer type in as a definition, filled in from zod afterwards. */
const zodInferred: SubNodeParser = {
  supportsNode: (node) => zodTypeName(node) !== undefined,
  createType: (node) => new DefinitionType(zodTypeName(node)!, new AnyType()),
};

/** The generator, with the zod-made definitions added where it gathers its own (before it drops unreachable ones). */
class ResultSchemaGenerator extends SchemaGenerator {
  protected override appendRootChildDefinitions(
    rootType: Parameters<SchemaGenerator['appendRootChildDefinitions']>[0],
    definitions: Parameters<SchemaGenerator['appendRootChildDefinitions']>[1],
  ): void {
    super.appendRootChildDefinitions(rootType, definitions);
    for (const [name, zodSchema] of Object.entries(FROM_ZOD)) {
      const { $schema: _, ...definition } = z.toJSONSchema(zodSchema, {
        io: 'output',
        unrepresentable: 'any',
      }) as Record<string, unknown>;
      definitions[name] = definition;
    }
  }
}

export function resultJsonSchemaText(): string {
  const config: CompletedConfig = {
    ...DEFAULT_CONFIG,
    path: fileURLToPath(new URL('./result.ts', import.meta.url)),
    tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)),
    type: 'CorsLabResult',
    // Every field is checked: a field the types do not know is an error.
    additionalProperties: false,
    skipTypeCheck: true,
  };
  const program = createProgram(config);
  const parser = createParser(program, config, (chain) => chain.addNodeParser(zodInferred));
  const schema = new ResultSchemaGenerator(program, parser, createFormatter(config), config).createSchema(
    'CorsLabResult',
  );
  return `${JSON.stringify({ ...schema, title: 'cors-lab result (result.json)' }, null, 2)}\n`;
}
