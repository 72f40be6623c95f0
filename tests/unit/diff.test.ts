// What makes two results comparable: the scenario-set hash, and evidence
// without the ports and nonces that change with every run.
import { describe, expect, it } from 'vitest';
import { withoutRunDetails } from '../../harness/diff/diff.ts';
import { scenarioSetHash } from '../../harness/result/run-info.ts';

describe('scenarioSetHash', () => {
  it('is the same for the same rows in any order and key order, and differs when a definition does', () => {
    const a = { id: 'a', definition: { method: 'GET', headers: { x: '1' } } };
    const b = { id: 'b', definition: { method: 'PUT' } };
    expect(scenarioSetHash([a, b])).toBe(
      scenarioSetHash([b, { id: 'a', definition: { headers: { x: '1' }, method: 'GET' } }]),
    );
    expect(scenarioSetHash([a, b])).not.toBe(scenarioSetHash([a, { id: 'b', definition: { method: 'POST' } }]));
    expect(scenarioSetHash([a, b])).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('withoutRunDetails', () => {
  it("drops the lab's ports and the probes' nonces, and nothing else", () => {
    expect(withoutRunDetails('https://app.site-a.localhost:43067')).toBe('https://app.site-a.localhost:<port>');
    expect(
      withoutRunDetails(
        "Access to fetch at 'https://[::1]:8443/x?nonce=chromium-12ab' from origin 'http://a.localhost:1' has been blocked",
      ),
    ).toBe(
      "Access to fetch at 'https://[::1]:<port>/x?nonce=<nonce>' from origin 'http://a.localhost:<port>' has been blocked",
    );
    expect(withoutRunDetails('Origin, Accept-Encoding')).toBe('Origin, Accept-Encoding');
  });
});
