// The whole request chain held against the spec's, hop by hop, on journal
// entries of the kinds the lab writes: where an engine's chain first parts
// from the spec's, and what is not compared.
import { describe, expect, it } from 'vitest';
import { chainSeen, compareChain } from '../../harness/run/request-chain.ts';
import { nothingReached, requestMismatch } from '../../harness/run/request-shape.ts';
import type { Hop } from '../../harness/spec/types.ts';
import type { JournalEntry } from '../../servers/journal.ts';

const PAGE = 'https://app.site-a.localhost:4431';
const API = 'https://api.site-b.localhost:4431';
const API2 = 'https://api.site-c.localhost:4431';
let seq = 0;
const entry = (
  kind: 'preflight' | 'request',
  method: string,
  url: string,
  headers: Record<string, string>,
  status = 200,
): JournalEntry => ({
  seq: ++seq,
  time: '',
  at: seq,
  server: 'https-main',
  kind,
  method,
  url,
  headers,
  nonce: 'n1',
  status,
});

/** A PUT preflighted, answered 307 to another site, preflighted again there with Origin null (the spec's chain, predicted with the nonce "spec"). */
const SPEC: Hop[] = [
  {
    url: `${API}/x/spec/d`,
    kind: 'preflight',
    method: 'OPTIONS',
    status: 204,
    origin: PAGE,
    credentials: false,
    mode: 'cors',
    asks: { method: 'PUT', headers: 'x-a,x-b' },
  },
  {
    url: `${API}/x/spec/d`,
    kind: 'request',
    method: 'PUT',
    status: 307,
    origin: PAGE,
    credentials: false,
    mode: 'cors',
  },
  {
    url: `${API2}/x/spec/e`,
    kind: 'preflight',
    method: 'OPTIONS',
    status: 204,
    origin: 'null',
    credentials: false,
    mode: 'cors',
    asks: { method: 'PUT', headers: 'x-a,x-b' },
  },
  {
    url: `${API2}/x/spec/e`,
    kind: 'request',
    method: 'PUT',
    status: 200,
    origin: 'null',
    credentials: false,
    mode: 'cors',
  },
];
const preflight = (url: string, origin: string, headers = 'x-a,x-b') =>
  entry(
    'preflight',
    'OPTIONS',
    url,
    {
      origin,
      'sec-fetch-mode': 'cors',
      'access-control-request-method': 'PUT',
      'access-control-request-headers': headers,
    },
    204,
  );
const put = (url: string, origin: string, status = 200, more: Record<string, string> = {}) =>
  entry('request', 'PUT', url, { origin, 'sec-fetch-mode': 'cors', ...more }, status);
/** Entries in the order given, as the lab would have numbered them. */
const ordered = (entries: JournalEntry[]) => entries.map((journaled, index) => ({ ...journaled, seq: index + 1 }));
const asSpec = () => [
  preflight(`${API}/x/n1/d`, PAGE),
  put(`${API}/x/n1/d`, PAGE, 307),
  preflight(`${API2}/x/n1/e`, 'null'),
  put(`${API2}/x/n1/e`, 'null'),
];

