// What `cors-lab ui` keeps of its runs: the form each was started from, the
// events its page streams, and the check result once it is done, so the
// history can list them, any two can be compared and any one exported.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CheckPlan } from '../check/plan.ts';
import { diffResults } from '../diff/diff.ts';
import { ENGINE_IDS } from '../engines/types.ts';
import type { JournalEntry } from '../../servers/journal.ts';
import type { RunDiff } from '../result/diff.ts';
import type { CellResult, CheckResult } from '../result/result.ts';
import { chainSeen } from '../run/request-chain.ts';

/** What the form sends: check's options, for one request. */
export const runForm = z
  .object({
    url: z.string().min(1),
    origins: z.array(z.string()).default([]),
    method: z.string().default('GET'),
    headers: z.array(z.string()).default([]),
    body: z.string().optional(),
    credentials: z.enum(['omit', 'same-origin', 'include']).default('same-origin'),
    kind: z.enum(['fetch', 'xhr', 'img-canvas', 'font']).default('fetch'),
    resolve: z.array(z.string()).default([]),
    /** PEM text of CAs to trust for the target (the page reads the files the person picks). */
    ca: z.array(z.object({ name: z.string().min(1), pem: z.string().min(1) }).strict()).default([]),
    /** Engine ids as GET /api/engines offers them: the families, cached builds (chromium@143), remote engines. */
    engines: z
      .array(z.string().min(1))
      .min(1, 'choose at least one engine')
      .default([...ENGINE_IDS]),
    /** Also pose as hostile origins derived from each listed one (check's security sweep). */
    sweep: z.boolean().default(false),
  })
  .strict();
export type RunForm = z.infer<typeof runForm>;

export interface UiEvent {
  event: 'cell' | 'done' | 'failed' | 'end';
  data: unknown;
}

export interface UiRun {
  id: string;
  startedAt: string;
  form: RunForm;
  events: UiEvent[];
  done: boolean;
  plan?: CheckPlan;
  result?: CheckResult;
  listeners: Set<(event: UiEvent) => void>;
}

/** Runs kept for the history, its event streams, compare and export: the oldest go first. */
const KEPT_RUNS = 30;

export class RunStore {
  readonly #runs = new Map<string, UiRun>();
  #started = 0;

  get started(): number {
    return this.#started;
  }

  add(form: RunForm): UiRun {
    const run: UiRun = {
      id: randomBytes(8).toString('hex'),
      startedAt: new Date().toISOString(),
      form,
      events: [],
      done: false,
      listeners: new Set(),
    };
    this.#started++;
    this.#runs.set(run.id, run);
    for (const old of [...this.#runs.keys()].slice(0, Math.max(0, this.#runs.size - KEPT_RUNS))) this.#runs.delete(old);
    return run;
  }

  get(id: string): UiRun | undefined {
    return this.#runs.get(id);
  }

  emit(run: UiRun, event: UiEvent): void {
    run.events.push(event);
    for (const listener of run.listeners) listener(event);
  }

  /** Newest first, as the history shows them. */
  history(): { id: string; startedAt: string; form: RunForm; done: boolean; outcomes: Record<string, number> }[] {
    return [...this.#runs.values()].reverse().map((run) => {
      const outcomes: Record<string, number> = {};
      for (const cell of run.result?.results ?? []) outcomes[cell.outcome] = (outcomes[cell.outcome] ?? 0) + 1;
      return { id: run.id, startedAt: run.startedAt, form: run.form, done: run.done, outcomes };
    });
  }
}

/** One request of a cell's chain as the diagram draws it: what went to the server and the CORS part of what came back. */
export interface DiagramHop {
  kind: 'preflight' | 'request';
  method: string;
  url: string;
  origin: string | null;
  asks?: { method: string; headers: string };
  cookies: boolean;
  status?: number;
  /** Access-Control-*, Vary and Location, as answered. */
  answer: [string, string][];
  /** The proxy could not get an answer from the target. */
  error?: string;
}

const SHOWN_ANSWER_HEADERS = /^(access-control-|vary$|location$)/;

/** The journal's preflights and requests for one cell, with the answers' CORS headers. */
export function diagramOf(journal: JournalEntry[]): DiagramHop[] {
  const entries = journal
    .filter((entry) => (entry.kind === 'preflight' || entry.kind === 'request') && entry.url !== undefined)
    .sort((a, b) => a.seq - b.seq);
  return chainSeen(entries).map((hop, index) => {
    const entry = entries[index]!;
    const answer = Object.entries(entry.responseHeaders ?? {})
      .filter(([name]) => SHOWN_ANSWER_HEADERS.test(name))
      .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((one): [string, string] => [name, one]));
    return {
      kind: hop.kind,
      method: hop.method,
      url: hop.url,
      origin: hop.origin,
      ...(hop.asks ? { asks: hop.asks } : {}),
      cookies: hop.cookies,
      ...(hop.status !== undefined ? { status: hop.status } : {}),
      answer,
      ...(entry.error ? { error: entry.error } : {}),
    };
  });
}

