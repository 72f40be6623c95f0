// Remote engines on a real Selenium Grid 4 (the README's Grid example): the
// Grid runs in a network namespace of its own (examples/grid/start-grid.sh),
// Chromium through chromedriver and WebKitGTK through a relay to
// WebKitWebDriver, so the browsers are another host and reach the lab over a
// veth link through the lab proxy. A part of the catalog through the Grid
// must give the local engines' matrix for the same builds, cell for cell, and
// every Grid session must be gone afterwards. The Grid is stopped and the
// namespace removed also when a test fails.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOnParentDeath } from '../../harness/engines/cleanup.ts';
import type { RunResult } from '../../harness/result/result.ts';
import { expectValidResult, PROJECT_ROOT, runCli, tempDir } from '../helpers.ts';
import { processName, until } from '../faults/processes.ts';

const GRID = 'http://10.201.0.2:4444';
const EXAMPLE = join(PROJECT_ROOT, 'examples/grid');
const PART = ['basics', 'preflight', 'wildcards', 'font', 'image', 'xhr'].map((folder) =>
  join(PROJECT_ROOT, 'scenarios', folder),
);
const run = tempDir('grid');
const env = { ...process.env, CORS_LAB_GRID_RUN: join(run, 'grid') };

function stopGrid(): string {
  return execFileSync('bash', [join(EXAMPLE, 'stop-grid.sh')], { env, encoding: 'utf8' });
}

/** Each Grid slot's browser and whether a session holds it. */
async function slots(): Promise<string[]> {
  const status = (await (await fetch(`${GRID}/status`)).json()) as {
    value: { nodes: { slots: { stereotype: { browserName: string }; session: unknown }[] }[] };
  };
  return status.value.nodes
    .flatMap((node) => node.slots.map((slot) => `${slot.stereotype.browserName}: ${slot.session ? 'busy' : 'free'}`))
    .sort();
}

/** The user's server, in its own process: allows https://app.example.com, refuses any other origin. */
let server: ChildProcess | undefined;
let serverPort = 0;

