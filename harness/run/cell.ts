// One matrix cell: what the page saw and what the journal holds, classified,
// compared with the expectation, with the evidence behind it. Shared by the
// catalog runner and `cors-lab check`.
import type { ConsoleEntry, EngineId } from '../engines/types.ts';
import type { JournalEntry } from '../../servers/journal.ts';
import type { ProbeRequest } from '../probes/bundle.ts';
import type { Deviation, Outcome } from '../scenario/schema.ts';
import type { PageOutcome } from '../session/failure.ts';
import { classify, type ClassifyInput } from './classify.ts';
import { compareChain } from './request-chain.ts';
import { departureText, nothingReached, requestMismatch, requestShape, withChain } from './request-shape.ts';
import type { Behaviour, ShapeDeparture } from '../scenario/behaviours.ts';
import { verdictFor, type CellResult, type ReachabilityControl, type SpecView } from '../result/result.ts';

export interface CellInput {
  scenario: string;
  engine: EngineId;
  spec: SpecView;
  /** The outcome this engine is expected to give. */
  expected: Outcome;
  deviation?: Deviation;
  /** Whether a cookie withheld by the engine's cookie policy still counts as expected. */
  cookiePolicy: boolean;
  classifyAs: Pick<ClassifyInput, 'mode' | 'readHeader' | 'requireCookie'>;
  probe: PageOutcome;
  journal: JournalEntry[];
  tlsErrors: number;
  /** null where the engine does not expose console text. */
  console: ConsoleEntry[] | null;
  request: ProbeRequest;
  durationMs: number;
  control?: ReachabilityControl;
  /** The engine-behaviour registry entry that says this engine makes its requests so, where one does (the catalog runner's, which knows the engine build). */
  explainRequestShape?: (departure: ShapeDeparture) => Behaviour | undefined;
}

export function buildCell(input: CellInput): CellResult {
  const { probe, journal, tlsErrors, request, control } = input;
  const verdict = classify({ probe, journal, tlsErrors, ...input.classifyAs, control });
  // A cookie withheld by the engine's own cookie policy is data, not a failure.
  const cookiePolicy = input.cookiePolicy && verdict.cookieWithheld === true;
  const pageSaw = 'harnessError' in probe ? undefined : probe;
  const first = input.spec.firstRequest
    ? requestShape(request.mode, input.spec.firstRequest, request.url, journal)
    : undefined;
  // Past the first request: every hop, where the spec's chain is known (the catalog's, check's and lab.probe's cells).
  const chain = input.spec.chain ? compareChain(input.spec.chain, journal, request.nonce) : undefined;
  // Where nothing reached the server, the whole chain the spec sends is what differs.
  const shape = first
    ? chain
      ? withChain(first, chain)
      : first
    : input.spec.firstRequest
      ? nothingReached(request.mode, input.spec.firstRequest, chain)
      : undefined;
  // Only a cell with the spec's outcome can be right for the wrong reason; any other is flagged by its verdict already.
  const departs = verdict.outcome === input.spec.outcome ? shape?.departs : undefined;
  // A difference the registry knows of for this engine is knowledge, not a ? .
  const known = departs ? input.explainRequestShape?.(departs) : undefined;
  const mismatch = departs && !known ? requestMismatch(shape) : undefined;
  return {
    scenario: input.scenario,
    engine: input.engine,
    outcome: verdict.outcome,
    spec: input.spec.outcome,
    expected: input.expected,
    matchesExpectation: verdict.outcome === input.expected || cookiePolicy,
    verdict: verdictFor(verdict.outcome, input.spec.outcome, input.deviation, cookiePolicy),
    ...(input.deviation ? { deviation: input.deviation } : {}),
    ...(mismatch ? { requestMismatch: mismatch } : {}),
    ...(known
      ? {
          knownRequestShape: {
            id: known.id,
            title: known.title,
            source: known.source,
            difference: departureText(shape!)!,
          },
        }
      : {}),
    evidence: {
      request: {
        url: request.url,
        method: request.method,
        headers: request.headers,
        mode: request.mode,
        credentials: request.credentials,
        ...(request.body !== undefined ? { body: request.body } : {}),
      },
      settled: pageSaw?.settled ?? 'not-run',
      preflightSent: verdict.preflightSent,
      requestReached: verdict.requestReached,
      cookiesSent: verdict.cookiesSent,
      cookiesReceived: verdict.cookiesReceived,
      ...(pageSaw?.status !== undefined
        ? { status: pageSaw.status }
        : verdict.serverStatus !== undefined
          ? { status: verdict.serverStatus }
          : {}),
      ...(pageSaw?.readableHeaders ? { readableHeaders: pageSaw.readableHeaders } : {}),
      ...(pageSaw?.body !== undefined ? { body: pageSaw.body } : {}),
      ...(pageSaw?.type ? { responseType: pageSaw.type } : {}),
      ...(pageSaw?.earlier ? { earlier: pageSaw.earlier } : {}),
      ...(pageSaw?.error
        ? { errorMessage: `${pageSaw.error.name}: ${pageSaw.error.message}` }
        : 'harnessError' in probe
          ? { errorMessage: probe.harnessError }
          : {}),
      console: input.console ?? 'not exposed',
      tlsErrors,
      ...(control ? { control } : {}),
      ...(shape ? { requestShape: shape } : {}),
      journal,
    },
    explanation: verdict.explanation,
    specExplanation: input.spec.explanation,
    durationMs: input.durationMs,
  };
}
