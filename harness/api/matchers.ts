// Vitest (or Jest) matchers for lab.probe results:
//   expect.extend(corsMatchers);
//   expect(await lab.probe({...})).toBeAllowedIn();          // every engine that ran
//   expect(await lab.probe({...})).toBeBlockedIn(['webkit']);
//   expect(await lab.probe({...})).toVaryOnOrigin();         // every answer says Vary: Origin
//   expect(await lab.probe({...})).toMatchBaseline('cors-baseline.json', 'expose listed');
//     // as recorded (CORS_LAB_UPDATE_BASELINE=1 records it)
// A failure lists each engine's outcome against the expectation, what the
// journal shows, and the spec model's explanation.
import type { EngineId } from '../engines/types.ts';
import type { ProbeOutcome } from './lab.ts';
import type { CellResult } from '../result/result.ts';
import { responseHeader } from '../../servers/journal.ts';
import { VARY_STEP, varyLists } from '../spec/vary.ts';
import { existsSync } from 'node:fs';
import { BASELINE_FORMAT, readBaseline, rowRecord, writeBaseline, type Baseline } from '../diff/baseline.ts';

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/** What the cell is against the spec: a known engine behaviour (with its source), a new finding, a request made otherwise. */
function verdictNote(cell: CellResult): string {
  const notes: string[] = [];
  if (cell.verdict === 'known-deviation' && cell.deviation)
    notes.push(`${cell.deviation.note ?? 'known engine behaviour'} (source: ${cell.deviation.source})`);
  if (cell.verdict === 'new-finding') notes.push('new finding: no known engine behaviour predicts it');
  if (cell.requestMismatch) notes.push(`? ${cell.requestMismatch}`);
  return notes.length > 0 ? ` [${notes.join('; ')}]` : '';
}