/** What the page shows of a cell: the outcome, the spec's, the verdict and why, what the page saw, and the chain the journal holds. */
export function cellView(cell: CellResult, result?: Pick<CheckResult, 'scenarios'>) {
  const scenario = result?.scenarios.find((one) => one.id === cell.scenario);
  return {
    row: cell.scenario,
    engine: cell.engine,
    outcome: cell.outcome,
    spec: cell.spec,
    expected: cell.expected,
    matchesExpectation: cell.matchesExpectation,
    verdict: cell.verdict,
    explanation: cell.explanation,
    specExplanation: cell.specExplanation,
    ...(scenario?.specModel.steps ? { specSteps: scenario.specModel.steps } : {}),
    ...(cell.deviation ? { knownBehaviour: { source: cell.deviation.source, note: cell.deviation.note ?? '' } } : {}),
    ...(cell.knownRequestShape ? { knownRequestShape: cell.knownRequestShape } : {}),
    ...(cell.requestMismatch ? { requestMismatch: cell.requestMismatch } : {}),
    page: {
      ...(cell.evidence.status !== undefined ? { status: cell.evidence.status } : {}),
      ...(cell.evidence.readableHeaders ? { readableHeaders: cell.evidence.readableHeaders } : {}),
      ...(cell.evidence.errorMessage ? { error: cell.evidence.errorMessage } : {}),
    },
    hops: diagramOf(cell.evidence.journal),
  };
}

/**
 * Two runs compared cell by cell with `cors-lab diff`'s logic. A UI run
 * checks one request, whose row names carry the method and URL: rows are
 * matched by the page origin (and sweep attack) alone, so changing the
 * method or a header compares the same origins.
 */
export function compareRuns(before: UiRun, after: UiRun): RunDiff & { formChanges: string[] } {
  const byOrigin = (result: CheckResult): CheckResult => ({
    ...result,
    results: result.results.map((cell) => ({ ...cell, scenario: cell.scenario.replace(/^.*? from /, 'from ') })),
  });
  const diff = diffResults(byOrigin(before.result!), byOrigin(after.result!), {
    before: `run of ${before.startedAt}`,
    after: `run of ${after.startedAt}`,
  });
  return { ...diff, formChanges: formChanges(before.form, after.form) };
}

/** Which fields of the form differ between two runs, as "method: GET → PUT". */
export function formChanges(before: RunForm, after: RunForm): string[] {
  const shown = (value: unknown) =>
    Array.isArray(value)
      ? value
          .map((one) =>
            typeof one === 'object' && one !== null && 'name' in one ? (one as { name: string }).name : String(one),
          )
          .join(', ') || '(none)'
      : value === undefined || value === ''
        ? '(none)'
        : String(value);
  return (Object.keys(after) as (keyof RunForm)[])
    .filter((field) => shown(before[field]) !== shown(after[field]))
    .map((field) => `${field}: ${shown(before[field])} → ${shown(after[field])}`);
}
