// The whole request chain an engine made, held against the spec's, hop by
// hop: every preflight and request the journal holds for a probe (redirect
// hops and later attempts included) beside the ones the spec model sends,
// and where they first part. Only what the journal shows is compared: an
// engine that sends no Sec-Fetch-Mode is not held to one, and whether a hop
// that may carry credentials did carry a cookie depends on the jar, so only a
// cookie where the spec includes none is a difference.
import type { JournalEntry } from '../../servers/journal.ts';
import type { HopSeen, RequestChain } from '../result/result.ts';
import type { ShapeField } from '../scenario/behaviours.ts';
import type { Hop } from '../spec/types.ts';

/** The spec's chain is predicted with this nonce (runner.ts specView); an engine's with its own. */
const SPEC_NONCE = 'spec';

/** The engine's chain, from the journal: the probe's preflights and requests, in the order the lab received them. */
export function chainSeen(journal: JournalEntry[]): HopSeen[] {
  return journal
    .filter((entry) => (entry.kind === 'preflight' || entry.kind === 'request') && entry.url !== undefined)
    .sort((a, b) => a.seq - b.seq)
    .map((entry) => {
      const headers = entry.headers ?? {};
      const asked = entry.kind === 'preflight' ? headers['access-control-request-method'] : undefined;
      return {
        url: entry.url!,
        kind: entry.kind as HopSeen['kind'],
        method: entry.method ?? '',
        ...(entry.status !== undefined ? { status: entry.status } : {}),
        origin: headers.origin ?? null,
        ...(headers['sec-fetch-mode'] ? { mode: headers['sec-fetch-mode'] } : {}),
        ...(asked !== undefined
          ? { asks: { method: asked, headers: headers['access-control-request-headers'] ?? '' } }
          : {}),
        cookies: headers.cookie !== undefined,
      };
    });
}

/** A URL with the probe's nonce written as the spec's, so the two chains' URLs compare. */
function asSpecUrl(url: string, nonce: string): string {
  return url.split(`/x/${nonce}/`).join(`/x/${SPEC_NONCE}/`);
}

/** A chain the spec model went through under a nonce of its own (a replay's), written as the spec's. */
export function asSpecChain(hops: Hop[], nonce: string): Hop[] {
  return hops.map((hop) => ({ ...hop, url: asSpecUrl(hop.url, nonce) }));
}

const what = (hop: Pick<Hop, 'kind' | 'method' | 'url'>) =>
  `${hop.kind === 'preflight' ? 'a preflight' : `the ${hop.method} request`} to ${hop.url}`;
const originText = (origin: string | null | undefined) =>
  origin === null || origin === undefined ? 'no Origin header' : `Origin '${origin}'`;

/** "hop 3, the preflight after the 307" / "hop 1, the request": where in the spec's chain. */
function hopName(chain: Hop[], index: number): string {
  const hop = chain[index]!;
  const previous = chain[index - 1];
  const after = previous && previous.status >= 300 && previous.status < 400 ? ` after the ${previous.status}` : '';
  return `hop ${index + 1}, the ${hop.kind === 'preflight' ? 'preflight' : `${hop.method} request`}${after}`;
}

/** How one seen hop differs from the spec's, first difference only; undefined when it does not. */
function hopDifference(expected: Hop, seen: HopSeen, nonce: string): { field: ShapeField; text: string } | undefined {
  if (seen.kind !== expected.kind)
    return {
      field: 'kind',
      text: `the engine sent ${seen.kind === 'preflight' ? 'a preflight' : `the ${seen.method} request`}, where the spec sends ${expected.kind === 'preflight' ? 'a preflight' : `the ${expected.method} request`}`,
    };
  if (seen.method !== expected.method)
    return { field: 'method', text: `method ${seen.method}, where the spec sends ${expected.method}` };
  const url = asSpecUrl(seen.url, nonce);
  if (url !== expected.url) return { field: 'url', text: `to ${url}, where the spec goes to ${expected.url}` };
  if (seen.origin !== (expected.origin ?? null))
    return { field: 'origin', text: `${originText(seen.origin)}, where the spec sends ${originText(expected.origin)}` };
  if (seen.mode !== undefined && seen.mode !== expected.mode)
    return { field: 'mode', text: `Sec-Fetch-Mode: ${seen.mode}, where the request's mode is ${expected.mode}` };
  if (expected.asks && seen.asks) {
    if (seen.asks.method !== expected.asks.method)
      return {
        field: 'asks',
        text: `Access-Control-Request-Method: ${seen.asks.method}, where the spec asks for ${expected.asks.method}`,
      };
    if (seen.asks.headers !== expected.asks.headers) {
      const shown = (list: string) =>
        list === '' ? 'no Access-Control-Request-Headers' : `Access-Control-Request-Headers: ${list}`;
      return {
        field: 'asks',
        text: `${shown(seen.asks.headers)}, where the spec sends ${expected.asks.headers === '' ? 'none' : `'${expected.asks.headers}' (lowercase, sorted, comma-separated)`}`,
      };
    }
  }
  if (seen.cookies && !expected.credentials)
    return { field: 'cookies', text: 'a Cookie header, where the spec includes no credentials' };
  return undefined;
}

/**
 * The spec's chain beside the engine's. The first difference names the
 * spec's hop ("hop 3, the preflight after the 307: Origin 'https://app…',
 * where the spec sends Origin 'null'"), or the hop the engine added or left
 * out.
 */
export function compareChain(expected: Hop[], journal: JournalEntry[], nonce: string): RequestChain {
  const seen = chainSeen(journal);
  const parted = firstPart(expected, seen, nonce);
  return {
    expected,
    seen,
    ...(parted ? { firstDifference: parted.text, firstDifferenceAt: { hop: parted.hop, field: parted.field } } : {}),
  };
}

function firstPart(
  expected: Hop[],
  seen: HopSeen[],
  nonce: string,
): { hop: number; field: ShapeField; text: string } | undefined {
  for (let index = 0; index < Math.max(expected.length, seen.length); index++) {
    const spec = expected[index];
    const engine = seen[index];
    const hop = index + 1;
    if (spec && !engine)
      return {
        hop,
        field: 'missing hop',
        text: `${hopName(expected, index)}: the engine sent nothing${index > 0 ? ' more' : ''}, where the spec sends ${what(spec)}`,
      };
    if (!spec && engine)
      return {
        hop,
        field: 'extra hop',
        text: `hop ${hop}: the engine sent ${what({ ...engine, url: asSpecUrl(engine.url, nonce) })}, where the spec sends nothing more`,
      };
    const difference = hopDifference(spec!, engine!, nonce);
    if (difference) return { hop, field: difference.field, text: `${hopName(expected, index)}: ${difference.text}` };
  }
  return undefined;
}
