// What an imported file (a HAR, an OpenAPI document) held that a check left
// out, by reason, with a few examples: said in the report, never silently lost.
import type { CheckSource } from '../result/check.ts';

export class SkippedInputs {
  readonly #byReason = new Map<string, { count: number; examples: string[] }>();

  add(reason: string, example: string): void {
    const found = this.#byReason.get(reason) ?? { count: 0, examples: [] };
    this.#byReason.set(reason, found);
    found.count++;
    if (found.examples.length < 3 && !found.examples.includes(example)) found.examples.push(example);
  }

  list(): CheckSource['skipped'] {
    return [...this.#byReason].map(([reason, found]) => ({ reason, ...found }));
  }
}
