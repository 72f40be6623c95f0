// Which declared answer a lab server gives to a request. Shared by the lab
// servers and the spec model's view of them, so the two never disagree.
import type { Answer, Route } from './schema.ts';

/** What a lab server answers when a scenario declares nothing for a route. */
export const DEFAULT_ANSWERS: Record<'preflight' | 'request', Answer> = {
  preflight: { status: 204, headers: {} },
  request: { status: 200, headers: {}, body: 'ok' },
};

/**
 * The answer to the `index`-th request of `kind` (0-based) for one probe and
 * URL: a list is served in order and its last answer repeats.
 */
export function pickAnswer(route: Route | undefined, kind: 'preflight' | 'request', index: number): Answer {
  const declared = kind === 'preflight' ? route?.preflight : route?.actual;
  if (Array.isArray(declared)) return declared[Math.min(index, declared.length - 1)]!;
  return declared ?? DEFAULT_ANSWERS[kind];
}

/** The body text a lab server sends when the answer names no asset. */
export function answerBodyText(answer: Answer, kind: 'preflight' | 'request'): string {
  return answer.body ?? (kind === 'preflight' ? '' : 'ok');
}