beforeAll(async () => {
  server = spawn(
    process.execPath,
    [
      '-e',
      `
    const http = require('node:http');
    const s = http.createServer((request, response) => {
      const allowed = request.headers.origin === 'https://app.example.com';
      response.writeHead(200, { 'content-type': 'application/json', vary: 'Origin', ...(allowed ? { 'access-control-allow-origin': request.headers.origin } : {}) });
      response.end('[]');
    });
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  serverPort = await new Promise<number>((resolve) =>
    server!.stdout!.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim()))),
  );
});

afterAll(() => {
  server?.kill();
});

/** The Grid is stopped should this test process die before afterAll (a run killed from outside). */
let stopOnDeath = (): void => {};

beforeAll(() => {
  stopOnDeath = runOnParentDeath(['bash', join(EXAMPLE, 'stop-grid.sh')], { CORS_LAB_GRID_RUN: env.CORS_LAB_GRID_RUN });
  const started = spawnSync('bash', [join(EXAMPLE, 'start-grid.sh')], { env, encoding: 'utf8', timeout: 150_000 });
  if (started.status !== 0) {
    stopGrid();
    throw new Error(`the Grid did not start: ${started.stderr}${started.stdout}`);
  }
}, 160_000);

afterAll(() => {
  stopOnDeath();
  stopGrid();
});

describe('remote engines on a Selenium Grid in its own network namespace', () => {
  let result: RunResult;
  let stdout = '';

  it('runs part of the catalog through the Grid beside the local engines, and names the Grid browsers in the matrix', async () => {
    const out = join(run, 'out');
    const cli = await runCli([
      'run',
      ...PART,
      '--remote-config',
      join(EXAMPLE, 'remote.yaml'),
      '--browsers',
      'chromium,webkit,grid-chrome,grid-webkit',
      '--reporter',
      'json',
      '--out',
      out,
      '--no-color',
    ]);
    stdout = cli.stdout;
    expect(cli.status, cli.stderr).toBe(0);
    result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
    expectValidResult(result);
    const byId = Object.fromEntries(result.engines.map((engine) => [engine.id, engine]));
    expect(byId['grid-chrome']).toMatchObject({
      family: 'chromium',
      browser: 'chrome (remote, linux)',
      version: byId.chromium!.version,
      remote: { endpoint: GRID, browserName: 'chrome', platformName: 'linux', bidi: true },
    });
    expect(byId['grid-chrome']!.trust).toMatch(/scoped to the lab CA/);
    // WebKitGTK has no BiDi: classic alone, and only acceptInsecureCerts, said to be unscoped.
    expect(byId['grid-webkit']).toMatchObject({
      family: 'webkit',
      browser: 'MiniBrowser (remote, linux)',
      version: byId.webkit!.version,
      remote: { endpoint: GRID, browserName: 'MiniBrowser', bidi: false },
    });
    expect(byId['grid-webkit']!.trust).toMatch(/NOT scoped/);
    expect(stdout).toMatch(/^scenario +spec +chromium \S+ +webkit \S+ +grid-chrome \S+ +grid-webkit \S+/m);
    expect(stdout).toContain('grid-chrome: chrome (remote, linux)');
  }, 300_000);

  it('gives the same outcome, verdict and request evidence as the local engine of the same build, in every cell', () => {
    const same = (remote: string, local: string) => {
      const local_ = new Map(
        result.results.filter((cell) => cell.engine === local).map((cell) => [cell.scenario, cell]),
      );
      const remote_ = result.results.filter((cell) => cell.engine === remote);
      expect(remote_.length).toBe(local_.size);
      expect(remote_.length).toBeGreaterThan(50);
      const view = (cell: RunResult['results'][number]) => ({
        outcome: cell.outcome,
        verdict: cell.verdict,
        requestMismatch: cell.requestMismatch !== undefined,
        preflightSent: cell.evidence.preflightSent,
        requestReached: cell.evidence.requestReached,
        status: cell.evidence.status,
      });
      for (const cell of remote_)
        expect(view(cell), `${cell.scenario} in ${remote} and ${local}`).toEqual(view(local_.get(cell.scenario)!));
    };
    same('grid-chrome', 'chromium');
    same('grid-webkit', 'webkit');
    // Over BiDi, the Grid's Chromium shows its own console refusals, as the local one does.
    const refusal = result.results.find(
      (cell) =>
        cell.engine === 'grid-chrome' &&
        cell.outcome === 'blocked' &&
        Array.isArray(cell.evidence.console) &&
        cell.evidence.console.some((entry) => /blocked by CORS policy/.test(entry.text)),
    );
    expect(refusal, 'a CORS refusal in the Grid Chromium console').toBeDefined();
    expect(result.results.find((cell) => cell.engine === 'grid-webkit')!.evidence.console).toBe('not exposed');
  });

  it('leaves every Grid slot free: each session was deleted', async () => {
    expect(await slots()).toEqual(['MiniBrowser: free', 'chrome: free']);
  });

  it('checks a server in its own process through the Grid, posing as a front end, as the local engines do', async () => {
    const out = join(run, 'check');
    const cli = await runCli([
      'check',
      `http://127.0.0.1:${serverPort}/api/users`,
      '--origin',
      'https://app.example.com',
      '--origin',
      'http://other.example.com',
      '--expect',
      'allowed',
      '--expect',
      'blocked',
      '--no-sweep',
      '--no-missing-path',
      '--remote-config',
      join(EXAMPLE, 'remote.yaml'),
      '--browsers',
      'chromium,webkit,grid-chrome,grid-webkit',
      '--reporter',
      'json',
      '--out',
      out,
      '--no-color',
    ]);
    const checked = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
    const outcomes = Object.fromEntries(
      ['chromium', 'grid-chrome', 'webkit', 'grid-webkit'].map((engine) => [
        engine,
        checked.results
          .filter((cell) => cell.engine === engine)
          .map((cell) => `${cell.scenario}: ${cell.outcome}`)
          .sort(),
      ]),
    );
    expect(outcomes['grid-chrome']).toEqual(outcomes.chromium);
    expect(outcomes['grid-webkit']).toEqual(outcomes.webkit);
    // The allowed origin is read in the Grid's Chromium, and the other one refused (WebKitGTK refuses an http loopback target from an https page).
    expect(outcomes['grid-chrome']).toEqual([
      expect.stringMatching(/from http:\/\/other\.example\.com: blocked$/),
      expect.stringMatching(/from https:\/\/app\.example\.com: allowed$/),
    ]);
    expect(cli.status, cli.stderr).toBe(1); // WebKit's mixed-content refusal of the allowed origin is not as expected
  }, 180_000);

  it('cors-lab browsers says the Grid answers for each remote engine', async () => {
    const listed = await runCli(['browsers', '--remote-config', join(EXAMPLE, 'remote.yaml')]);
    expect(listed.stdout).toMatch(
      /^grid-chrome +remote endpoint ready\n +driver: webdriver-classic \+ bidi \(remote: http:\/\/10\.201\.0\.2:4444\)/m,
    );
    expect(listed.stdout).toMatch(/^grid-webkit +remote endpoint ready\n +driver: webdriver-classic \(remote: /m);
  });

  it('reports an endpoint that does not answer as a missing engine, with the fix, runs nothing for it and writes no report', async () => {
    const out = join(run, 'missing');
    const cli = await runCli([
      'run',
      PART[0]!,
      '--remote',
      'grid-gone=chrome@http://10.201.0.2:4999',
      '--browsers',
      'grid-gone',
      '--reporter',
      'json',
      '--out',
      out,
      '--no-color',
    ]);
    expect(cli.status).toBe(2);
    // The line wraps at the terminal's width: read it whole.
    expect(cli.stdout.replace(/\n +/g, ' ')).toMatch(
      /^grid-gone: not run — .*unreachable.*ECONNREFUSED.*\. Fix: .*start the endpoint/m,
    );
    // No engine ran: nothing was measured, so no report replaces an earlier one.
    expect(cli.stderr).toContain('cors-lab: no engine could be run, so no report was written');
    expect(existsSync(join(out, 'result.json'))).toBe(false);
  }, 60_000);
});