function expectOutcome(
  received: ProbeOutcome,
  wanted: 'allowed' | 'blocked',
  engines: EngineId | EngineId[] | undefined,
  negated: boolean,
): MatcherResult {
  if (!received || !Array.isArray(received.cells)) {
    return { pass: false, message: () => 'expected the result of lab.probe(...)' };
  }
  const ran = received.cells.map((cell) => cell.engine);
  // One engine may be given as itself ('webkit') as well as in a list.
  const asked = engines === undefined ? ran : typeof engines === 'string' ? [engines] : engines;
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

/**
 * Every answer the server gave in the probe (preflights and requests, in
 * every engine's journal; not the lab's own refusals) lists Origin in Vary,
 * as a server whose CORS answer depends on the Origin must (Fetch § 3.2.5).
 */
function expectVaryOnOrigin(received: ProbeOutcome, negated: boolean): MatcherResult {
  if (!received || !Array.isArray(received.cells))
    return { pass: false, message: () => 'expected the result of lab.probe(...)' };
  const answers = received.cells.flatMap((cell) =>
    cell.evidence.journal
      .filter(
        (entry) =>
          (entry.kind === 'preflight' || entry.kind === 'request') &&
          entry.status !== undefined &&
          responseHeader(entry, 'x-cors-lab') === undefined,
      )
      .map((entry) => ({ engine: cell.engine, entry, varies: varyLists(responseHeader(entry, 'vary'), 'origin') })),
  );
  const pass = answers.length > 0 && answers.every((answer) => answer.varies);
  const table = answers
    .map(({ engine, entry, varies }) => {
      const shown = (name: string) => responseHeader(entry, name) ?? '(none)';
      return `  ${varies ? '✓' : '✗'} ${engine.padEnd(9)} ${entry.kind.padEnd(9)} ${entry.method} ${entry.url} → ${entry.status}: Vary ${shown('vary')}, Access-Control-Allow-Origin ${shown('access-control-allow-origin')} (journal #${entry.seq})`;
    })
    .join('\n');
  return {
    pass,
    message: () =>
      [
        `expected ${negated ? 'not every' : 'every'} answer to list Origin in Vary (${VARY_STEP})`,
        answers.length === 0 ? '  the server gave no answer in any engine: nothing to judge' : table,
      ].join('\n'),
  };
}

/**
 * The probe's cells as recorded under `name` in a baseline file (kind
 * "probe"). With CORS_LAB_UPDATE_BASELINE=1 the entry is (re)recorded and the
 * assertion passes. One baseline file per test file keeps writers apart.
 */
function expectBaseline(received: ProbeOutcome, file: string, name: string, negated: boolean): MatcherResult {
  if (!received || !Array.isArray(received.cells))
    return { pass: false, message: () => 'expected the result of lab.probe(...)' };
  const measured = rowRecord(received.cells);
  if (process.env.CORS_LAB_UPDATE_BASELINE === '1') {
    const baseline: Baseline = existsSync(file)
      ? readBaseline(file)
      : { format: BASELINE_FORMAT, kind: 'probe', profile: 'defaults', cells: {} };
    writeBaseline(file, { ...baseline, cells: { ...baseline.cells, [name]: measured } });
    return { pass: !negated, message: () => `recorded ${name} in ${file} (CORS_LAB_UPDATE_BASELINE=1)` };
  }
  let recorded: Record<string, string> | undefined;
  try {
    recorded = readBaseline(file).cells[name];
  } catch (error) {
    return {
      pass: false,
      message: () => `${(error as Error).message} (or run the tests with CORS_LAB_UPDATE_BASELINE=1)`,
    };
  }
  if (!recorded)
    return {
      pass: false,
      message: () =>
        `${file} has no entry '${name}'. Fix: run the tests once with CORS_LAB_UPDATE_BASELINE=1, and commit the file`,
    };
  const columns = [...new Set([...Object.keys(recorded), ...Object.keys(measured)])].sort();
  const pass = columns.every((column) => recorded[column] === measured[column]);
  return {
    pass,
    message: () =>
      [
        `expected '${name}' ${negated ? 'not ' : ''}to be as recorded in ${file}`,
        ...columns.map(
          (column) =>
            `  ${recorded[column] === measured[column] ? '✓' : '✗'} ${column.padEnd(28)} recorded ${recorded[column] ?? '(nothing)'}, now ${measured[column] ?? '(not run)'}`,
        ),
      ].join('\n'),
  };
}

export const corsMatchers = {
  toBeAllowedIn(this: { isNot?: boolean }, received: ProbeOutcome, engines?: EngineId | EngineId[]): MatcherResult {
    return expectOutcome(received, 'allowed', engines, this.isNot === true);
  },
  toBeBlockedIn(this: { isNot?: boolean }, received: ProbeOutcome, engines?: EngineId | EngineId[]): MatcherResult {
    return expectOutcome(received, 'blocked', engines, this.isNot === true);
  },
  toVaryOnOrigin(this: { isNot?: boolean }, received: ProbeOutcome): MatcherResult {
    return expectVaryOnOrigin(received, this.isNot === true);
  },
  toMatchBaseline(this: { isNot?: boolean }, received: ProbeOutcome, file: string, name: string): MatcherResult {
    return expectBaseline(received, file, name, this.isNot === true);
  },
};

/**
 * For `declare module 'vitest' { interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown> extends CorsMatchers<R> {} }`
 * (vitest 5); vitest 4's Matchers has one type parameter: `interface Matchers<T = any> extends CorsMatchers<T> {}`.
 */
export interface CorsMatchers<R = unknown> {
  /** In every engine that ran, or in the engine or engines named ('webkit', ['chromium', 'firefox']). */
  toBeAllowedIn(engines?: EngineId | EngineId[]): R;
  toBeBlockedIn(engines?: EngineId | EngineId[]): R;
  /** Every answer the server gave (preflights included, in every engine) lists Origin in Vary. */
  toVaryOnOrigin(): R;
  /** Each engine's outcome as recorded under `name` in the baseline file; CORS_LAB_UPDATE_BASELINE=1 records it. */
  toMatchBaseline(file: string, name: string): R;
}
