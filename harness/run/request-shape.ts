// How the engine made the request, held against how the spec makes it: the
// journal is the only witness (no browser API tells whether a request went
// out in cors mode or with an Origin header). A cell whose outcome is the
// spec's can still have come about without any CORS check, e.g. a font the
// engine fetched in no-cors mode without an Origin header: the right answer
// for the wrong reason.
import type { JournalEntry } from '../../servers/journal.ts';
import type { RequestChain, RequestMade, RequestShape } from '../result/result.ts';
import type { ShapeField } from '../scenario/behaviours.ts';
import type { FirstRequest } from '../spec/first-request.ts';

/** The engine's first preflight or request to `probeUrl`'s path, and whether a preflight came first; undefined when nothing reached the server. */
function firstRequestSeen(
  probeUrl: string,
  journal: JournalEntry[],
): { entry: JournalEntry; preflight: boolean } | undefined {
  const path = pathOf(probeUrl);
  const toProbe = journal
    .filter(
      (entry) =>
        (entry.kind === 'preflight' || entry.kind === 'request') &&
        entry.url !== undefined &&
        pathOf(entry.url) === path,
    )
    .sort((a, b) => a.seq - b.seq);
  const first = toProbe[0];
  if (!first) return undefined;
  const request = toProbe.find((entry) => entry.kind === 'request');
  return request ? { entry: request, preflight: first.kind === 'preflight' } : { entry: first, preflight: true };
}

function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

const originText = (origin: string | null) => (origin === null ? 'no Origin header' : `Origin: ${origin}`);

/** The spec's first request as a shape; one the spec never sends (its preflight fails) says so. */
function expectedRequest(mode: string, spec: FirstRequest): RequestMade {
  return { mode, origin: spec.origin, preflight: spec.preflight, ...(spec.sent ? {} : { sent: false as const }) };
}

/**
 * The request shape of one cell: the spec's first request (mode, Origin,
 * preflight) beside the engine's, from the journal. Only what the journal
 * holds is compared: an engine that sends no Sec-Fetch-Mode is not held to
 * one, and a request the spec never sends (a failed preflight) is compared
 * on the preflight alone.
 */
export function requestShape(
  expectedMode: string,
  spec: FirstRequest,
  probeUrl: string,
  journal: JournalEntry[],
): RequestShape | undefined {
  const seenRequest = firstRequestSeen(probeUrl, journal);
  if (!seenRequest) return undefined;
  const { entry, preflight } = seenRequest;
  const isRequest = entry.kind === 'request';
  const seen: RequestMade = {
    ...(isRequest && entry.headers?.['sec-fetch-mode'] ? { mode: entry.headers['sec-fetch-mode'] } : {}),
    origin: isRequest ? (entry.headers?.origin ?? null) : null,
    preflight,
  };
  const expected = expectedRequest(expectedMode, spec);
  const differences: string[] = [];
  const fields: ShapeField[] = [];
  const differ = (field: ShapeField, sentence: string) => {
    fields.push(field);
    differences.push(sentence);
  };
  if (spec.preflight && !preflight) differ('preflight', 'no preflight went first, where the spec sends one');
  if (!spec.preflight && preflight) differ('preflight', 'a preflight went first, where the spec sends none');
  if (isRequest && spec.sent) {
    if (seen.mode !== undefined && seen.mode !== expectedMode)
      differ(
        'mode',
        `the request went in ${seen.mode} mode (Sec-Fetch-Mode: ${seen.mode}), where the spec makes a ${expectedMode} request`,
      );
    if (seen.origin !== spec.origin)
      differ(
        'origin',
        `the request carried ${originText(seen.origin)}, where the spec sends ${originText(spec.origin)}`,
      );
  }
  return {
    expected,
    seen,
    differences,
    ...(fields.length > 0 ? { departs: { request: 'first' as const, fields } } : {}),
  };
}

/**
 * A cell where nothing reached the server, though the spec sends a request
 * (or a preflight): its whole chain is missing, from hop 1. Undefined where
 * the spec sends nothing either, or its chain is not known.
 */
export function nothingReached(
  expectedMode: string,
  spec: FirstRequest,
  chain: RequestChain | undefined,
): RequestShape | undefined {
  if (!chain || chain.expected.length === 0 || chain.seen.length > 0) return undefined;
  return {
    expected: expectedRequest(expectedMode, spec),
    seen: { origin: null, preflight: false },
    differences: [],
    chain,
    ...(chain.firstDifferenceAt
      ? { departs: { request: 'first' as const, fields: [chain.firstDifferenceAt.field] } }
      : {}),
  };
}

/** The first request's shape with the whole chain beside it: where the first request agrees, a later hop that parts is where the requests depart. */
export function withChain(shape: RequestShape, chain: RequestChain): RequestShape {
  const later =
    shape.departs === undefined && chain.firstDifferenceAt
      ? { departs: { request: 'later' as const, fields: [chain.firstDifferenceAt.field] } }
      : {};
  return { ...shape, chain, ...later };
}

/** The sentence of where the requests depart: the first request's differences, or the chain's first. */
export function departureText(shape: RequestShape): string | undefined {
  if (shape.differences.length > 0) return shape.differences.join('; ');
  return shape.chain?.firstDifference;
}

/**
 * The one-sentence flag for a cell with the spec's outcome whose request
 * differs: "no CORS request made" when the spec's CORS request went without
 * CORS (no-cors mode or no Origin header), else what differs; with the first
 * request as the spec's, where a later hop first parts from the spec's chain.
 */
export function requestMismatch(shape: RequestShape | undefined): string | undefined {
  if (!shape) return undefined;
  if (shape.differences.length === 0)
    return shape.chain?.firstDifference
      ? `the request chain parts from the spec's at ${shape.chain.firstDifference}`
      : undefined;
  const noCors =
    shape.expected.mode === 'cors' &&
    (shape.seen.mode === 'no-cors' || (shape.expected.origin !== null && shape.seen.origin === null));
  return `${noCors ? 'no CORS request made: ' : 'the request was made otherwise than the spec makes it: '}${shape.differences.join('; ')}`;
}
