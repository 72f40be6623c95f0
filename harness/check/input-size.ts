// A bound on the size of a file check reads whole (a HAR, an OpenAPI
// document), said before it is read: past it the parse would take memory
// out of all proportion, or end in Node's heap limit instead of a message.
import { statSync } from 'node:fs';
import type { ScenarioProblem } from '../scenario/loader.ts';

const MB = 1024 * 1024;

/** The problem with `file` if it is larger than `limit` bytes (what it is, the limit, how to cut it), else undefined; a file that cannot be read is left to its reader to name. */
export function sizeProblem(file: string, limit: number, what: string, fix: string): ScenarioProblem | undefined {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return undefined;
  }
  if (size <= limit) return undefined;
  return {
    file,
    field: '',
    message: `the ${what} is ${Math.round(size / MB)} MB; cors-lab reads ${what}s of up to ${Math.round(limit / MB)} MB. Fix: ${fix}`,
  };
}
