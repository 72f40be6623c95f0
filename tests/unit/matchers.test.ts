import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { corsMatchers } from '../../harness/api/matchers.ts';
import type { ProbeOutcome } from '../../harness/api/lab.ts';
import type { CellResult } from '../../harness/result/result.ts';

function outcome(cells: [CellResult['engine'], CellResult['outcome'], string][]): ProbeOutcome {
  return {
    cells: cells.map(([engine, outcome, explanation]) => ({ engine, outcome, explanation }) as CellResult),
    allowedIn: cells.filter(([, result]) => result === 'allowed').map(([engine]) => engine),
    blockedIn: cells.filter(([, result]) => result === 'blocked').map(([engine]) => engine),
    spec: {
      outcome: 'blocked',
      explanation: "blocked: the preflight answer's Access-Control-Allow-Headers does not list 'x-api-key'",
      preflight: true,
      steps: [],
    },
    engines: [
      { id: 'chromium', version: '156.0' },
      { id: 'firefox', version: '153.7.0esr' },
      { id: 'webkit', version: '2.50.6' },
    ] as ProbeOutcome['engines'],
  };
}

describe('toBeAllowedIn / toBeBlockedIn', () => {
  const mixed = outcome([
    ['chromium', 'allowed', 'allowed: the page read the response (status 200).'],
    ['firefox', 'blocked', 'blocked: the browser refused the preflight answer (status 204).'],
    ['webkit', 'allowed', 'allowed: the page read the response (status 200).'],
  ]);

  it('passes only when every asked engine gives the outcome', () => {
    expect(corsMatchers.toBeAllowedIn.call({}, mixed).pass).toBe(false);
    expect(corsMatchers.toBeAllowedIn.call({}, mixed, ['chromium', 'webkit']).pass).toBe(true);
    expect(corsMatchers.toBeBlockedIn.call({}, mixed, ['firefox']).pass).toBe(true);
    // One engine as itself, as a user writes it: not "asked.filter is not a function".
    expect(corsMatchers.toBeBlockedIn.call({}, mixed, 'firefox').pass).toBe(true);
    expect(corsMatchers.toBeAllowedIn.call({}, mixed, 'firefox').pass).toBe(false);
    expect(corsMatchers.toBeAllowedIn.call({}, mixed, 'firefox').message()).toMatch(/^expected allowed in firefox\n/);
  });

  it('fails for an engine that did not run, instead of passing by omission', () => {
    const onlyChromium = outcome([['chromium', 'allowed', 'allowed']]);
    const result = corsMatchers.toBeAllowedIn.call({}, onlyChromium, ['chromium', 'webkit']);
    expect(result.pass).toBe(false);
    expect(result.message()).toMatch(/not run here \(never counted as a pass\): webkit/);
  });

  it('explains a failure engine by engine, with the spec model', () => {
    const message = corsMatchers.toBeAllowedIn.call({}, mixed).message();
    expect(message).toMatch(/^expected allowed in chromium, firefox, webkit/);
    expect(message).toMatch(/✗ firefox 153\.7\.0esr\s+blocked\s+blocked: the browser refused the preflight answer/);
    expect(message).toMatch(/✓ chromium 156\.0/);
    expect(message).toMatch(
      /spec model: blocked: the preflight answer's Access-Control-Allow-Headers does not list 'x-api-key'/,
    );
  });
});

describe('toVaryOnOrigin', () => {
  const withAnswers = (varies: (string | undefined)[]) =>
    ({
      cells: [
        {
          engine: 'chromium',
          evidence: {
            journal: varies.map((vary, seq) => ({
              seq,
              kind: seq === 0 ? 'preflight' : 'request',
              method: 'GET',
              url: 'https://api/x',
              status: 200,
              responseHeaders: { 'access-control-allow-origin': 'https://app', ...(vary ? { vary } : {}) },
            })),
          },
        },
      ],
    }) as unknown as ProbeOutcome;

  it('passes only when every answer lists Origin (or *) in Vary, and names each that does not', () => {
    expect(corsMatchers.toVaryOnOrigin.call({}, withAnswers(['Origin', 'Accept-Encoding, origin'])).pass).toBe(true);
    expect(corsMatchers.toVaryOnOrigin.call({}, withAnswers(['*'])).pass).toBe(true);
    const failed = corsMatchers.toVaryOnOrigin.call({}, withAnswers(['Origin', 'Accept-Encoding']));
    expect(failed.pass).toBe(false);
    expect(failed.message()).toMatch(
      /✗ chromium\s+request\s+GET https:\/\/api\/x → 200: Vary Accept-Encoding, Access-Control-Allow-Origin https:\/\/app \(journal #1\)/,
    );
    // No answer at all is nothing to judge: never a pass.
    expect(corsMatchers.toVaryOnOrigin.call({}, withAnswers([])).pass).toBe(false);
  });
});

describe('toMatchBaseline', () => {
  it('records with CORS_LAB_UPDATE_BASELINE=1, then passes as recorded and fails naming each column that changed', () => {
    const file = join(tempDir('matcher-baseline'), 'cors-baseline.json');
    const cells = (webkit: 'allowed' | 'blocked') =>
      ({
        cells: [
          { engine: 'chromium', outcome: 'allowed', verdict: 'matches-spec' },
          { engine: 'webkit', outcome: webkit, verdict: webkit === 'allowed' ? 'matches-spec' : 'new-finding' },
        ],
      }) as unknown as ProbeOutcome;
    process.env.CORS_LAB_UPDATE_BASELINE = '1';
    try {
      expect(corsMatchers.toMatchBaseline.call({}, cells('allowed'), file, 'expose listed').pass).toBe(true);
    } finally {
      delete process.env.CORS_LAB_UPDATE_BASELINE;
    }
    expect(readFileSync(file, 'utf8')).toContain('"expose listed": { "chromium": "allowed", "webkit": "allowed" }');
    expect(corsMatchers.toMatchBaseline.call({}, cells('allowed'), file, 'expose listed').pass).toBe(true);
    const changed = corsMatchers.toMatchBaseline.call({}, cells('blocked'), file, 'expose listed');
    expect(changed.pass).toBe(false);
    expect(changed.message()).toMatch(/✗ webkit\s+recorded allowed, now blocked \(new-finding\)/);
    expect(changed.message()).toMatch(/✓ chromium\s+recorded allowed, now allowed/);
    expect(corsMatchers.toMatchBaseline.call({}, cells('allowed'), file, 'never recorded').message()).toMatch(
      /has no entry 'never recorded'. Fix: run the tests once with CORS_LAB_UPDATE_BASELINE=1/,
    );
  });
});
