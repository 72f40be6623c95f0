// The Private/Local Network Access study's pure parts: the scenarios it
// serves, the engine settings it launches with, how a request is classified
// from the journal, and how a table cell sums an engine's observations up.
import { describe, expect, it } from 'vitest';
import { chromiumNetworkArgs } from '../../harness/engines/chromium.ts';
import { networkPrefs } from '../../harness/engines/firefox.ts';
import type { EngineInfo } from '../../harness/engines/types.ts';
import type { JournalEntry } from '../../servers/journal.ts';
import { SERVER_KEYS, type ServerKey } from '../../harness/lab/lab.ts';
import { NON_SECURE_PAGE_HOST, observe, pageUrl, pnaNetwork, pnaScenario } from '../../harness/research/pna.ts';
import type { PnaEngineResult, PnaObservation } from '../../harness/result/research.ts';
import { pnaCell, pnaMarkdown } from '../../reports/research.ts';

const ports = Object.fromEntries(SERVER_KEYS.map((key, index) => [key, 42000 + index])) as Record<ServerKey, number>;

function entry(fields: Partial<JournalEntry>): JournalEntry {
  return {
    seq: 1,
    at: 0,
    server: 'https-alt',
    kind: 'request',
    method: 'GET',
    url: 'https://api.site-b.localhost/x/n/pna',
    headers: {},
    ...fields,
  } as JournalEntry;
}

describe('research pna: setup', () => {
  it('serves the allow headers only in the "allow" variant, in the preflight and the actual answer', () => {
    const plain = pnaScenario('local', false, 'preflighted');
    const allow = pnaScenario('loopback', true, 'preflighted');
    expect(plain.request).toMatchObject({ method: 'PUT', headers: { 'X-Lab': '1' } });
    const plainRoute = plain.server.local!['/pna']!;
    const allowRoute = allow.server.loopback!['/pna']!;
    expect(JSON.stringify(plainRoute)).not.toMatch(/Private-Network/);
    const headersOf = (answer: unknown) => (answer as { headers: Record<string, string> }).headers;
    expect(headersOf(allowRoute.preflight)).toMatchObject({
      'Access-Control-Allow-Private-Network': 'true',
      'Access-Control-Allow-Local-Network': 'true',
    });
    expect(headersOf(allowRoute.actual)).toMatchObject({ 'Access-Control-Allow-Private-Network': 'true' });
    expect(pnaScenario('local', false, 'no-cors').request).toMatchObject({ mode: 'no-cors', method: 'GET' });
    // The targets are different lab ports: the local one can be given its own address space.
    expect(plain.target.slot).toBe('alt');
    expect(allow.target.slot).toBe('third');
  });

  it('makes the page ports public, the local target local, and maps the non-secure host, in each engine’s own terms', () => {
    const network = pnaNetwork({ ports });
    expect(network.publicAddresses).toEqual([`127.0.0.1:${ports['https-main']}`, `127.0.0.1:${ports['http-main']}`]);
    expect(network.localAddresses).toEqual([`127.0.0.1:${ports['https-alt']}`]);
    expect(chromiumNetworkArgs(network)).toEqual([
      `--ip-address-space-overrides=127.0.0.1:${ports['https-main']}=public,127.0.0.1:${ports['http-main']}=public,127.0.0.1:${ports['https-alt']}=local`,
      `--host-resolver-rules=MAP ${NON_SECURE_PAGE_HOST} 127.0.0.1`,
    ]);
    expect(networkPrefs(network)).toEqual({
      'network.lna.address_space.public.override': `127.0.0.1:${ports['https-main']},127.0.0.1:${ports['http-main']}`,
      'network.lna.address_space.private.override': `127.0.0.1:${ports['https-alt']}`,
      'network.dns.localDomains': NON_SECURE_PAGE_HOST,
    });
    expect(pageUrl({ ports }, 'override', 'non-secure')).toBe(
      `http://${NON_SECURE_PAGE_HOST}:${ports['http-main']}/__lab/runner`,
    );
    expect(pageUrl({ ports }, 'csp', 'secure')).toBe(
      `https://app.site-a.localhost:${ports['https-third']}/__lab/runner?treat-as-public-address`,
    );
  });
});

describe('research pna: observing one request', () => {
  it('tells "not sent" (empty journal) from "blocked" (the lab answered) and "held" (never settled)', () => {
    const rejected = {
      nonce: 'n',
      settled: 'rejected' as const,
      error: { name: 'TypeError', message: 'Failed to fetch' },
    };
    expect(observe([], rejected, 'simple')).toMatchObject({ outcome: 'not-sent', preflight: false, journal: [] });
    expect(observe([entry({ seq: 7 })], rejected, 'simple')).toMatchObject({ outcome: 'blocked', journal: [7] });
    expect(observe([], { nonce: 'n', settled: 'timeout' }, 'simple').outcome).toBe('timeout');
    expect(observe([], undefined, 'simple').outcome).toBe('timeout');
    expect(
      observe([entry({})], { nonce: 'n', settled: 'resolved', type: 'opaque', status: 0 }, 'no-cors').outcome,
    ).toBe('opaque');
    expect(observe([entry({})], { nonce: 'n', settled: 'resolved', type: 'cors', status: 200 }, 'simple').outcome).toBe(
      'allowed',
    );
  });

  it('records Private/Local Network Access headers from any journal entry, once', () => {
    const preflight = entry({
      seq: 3,
      kind: 'preflight',
      method: 'OPTIONS',
      headers: { 'access-control-request-method': 'PUT', 'access-control-request-private-network': 'true' },
    });
    const actual = entry({ seq: 4, method: 'PUT', headers: { 'x-lab': '1' } });
    const seen = observe(
      [preflight, actual],
      { nonce: 'n', settled: 'resolved', type: 'cors', status: 200 },
      'preflighted',
    );
    expect(seen).toMatchObject({
      preflight: true,
      pnaHeaders: ['access-control-request-private-network: true'],
      journal: [3, 4],
    });
  });
});

