// Vitest (or Jest) matchers for lab.probe results:
//   expect.extend(corsMatchers);
//   expect(await lab.probe({...})).toBeAllowedIn();          // every engine that ran
//   expect(await lab.probe({...})).toBeBlockedIn(['webkit']);
// A failure lists each engine's outcome against the expectation, what the
// journal shows, and the spec model's explanation.
import type { EngineId } from '../engines/types.ts';
import type { ProbeOutcome } from './lab.ts';
import type { CellResult } from '../result/result.ts';

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/** What the cell is against the spec: a known engine behaviour (with its source), a new finding, a request made otherwise. */
function verdictNote(cell: CellResult): string {
  const notes: string[] = [];
  if (cell.verdict === 'known-deviation' && cell.deviation) notes.push(`${cell.deviation.note ?? 'known engine behaviour'} (source: ${cell.deviation.source})`);
  if (cell.verdict === 'new-finding') notes.push('new finding: no known engine behaviour predicts it');
  if (cell.requestMismatch) notes.push(`? ${cell.requestMismatch}`);
  return notes.length > 0 ? ` [${notes.join('; ')}]` : '';
}

function expectOutcome(received: ProbeOutcome, wanted: 'allowed' | 'blocked', engines: EngineId[] | undefined, negated: boolean): MatcherResult {
  if (!received || !Array.isArray(received.cells)) {
    return { pass: false, message: () => 'expected the result of lab.probe(...)' };
  }
  const ran = received.cells.map((cell) => cell.engine);
  const asked = engines ?? ran;
  const notRun = asked.filter((engine) => !ran.includes(engine));
  const cells = received.cells.filter((cell) => asked.includes(cell.engine));
  const pass = notRun.length === 0 && cells.length > 0 && cells.every((cell) => cell.outcome === wanted);
  const table = received.cells
    .map((cell) => {
      const mark = !asked.includes(cell.engine) ? ' ' : cell.outcome === wanted ? '✓' : '✗';
      const version = received.engines.find((engine) => engine.id === cell.engine)?.version ?? '';
      return `  ${mark} ${`${cell.engine} ${version}`.padEnd(28)} ${cell.outcome.padEnd(8)} ${cell.explanation}${verdictNote(cell)}`;
    })
    .join('\n');
  return {
    pass,
    message: () =>
      [
        `expected ${negated ? 'not ' : ''}${wanted} in ${asked.join(', ') || '(no engine)'}`,
        ...(notRun.length > 0 ? [`not run here (never counted as a pass): ${notRun.join(', ')}`] : []),
        table,
        `spec model: ${received.spec.explanation}`,
      ].join('\n'),
  };
}

export const corsMatchers = {
  toBeAllowedIn(this: { isNot?: boolean }, received: ProbeOutcome, engines?: EngineId[]): MatcherResult {
    return expectOutcome(received, 'allowed', engines, this.isNot === true);
  },
  toBeBlockedIn(this: { isNot?: boolean }, received: ProbeOutcome, engines?: EngineId[]): MatcherResult {
    return expectOutcome(received, 'blocked', engines, this.isNot === true);
  },
};

/** For `declare module 'vitest' { interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown> extends CorsMatchers<R> {} }`. */
export interface CorsMatchers<R = unknown> {
  toBeAllowedIn(engines?: EngineId[]): R;
  toBeBlockedIn(engines?: EngineId[]): R;
}
