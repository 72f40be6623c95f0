import { describe, expect, it } from 'vitest';
import { classify } from '../../harness/run/classify.ts';
import type { JournalEntry } from '../../servers/journal.ts';

let seq = 0;
function entry(kind: JournalEntry['kind'], status?: number, headers: Record<string, string> = {}): JournalEntry {
  return {
    seq: ++seq,
    time: '',
    at: 0,
    server: 'https-main',
    kind,
    method: kind === 'preflight' ? 'OPTIONS' : 'GET',
    url: 'https://x',
    headers,
    nonce: 'n',
    status,
  };
}
const base = { tlsErrors: 0, mode: 'cors' as const };

describe('classify', () => {
  it('allowed when the page read the response', () => {
    const result = classify({
      ...base,
      probe: { nonce: 'n', settled: 'resolved', status: 200, type: 'cors' },
      journal: [entry('request', 200)],
    });
    expect(result).toMatchObject({
      outcome: 'allowed',
      preflightSent: false,
      requestReached: true,
      cookiesSent: false,
    });
  });

  it('blocked when the server answered and fetch rejected', () => {
    const result = classify({
      ...base,
      probe: { nonce: 'n', settled: 'rejected', error: { name: 'TypeError', message: 'Failed to fetch' } },
      journal: [entry('request', 200)],
    });
    expect(result.outcome).toBe('blocked');
    expect(result.explanation).toMatch(/withheld/);
  });

  it('blocked with the preflight named when only the preflight reached the server', () => {
    const result = classify({
      ...base,
      probe: { nonce: 'n', settled: 'rejected' },
      journal: [entry('preflight', 404)],
    });
    expect(result).toMatchObject({ outcome: 'blocked', preflightSent: true, requestReached: false });
    expect(result.explanation).toMatch(/refused the preflight answer \(status 404\)/);
  });

  it('error, never blocked, when nothing reached a lab server', () => {
    const result = classify({
      ...base,
      probe: { nonce: 'n', settled: 'rejected', error: { name: 'TypeError', message: 'x' } },
      journal: [],
    });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toMatch(/connection refused, DNS or TLS/);
  });

  it('blocked before sending only when a reachability control reached the server', () => {
    const rejected = { nonce: 'n', settled: 'rejected' as const, error: { name: 'TypeError', message: 'Load failed' } };
    const reached = classify({
      ...base,
      probe: rejected,
      journal: [entry('control', 200)],
      control: { url: 'http://api.site-b.localhost:1/__lab/control/n', reached: true },
    });
    expect(reached).toMatchObject({ outcome: 'blocked', requestReached: false, preflightSent: false });
    expect(reached.explanation).toMatch(/^blocked before sending: .*refused the request itself/);
    const unreachable = classify({
      ...base,
      probe: rejected,
      journal: [],
      control: {
        url: 'https://api.site-b.localhost:1/__lab/control/n',
        reached: false,
        error: 'net::ERR_CONNECTION_REFUSED',
      },
    });
    expect(unreachable.outcome).toBe('error');
    expect(unreachable.explanation).toMatch(/did not reach it either \(net::ERR_CONNECTION_REFUSED\)/);
  });

  it('error naming TLS when the target server saw handshake failures', () => {
    const result = classify({ ...base, tlsErrors: 2, probe: { nonce: 'n', settled: 'rejected' }, journal: [] });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toMatch(/did not trust its certificate/);
  });

  it('error on timeout even if the server saw the request', () => {
    const result = classify({ ...base, probe: { nonce: 'n', settled: 'timeout' }, journal: [entry('request')] });
    expect(result.outcome).toBe('error');
  });

  it('error when the harness could not run the probe', () => {
    expect(classify({ ...base, probe: { harnessError: 'crash' }, journal: [] }).outcome).toBe('error');
  });

  it('blocked for an opaque no-cors response and for an unexposed header', () => {
    expect(
      classify({
        ...base,
        mode: 'no-cors',
        probe: { nonce: 'n', settled: 'resolved', type: 'opaque', status: 0 },
        journal: [entry('request', 200)],
      }).outcome,
    ).toBe('blocked');
    const hidden = classify({
      ...base,
      readHeader: 'X-Id',
      probe: { nonce: 'n', settled: 'resolved', status: 200, readHeader: { name: 'X-Id', value: null } },
      journal: [entry('request', 200)],
    });
    expect(hidden.outcome).toBe('blocked');
    expect(hidden.explanation).toMatch(/'x-id' was not exposed/);
    const shown = classify({
      ...base,
      readHeader: 'X-Id',
      probe: { nonce: 'n', settled: 'resolved', status: 200, readHeader: { name: 'X-Id', value: '1' } },
      journal: [entry('request', 200)],
    });
    expect(shown.outcome).toBe('allowed');
  });

  it('reports cookies seen in the journal', () => {
    const result = classify({
      ...base,
      probe: { nonce: 'n', settled: 'resolved', status: 200 },
      journal: [entry('request', 200, { cookie: 'a=1' })],
    });
    expect(result.cookiesSent).toBe(true);
  });
});
