// What makes two results comparable: the scenario-set hash, and evidence
// without the ports and nonces that change with every run; and how a
// difference reads.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { diffResults, withoutRunDetails } from '../../harness/diff/diff.ts';
import type { RunResult } from '../../harness/result/result.ts';
import { scenarioSetHash } from '../../harness/result/run-info.ts';
import { renderDiffTerminal } from '../../reports/diff.ts';
import { runCli, tempDir } from '../helpers.ts';

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

describe('a difference line', () => {
  it('keeps a console message whole: its end names the header that was refused', () => {
    const before = JSON.parse(
      gunzipSync(readFileSync(new URL('../fixtures/results/run-acao.json.gz', import.meta.url))).toString('utf8'),
    ) as RunResult;
    const after = structuredClone(before);
    const cell = after.results.find((result) => result.evidence.console !== 'not exposed')!;
    const long = `${'Access to fetch has been blocked by CORS policy: '.padEnd(200, '.')} Request header field x-csrf-token is not allowed`;
    // A cell that changed (diff lists those), with a console line longer than any cut.
    cell.outcome = cell.outcome === 'allowed' ? 'blocked' : 'allowed';
    cell.evidence.console = [{ level: 'error', text: long }];
    const change = diffResults(before, after, { before: 'a.json', after: 'b.json' }).changes.find(
      (found) => found.scenario === cell.scenario && found.engine === cell.engine,
    )!;
    expect(change.differences.find((line) => line.startsWith('console:'))).toContain(`'${long}'`);
  });
});

describe('a cell only in the second run', () => {
  const fixture = () =>
    JSON.parse(
      gunzipSync(readFileSync(new URL('../fixtures/results/run-acao.json.gz', import.meta.url))).toString('utf8'),
    ) as RunResult;

  it('that is not as expected is a new failure: marked, counted, and diff exits 1 as for a regression', async () => {
    const after = fixture();
    const failing = after.results[0]!;
    failing.matchesExpectation = false;
    const before = fixture();
    before.results = before.results.filter(
      (cell) => !(cell.scenario === failing.scenario && cell.engine === failing.engine),
    );
    const diff = diffResults(before, after, { before: 'a.json', after: 'b.json' });
    expect(diff.summary).toMatchObject({ added: 1, addedNotAsExpected: 1, regressed: 0 });
    const view = renderDiffTerminal(diff, { wide: true });
    expect(view).toContain(
      `${failing.scenario} in ${failing.engine}: – → ${failing.outcome} (${failing.verdict}) — NOT AS EXPECTED (expected ${failing.expected})`,
    );
    expect(view).toContain('1 added (1 not as expected)');

    const dir = tempDir('diff-added');
    writeFileSync(join(dir, 'a.json'), JSON.stringify(before));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(after));
    expect((await runCli(['diff', join(dir, 'a.json'), join(dir, 'b.json')])).status).toBe(1);
    // The same cell as expected is only added: exit 0.
    failing.matchesExpectation = true;
    writeFileSync(join(dir, 'b.json'), JSON.stringify(after));
    expect((await runCli(['diff', join(dir, 'a.json'), join(dir, 'b.json')])).status).toBe(0);
  });
});
