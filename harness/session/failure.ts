// How a failure reads, the same in every flow: an exception becomes an
// error outcome with its cause (wptrunner's result_from_exception), never a
// "blocked", and its message is cut to the first line, since drivers append
// stack lines and logs.
import type { ProbeResult } from '../probes/bundle.ts';

/** What a probe came to: the page's result, or why the harness could not get one. */
export type PageOutcome = ProbeResult | { harnessError: string };

/** The first line of an error's message: drivers append stack lines and logs. */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/** The one place an exception becomes an outcome: an error cell with its cause, never "blocked". */
export function harnessFailure(error: unknown): { harnessError: string } {
  return { harnessError: firstLine(error) };
}
