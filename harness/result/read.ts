// Reading a result.json another run wrote (diff, merge, research compat
// --from). It is checked against the result schema cors-lab publishes
// (scenarios/result.schema.json) before anything reads a field: a truncated
// file, one of another schema version or one that is no result at all is
// named with what is wrong and the fix, never met later as a TypeError deep
// in a comparison.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { PACKAGE_ROOT } from '../package/root.ts';
import { SCHEMA_VERSION, withEngineFamilies, type CorsLabResult } from './result.ts';
import { messageOf } from '../package/error-message.ts';

const FIX = 'give the result.json a run or check of this cors-lab wrote, unchanged';

let validator: ValidateFunction | undefined;

/** Compiled once, when the first result is read. */
function validateResult(): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'scenarios', 'result.schema.json'), 'utf8')) as object;
  return (validator ??= new Ajv({ strict: false, allErrors: false }).compile(schema));
}

/** The result in `file`, or the problem with it: the file, what is wrong, the fix. */
export function readResult(file: string): { result: CorsLabResult } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return {
      problem: `${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Fix: check the path`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problem: `${file}: not JSON (${firstLine(error)}); a file cut short reads this way. Fix: ${FIX}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('schemaVersion' in parsed)) {
    return { problem: `${file}: not a cors-lab result (no schemaVersion). Fix: ${FIX}` };
  }
  const version = (parsed as { schemaVersion: unknown }).schemaVersion;
  if (version !== SCHEMA_VERSION) {
    return {
      problem: `${file}: a result of schema version ${JSON.stringify(version)}; this cors-lab reads schema version ${SCHEMA_VERSION}. Fix: run it again with this cors-lab, or read it with the cors-lab that wrote it`,
    };
  }
  // Results written before remote engines name no family: filled in before the schema, which requires it.
  const result = withEngineFamilies(parsed as CorsLabResult);
  const validate = validateResult();
  if (!validate(result))
    return { problem: `${file}: not a valid cors-lab result: ${describe(validate.errors?.[0])}. Fix: ${FIX}` };
  return { result };
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'it does not match the result schema';
  const where = error.instancePath ? error.instancePath.slice(1).replaceAll('/', '.') : 'the top level';
  const allowed =
    error.keyword === 'enum'
      ? ` (one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((value) => JSON.stringify(value)).join(', ')})`
      : '';
  return `${where} ${error.message ?? 'is not as the result schema says'}${allowed}`;
}

function firstLine(error: unknown): string {
  return messageOf(error).split('\n')[0]!.slice(0, 200);
}