// Last in this file: it stops the file's Grid and starts the bench's own.
// A CI timeout kills the whole process group; the Grid lives in its network
// namespace, in sessions of its own, beyond any group cors-lab could kill,
// so the bench's watchdog runs stop-grid.sh when the bench dies.
describe('npm run bench killed during its Grid part', () => {
  it('leaves no Grid process and no network namespace within 10 s', async () => {
    stopGrid();
    const benchFolders = () => readdirSync(tmpdir()).filter((name) => name.startsWith('cors-lab-bench-grid-'));
    const foldersBefore = benchFolders();
    const gridUp = () =>
      spawnSync('ip', ['netns', 'pids', 'cors-lab-grid'], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .filter(Boolean)
        .some((pid) => processName(Number(pid)) === 'java');
    const bench = spawn('npm', ['run', 'bench', '--', '--quick', '--part', 'grid', '--json', join(run, 'bench.json')], {
      cwd: PROJECT_ROOT,
      detached: true,
      env: { ...process.env, CI: 'true' },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => bench.on('close', () => resolve()));
    expect(await until(gridUp, 150_000), 'the bench started its Grid').toBe(true);
    process.kill(-bench.pid!, 'SIGKILL');
    await exited;
    const namespaceGone = () =>
      !spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes('cors-lab-grid');
    expect(await until(namespaceGone, 10_000), 'the namespace cors-lab-grid was removed').toBe(true);
    expect(spawnSync('pgrep', ['-f', 'selenium-server'], { encoding: 'utf8' }).stdout.trim()).toBe('');
    expect(
      await until(() => benchFolders().length === foldersBefore.length, 5_000),
      "the bench's Grid folder was removed",
    ).toBe(true);
  }, 200_000);
});