const ENGINE: EngineInfo = {
  id: 'chromium',
  family: 'chromium',
  browser: 'Chromium',
  version: '1.2.3',
  driver: 'test driver',
  trust: 'n/a',
  executablePath: '/bin/true',
  profile: 'defaults',
  cookieSettings: 'n/a',
};

function observation(fields: Partial<PnaObservation>): PnaObservation {
  return {
    mechanism: 'override',
    page: 'secure',
    target: 'local',
    permission: 'default',
    allowHeader: false,
    request: 'simple',
    pageUrl: 'https://app.site-a.localhost/__lab/runner',
    targetUrl: 'https://api.site-b.localhost/x/n/pna',
    outcome: 'not-sent',
    preflight: false,
    pnaHeaders: [],
    journal: [],
    ...fields,
  };
}

describe('research pna: a table cell', () => {
  const requests = ['preflighted', 'simple', 'no-cors'] as const;
  const set = (
    permission: PnaObservation['permission'],
    allowHeader: boolean,
    outcome: (request: (typeof requests)[number]) => PnaObservation['outcome'],
  ) =>
    requests.map((request) =>
      observation({
        permission,
        allowHeader,
        request,
        outcome: outcome(request),
        preflight: request === 'preflighted' && outcome(request) === 'allowed',
      }),
    );

  const result: PnaEngineResult = {
    engine: ENGINE,
    overrides: '--ip-address-space-overrides=…',
    permissions: 'test',
    hosts: 'resolved by the engine',
    pages: [
      {
        mechanism: 'override',
        page: 'secure',
        url: 'https://app.site-a.localhost/__lab/runner',
        isSecureContext: true,
        permissions: [
          { case: 'granted', name: 'local-network', state: 'granted', ok: true },
          {
            case: 'granted',
            name: 'bogus',
            state: 'granted',
            ok: false,
            reason: 'Protocol error (Browser.setPermission): Unknown permission.',
          },
          {
            case: 'denied',
            name: 'bogus',
            state: 'denied',
            ok: false,
            reason: 'Protocol error (Browser.setPermission): Unknown permission.',
          },
        ],
      },
      {
        mechanism: 'override',
        page: 'non-secure',
        url: 'http://public-page.test/__lab/runner',
        isSecureContext: null,
        permissions: [],
        skipped: 'the page could not be loaded: DNS',
      },
    ],
    observations: [
      ...set('default', false, () => 'not-sent'),
      ...set('default', true, () => 'not-sent'),
      ...set('granted', false, (request) => (request === 'no-cors' ? 'opaque' : 'allowed')),
      // With the allow header the preflighted request is refused: the cell must say so.
      ...set('granted', true, (request) =>
        request === 'no-cors' ? 'opaque' : request === 'preflighted' ? 'blocked' : 'allowed',
      ),
    ],
  };

  it('sums up outcomes per permission, refusals by name, preflight headers and the allow header’s effect', () => {
    const cell = pnaCell(result, 'override', 'secure', 'local');
    expect(cell.lines).toEqual([
      'default: not sent (refused before sending)',
      'granted: allowed (no-cors: opaque response)',
      'automation could not set: bogus granted/denied (Unknown permission.)',
      'preflight header: none (in 1 preflights)',
      'Allow-Private-Network: true: changes granted preflighted: allowed → blocked',
    ]);
    expect(cell.observations).toHaveLength(12);
  });

  it('says why a page was not measured, and names the build in the Markdown table', () => {
    expect(pnaCell(result, 'override', 'non-secure', 'local').lines).toEqual([
      'not measured: the page could not be loaded: DNS',
    ]);
    const markdown = pnaMarkdown({
      study: 'pna',
      timeoutMs: 4000,
      engines: [result],
      enginesMissing: [{ id: 'webkit', reason: 'not installed', fix: 'apt-get install', found: false }],
    });
    expect(markdown).toMatch(/\| Public page → target \| chromium 1\.2\.3 \(Chromium, test driver\) \|/);
    expect(markdown).toMatch(/\| secure public page \(engine override\) → local target \| default: not sent/);
    expect(markdown).toMatch(/- webkit: not run \(not installed\)/);
    expect(markdown).toMatch(/after 4 s/);
  });
});
