// research history and bisect with real builds from the registries, in a
// private build cache: the Partitioned cookie that Chromium's headless shell
// sent cross-site up to 113 and withholds from 114 (CHIPS on by default) is
// found by both, with the evidence of each build; a bisect between two builds
// that behave alike says so; bad input is refused before anything is fetched.
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab } from '../../harness/api/lab.ts';
import type { ResearchResult } from '../../harness/result/result.ts';
import { expectValidResult, NODE, BIN, runCommand, tempCertDir, tempDir } from '../helpers.ts';

let cache = '';
// Wide enough that no line is wrapped, so each can be matched whole; the 80-column test says what wrapping keeps.
const cli = (args: string[], columns = 1000) =>
  runCommand(NODE, [BIN, ...args], { env: { CORS_LAB_CACHE: cache, COLUMNS: String(columns) } });
/** The output with its wrapping undone, to match words across a broken line. */
const unwrapped = (text: string) => text.replace(/\s+/g, ' ');

beforeAll(async () => {
  cache = tempDir('history-builds');
  const install = await cli(['install-browsers', 'chromium@113', 'chromium@114']);
  expect(install.status, install.stderr).toBe(0);
}, 300_000);
afterAll(() => {
  // The cache folder goes with the run's temporary folder; nothing is left in the user's cache.
  expect(existsSync(join(cache, 'browsers', 'chromium-headless-shell@113', 'build.json'))).toBe(true);
});

describe('research history', () => {
  it('names the outcome and journal change between consecutive builds, and nothing where the builds agree', async () => {
    const out = tempDir('history-report');
    const finished = await cli([
      'research',
      'history',
      'scenarios/cookies',
      '--browsers',
      'chromium@113,chromium@114',
      '--reporter',
      `json=${out}/result.json,markdown=${out}/report.md,html=${out}/report.html`,
    ]);
    expect(finished.status, finished.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as ResearchResult;
    expectValidResult(result);
    const history = result.research.history!;
    expect(history.series).toEqual([
      {
        family: 'chromium',
        kind: 'headless-shell',
        builds: [
          { engine: 'chromium@113', version: expect.stringMatching(/^113\./) },
          { engine: 'chromium@114', version: expect.stringMatching(/^114\./) },
        ],
      },
    ]);
    expect(history.errors).toEqual([]);
    const changed = history.timelines.map((timeline) => `${timeline.scenario} ${timeline.aspect}`);
    expect(changed).toContain('cookie-partitioned-cross-site outcome');
    expect(changed).toContain('cookie-partitioned-cross-site journal');
    // Every other cookie scenario behaved alike in both builds.
    expect(new Set(history.timelines.map((timeline) => timeline.scenario))).toEqual(
      new Set(['cookie-partitioned-cross-site']),
    );
    const outcome = history.timelines.find(
      (timeline) => timeline.scenario === 'cookie-partitioned-cross-site' && timeline.aspect === 'outcome',
    )!;
    expect(outcome.text).toMatch(/^allowed up to 113\.[\d.]+, blocked from 114\.[\d.]+$/);
    expect(finished.stdout).toContain('cookie-partitioned-cross-site (chromium headless shell, outcome)');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(
      `| cookie-partitioned-cross-site | chromium, headless shell | outcome | ${outcome.text} |`,
    );
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('History: what changed between builds');
  }, 300_000);
});

describe('cors-lab bisect', () => {
  it('finds the first build with the later behaviour and shows the evidence of the two adjacent builds', async () => {
    const finished = await cli([
      'bisect',
      'cookie-partitioned-cross-site',
      '--between',
      'chromium@112',
      'chromium@115',
    ]);
    expect(finished.status, finished.stderr).toBe(0);
    expect(finished.stdout).toMatch(
      /^cookie-partitioned-cross-site: outcome, journal changed between chromium-headless-shell@113 and chromium-headless-shell@114 \(\d of 4 builds measured\)$/m,
    );
    expect(finished.stdout).toMatch(/^last build with the earlier behaviour: chromium-headless-shell@113 113\./m);
    expect(finished.stdout).toMatch(/^first build with the later behaviour: +chromium-headless-shell@114 114\./m);
    expect(finished.stdout).toMatch(
      /journal: GET \/x\/\{nonce\}\/me 200 \[cookie; Origin https:\/\/app\.site-a\.localhost\]/,
    );
    // Each step is printed as it is measured.
    expect(finished.stderr).toMatch(/step 1: chromium-headless-shell@112 \(112\.[\d.]+\): allowed/);
    expect(finished.stderr).toMatch(/step 2: chromium-headless-shell@115 \(115\.[\d.]+\): blocked/);
  }, 300_000);

  it('says so, exit 1, when the two ends behave alike', async () => {
    const finished = await cli(['bisect', 'preflight-put-allowed', '--between', 'chromium@113', 'chromium@114'], 80);
    expect(finished.status, finished.stderr).toBe(1);
    expect(unwrapped(finished.stdout)).toContain(
      'preflight-put-allowed: no change between chromium@113 and chromium@114 (2 builds measured)',
    );
    // Fitted to 80 columns: the steps, the verdict and each build's evidence.
    const lines = `${finished.stdout}${finished.stderr}`.trimEnd().split('\n');
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    expect(unwrapped(finished.stdout)).toMatch(/outcome: allowed — allowed: the page read the response/);
  }, 300_000);

  it('refuses bad input before fetching anything: an unknown scenario, builds of two kinds, the newer build first', async () => {
    const unknown = await cli(['bisect', 'no-such-scenario', '--between', 'chromium@113', 'chromium@114']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no scenario "no-such-scenario"');
    const kinds = await cli(['bisect', 'cookie-partitioned-cross-site', '--between', 'chromium@143', 'chromium@150']);
    expect(kinds.status).toBe(2);
    expect(kinds.stderr).toMatch(
      /chromium@143 is a chromium headless-shell build and chromium@150 a chromium full build/,
    );
    const order = await cli(['bisect', 'cookie-partitioned-cross-site', '--between', 'chromium@114', 'chromium@113']);
    expect(order.status).toBe(2);
    expect(order.stderr).toContain('give the older build first');
    expect(existsSync(join(cache, 'browsers', 'chromium@150'))).toBe(false);
  }, 120_000);
});

describe('builds through the vitest API', () => {
  it('createLab takes build names: each build probes as its own engine, with its version and kind', async () => {
    const saved = process.env.CORS_LAB_CACHE;
    process.env.CORS_LAB_CACHE = cache;
    const lab = await createLab({ engines: ['chromium@113', 'chromium@114'], certDir: tempCertDir() });
    try {
      expect(lab.missing).toEqual([]);
      expect(lab.engines.map((engine) => [engine.id, engine.version.split('.')[0], engine.build?.kind])).toEqual([
        ['chromium@113', '113', 'headless-shell'],
        ['chromium@114', '114', 'headless-shell'],
      ]);
      const allowing = (request: IncomingMessage, response: ServerResponse) => {
        response.setHeader('Access-Control-Allow-Origin', request.headers.origin ?? '*');
        response.end('ok');
      };
      const outcome = await lab.probe({ server: allowing, request: { path: '/me' } });
      expect(outcome.cells.map((cell) => `${cell.engine} ${cell.outcome}`)).toEqual([
        'chromium@113 allowed',
        'chromium@114 allowed',
      ]);
    } finally {
      await lab.close();
      if (saved === undefined) delete process.env.CORS_LAB_CACHE;
      else process.env.CORS_LAB_CACHE = saved;
    }
  }, 120_000);
});
