// The request-shape check on journal entries of the kinds the lab writes:
// the engine's first request to the probe URL, held against the spec's.
import { describe, expect, it } from 'vitest';
import { requestMismatch, requestShape } from '../../harness/run/request-shape.ts';
import type { JournalEntry } from '../../servers/journal.ts';
import { requestMadeText } from '../../reports/labels.ts';

const URL_ = 'https://api.site-b.localhost:4431/x/n1/font.otf';
let seq = 0;
const entry = (kind: 'preflight' | 'request', headers: Record<string, string>, url = URL_): JournalEntry => ({
  seq: ++seq,
  time: '',
  at: seq,
  server: 'https-main',
  kind,
  method: kind === 'preflight' ? 'OPTIONS' : 'GET',
  url,
  headers,
  nonce: 'n1',
});
const PAGE = 'https://app.site-a.localhost:4431';
const corsGet = { preflight: false, origin: PAGE, sent: true };

describe('the request shape', () => {
  it('a font the engine fetched in no-cors mode without Origin: no CORS request made', () => {
    const shape = requestShape('cors', corsGet, URL_, [entry('request', { 'sec-fetch-mode': 'no-cors' })]);
    expect(shape!.seen).toEqual({ mode: 'no-cors', origin: null, preflight: false });
    expect(shape!.differences).toHaveLength(2);
    expect(requestMismatch(shape)).toBe(
      `no CORS request made: the request went in no-cors mode (Sec-Fetch-Mode: no-cors), where the spec makes a cors request; the request carried no Origin header, where the spec sends Origin: ${PAGE}`,
    );
  });

  it('a request made as the spec makes it: no differences, no flag', () => {
    const shape = requestShape('cors', corsGet, URL_, [entry('request', { 'sec-fetch-mode': 'cors', origin: PAGE })]);
    expect(shape!.differences).toEqual([]);
    expect(requestMismatch(shape)).toBeUndefined();
  });

  it('a preflight missing or extra, and the first attempt of several', () => {
    const withPreflight = { preflight: true, origin: PAGE, sent: true };
    expect(requestShape('cors', withPreflight, URL_, [entry('request', { origin: PAGE })])!.differences).toEqual([
      'no preflight went first, where the spec sends one',
    ]);
    expect(
      requestShape('cors', corsGet, URL_, [entry('preflight', { origin: PAGE }), entry('request', { origin: PAGE })])!
        .differences,
    ).toEqual(['a preflight went first, where the spec sends none']);
    // Repeated attempts: the first one counts (a later one may come from the preflight cache).
    expect(
      requestShape('cors', withPreflight, URL_, [
        entry('preflight', { origin: PAGE }),
        entry('request', { origin: PAGE }),
        entry('request', { origin: PAGE }),
      ])!.differences,
    ).toEqual([]);
  });

  it('a preflight the spec stops at: only the preflight is compared; another path and no journal are not compared', () => {
    expect(
      requestShape('cors', { preflight: true, origin: PAGE, sent: false }, URL_, [
        entry('preflight', { origin: PAGE }),
      ])!.differences,
    ).toEqual([]);
    expect(
      requestShape('cors', corsGet, URL_, [entry('request', {}, 'https://app.site-a.localhost:4431/x/n1/other')]),
    ).toBeUndefined();
    expect(requestShape('cors', corsGet, URL_, [])).toBeUndefined();
  });

  it('the evidence line says a request the spec never sends was never sent, on either side', () => {
    // The spec stops at a failed preflight (firstRequestOf gives no origin then): not "cors mode, no Origin header".
    const stopped = requestShape('cors', { preflight: true, origin: null, sent: false }, URL_, [
      entry('preflight', { origin: PAGE }),
    ])!;
    expect(stopped.expected.sent).toBe(false);
    expect(requestMadeText(stopped, false)).toBe(
      'request made: a preflight only, the request itself never sent (spec: a preflight only, the request itself never sent)',
    );
    // The engine sent the request after its preflight where the spec stops.
    const went = requestShape('cors', { preflight: true, origin: null, sent: false }, URL_, [
      entry('preflight', { origin: PAGE }),
      entry('request', { 'sec-fetch-mode': 'cors', origin: PAGE }),
    ])!;
    expect(requestMadeText(went, true)).toBe(
      `request made: cors mode, Origin: ${PAGE}, after a preflight (spec: a preflight only, the request itself never sent)`,
    );
    // A request the spec sends: both sides described, and no "sent" on the spec's side.
    const sent = requestShape('cors', corsGet, URL_, [entry('request', { 'sec-fetch-mode': 'cors', origin: PAGE })])!;
    expect(sent.expected).not.toHaveProperty('sent');
    expect(requestMadeText(sent, true)).toBe(
      `request made: cors mode, Origin: ${PAGE} (spec: cors mode, Origin: ${PAGE})`,
    );
  });

  it('an engine that sends no Sec-Fetch-Mode is held to the Origin header alone', () => {
    const shape = requestShape('no-cors', { preflight: false, origin: null, sent: true }, URL_, [entry('request', {})]);
    expect(shape!.differences).toEqual([]);
    expect(
      requestMismatch(
        requestShape('no-cors', { preflight: false, origin: null, sent: true }, URL_, [
          entry('request', { origin: PAGE }),
        ]),
      ),
    ).toBe(
      `the request was made otherwise than the spec makes it: the request carried Origin: ${PAGE}, where the spec sends no Origin header`,
    );
  });
});
