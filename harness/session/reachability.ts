// A probe that failed with nothing in the journal is one of two things: the
// lab could not be reached at all (DNS, a refused connection, TLS), or the
// browser refused to send the request (mixed content, a local-network rule,
// a TypeError from fetch()). A reachability control tells them apart with
// evidence: the same engine, in the same context, navigates top-level to the
// target's origin. If that navigation reaches the lab server, the engine can
// reach it, and the probe was refused by the browser itself.
import { firstLine, type PageOutcome } from './failure.ts';
import type { EngineContext } from '../engines/types.ts';
import type { Journal, JournalEntry } from '../../servers/journal.ts';
import type { ReachabilityControl } from '../result/result.ts';

/** How long a control navigation may take: a reachable lab server answers at once. */
const CONTROL_TIMEOUT_MS = 5000;

/** A rejected probe that left no preflight or request in the journal, and no TLS failure. */
export function needsControl(probe: PageOutcome, journal: JournalEntry[], tlsErrors: number): boolean {
  if ('harnessError' in probe || probe.settled !== 'rejected' || tlsErrors > 0) return false;
  return !journal.some((entry) => entry.kind === 'preflight' || entry.kind === 'request');
}

/** The control URL on a lab server: /__lab/control/<nonce> answers and is journaled as "control". */
export function labControlUrl(probeUrl: string, nonce: string): string {
  return `${new URL(probeUrl).origin}/__lab/control/${nonce}`;
}

/** Navigates to `url`; reached when the journal holds an answered "control" entry for `nonce`. */
export async function runControl(
  context: EngineContext,
  url: string,
  nonce: string,
  journal: Journal,
): Promise<ReachabilityControl> {
  let error: string | undefined;
  try {
    await context.goto(url, CONTROL_TIMEOUT_MS);
  } catch (failure) {
    error = firstLine(failure);
  }
  const reached = journal.forNonce(nonce).some((entry) => entry.kind === 'control' && entry.status !== undefined);
  return { url, reached, ...(error !== undefined ? { error } : {}) };
}