describe('the request chain', () => {
  it('an engine that makes every hop as the spec does: no difference, no flag', () => {
    const chain = compareChain(SPEC, asSpec(), 'n1');
    expect(chain.firstDifference).toBeUndefined();
    expect(chain.seen.map((hop) => `${hop.kind} ${hop.origin}`)).toEqual([
      `preflight ${PAGE}`,
      `request ${PAGE}`,
      'preflight null',
      'request null',
    ]);
    expect(
      requestMismatch({
        expected: { mode: 'cors', origin: PAGE, preflight: true },
        seen: { mode: 'cors', origin: PAGE, preflight: true },
        differences: [],
        chain,
      }),
    ).toBeUndefined();
  });

  it('an engine that sent nothing where the spec sends a preflight: the chain is missing from hop 1, as the first request', () => {
    const chain = compareChain(SPEC, [], 'n1');
    expect(chain.firstDifferenceAt).toEqual({ hop: 1, field: 'missing hop' });
    const shape = nothingReached('cors', { preflight: true, origin: PAGE, sent: true }, chain);
    expect(shape?.departs).toEqual({ request: 'first', fields: ['missing hop'] });
    expect(requestMismatch(shape)).toBe(
      `the request chain parts from the spec's at hop 1, the preflight: the engine sent nothing, where the spec sends a preflight to ${API}/x/spec/d`,
    );
    // Nothing sent where the spec sends nothing either is no difference; nor is a chain with hops seen.
    expect(
      nothingReached('cors', { preflight: false, origin: PAGE, sent: false }, compareChain([], [], 'n1')),
    ).toBeUndefined();
    expect(
      nothingReached('cors', { preflight: true, origin: PAGE, sent: true }, compareChain(SPEC, asSpec(), 'n1')),
    ).toBeUndefined();
  });

  it('names the first hop where they part: the preflight after the 307 with the page origin where the spec sends null', () => {
    const journal = asSpec();
    journal[2] = preflight(`${API2}/x/n1/e`, PAGE);
    journal[3] = put(`${API2}/x/n1/e`, PAGE);
    const chain = compareChain(SPEC, ordered(journal), 'n1');
    expect(chain.firstDifference).toBe(
      `hop 3, the preflight after the 307: Origin '${PAGE}', where the spec sends Origin 'null'`,
    );
    expect(
      requestMismatch({
        expected: { mode: 'cors', origin: PAGE, preflight: true },
        seen: { mode: 'cors', origin: PAGE, preflight: true },
        differences: [],
        chain,
      }),
    ).toBe(`the request chain parts from the spec's at ${chain.firstDifference}`);
  });

  it('a hop left out or added, and a preflight where the spec sends the request', () => {
    expect(compareChain(SPEC, asSpec().slice(0, 2), 'n1').firstDifference).toBe(
      `hop 3, the preflight after the 307: the engine sent nothing more, where the spec sends a preflight to ${API2}/x/spec/e`,
    );
    expect(compareChain(SPEC.slice(0, 2), asSpec().slice(0, 3), 'n1').firstDifference).toBe(
      `hop 3: the engine sent a preflight to ${API2}/x/spec/e, where the spec sends nothing more`,
    );
    expect(compareChain(SPEC.slice(1), asSpec(), 'n1').firstDifference).toBe(
      'hop 1, the PUT request: the engine sent a preflight, where the spec sends the PUT request',
    );
  });

  it('Access-Control-Request-Headers as the spec serializes them, Sec-Fetch-Mode, another URL, and a cookie where the spec includes no credentials', () => {
    const spaced = asSpec();
    spaced[0] = preflight(`${API}/x/n1/d`, PAGE, 'x-b, x-a');
    expect(compareChain(SPEC, ordered(spaced), 'n1').firstDifference).toBe(
      "hop 1, the preflight: Access-Control-Request-Headers: x-b, x-a, where the spec sends 'x-a,x-b' (lowercase, sorted, comma-separated)",
    );
    const noCors = asSpec();
    noCors[1] = entry('request', 'PUT', `${API}/x/n1/d`, { origin: PAGE, 'sec-fetch-mode': 'no-cors' }, 307);
    expect(compareChain(SPEC, ordered(noCors), 'n1').firstDifference).toBe(
      "hop 2, the PUT request: Sec-Fetch-Mode: no-cors, where the request's mode is cors",
    );
    const elsewhere = asSpec();
    elsewhere[3] = put(`${API2}/x/n1/f`, 'null');
    expect(compareChain(SPEC, ordered(elsewhere), 'n1').firstDifference).toBe(
      `hop 4, the PUT request: to ${API2}/x/spec/f, where the spec goes to ${API2}/x/spec/e`,
    );
    const cookie = asSpec();
    cookie[1] = put(`${API}/x/n1/d`, PAGE, 307, { cookie: 'sid=1' });
    expect(compareChain(SPEC, ordered(cookie), 'n1').firstDifference).toBe(
      'hop 2, the PUT request: a Cookie header, where the spec includes no credentials',
    );
  });

  it('what the journal does not show is not compared: no Sec-Fetch-Mode, and no cookie where the spec includes credentials', () => {
    const quiet = asSpec().map((hop) => ({
      ...hop,
      headers: Object.fromEntries(Object.entries(hop.headers!).filter(([name]) => name !== 'sec-fetch-mode')),
    }));
    expect(compareChain(SPEC, ordered(quiet), 'n1').firstDifference).toBeUndefined();
    const withCredentials = SPEC.map((hop) => ({ ...hop, credentials: hop.kind === 'request' }));
    expect(compareChain(withCredentials, asSpec(), 'n1').firstDifference).toBeUndefined();
  });

  it('reads only preflights and requests, in the order the lab received them', () => {
    const journal = [
      put(`${API}/x/n1/d`, PAGE),
      { ...preflight(`${API}/x/n1/d`, PAGE), seq: 0 },
      { ...entry('request', 'GET', `${API}/__lab/control/n1`, {}), kind: 'control' as const },
    ];
    expect(chainSeen(journal).map((hop) => hop.kind)).toEqual(['preflight', 'request']);
  });
});
