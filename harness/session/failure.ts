// How a failure reads, the same in every flow: an exception becomes an
// error outcome with its cause (wptrunner's result_from_exception), never a
// "blocked", and its message is cut to the first line, since drivers append
// stack lines and logs.
import type { ProbeResult } from '../probes/bundle.ts';
import { messageOf } from '../package/error-message.ts';

/** What a probe came to: the page's result, or why the harness could not get one. */
export type PageOutcome = ProbeResult | { harnessError: string };

/** The first line of an error's message: drivers append stack lines and logs. */
export function firstLine(error: unknown): string {
  return messageOf(error).split('\n')[0]!;
}

/** The one place an exception becomes an outcome: an error cell with its cause, never "blocked". */
export function harnessFailure(error: unknown): { harnessError: string } {
  return { harnessError: firstLine(error) };
}

/**
 * Thrown by the session once a signal has interrupted the process: what was
 * in flight then is dropped (its browser was closed under it, so its
 * outcomes would be errors the run never had), and the flow keeps the
 * cells it completed before.
 */
export class Interrupted extends Error {
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

/** For a catch: a signal's Interrupted becomes `kept` (the flow stops with what it has); any other error is thrown on. */
export function keptOnInterrupt<T>(kept: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof Interrupted) return kept;
    throw error;
  };
}
