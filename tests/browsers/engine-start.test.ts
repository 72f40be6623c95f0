// An engine that is found but does not start is treated the same way in every
// flow (session/launch.ts notStarted): listed as not run with why
// (found: true), nothing measured or invented for it, the other engines run.
// Chromium is pointed at /bin/false, which exists and exits at once.
import { readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab } from '../../harness/api/lab.ts';
import { planFromCli } from '../../harness/check/plan.ts';
import { runCheck } from '../../harness/check/runner.ts';
import type { MissingEngine } from '../../harness/engines/types.ts';
import { studyMaxAge } from '../../harness/research/max-age.ts';
import { studyPna } from '../../harness/research/pna.ts';
import type { RunResult } from '../../harness/result/result.ts';
import { runScenarios } from '../../harness/run/runner.ts';
import { startFixture, type FixtureServer } from '../check-helpers.ts';
import { expectValidResult, runCli, scenariosFrom, tempCertDir, tempDir } from '../helpers.ts';

const SCENARIO = `
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }
scenarios:
  - id: star
    title: ACAO * allows
    request: { target: api, path: /data }
    server: { api: { /data: { actual: { headers: { Access-Control-Allow-Origin: "*" } } } } }
`;
const chromiumNotStarted = (missing: MissingEngine[]) =>
  expect(missing).toEqual([
    {
      id: 'chromium',
      found: true,
      reason: expect.stringMatching(/^the engine did not start: /),
      fix: expect.stringContaining('npx cors-lab browsers'),
    },
  ]);

let saved: string | undefined;
let express: FixtureServer;
beforeAll(async () => {
  saved = process.env.CORS_LAB_CHROMIUM;
  process.env.CORS_LAB_CHROMIUM = '/bin/false';
  express = await startFixture('express-cors-server', { ALLOWED_ORIGINS: 'http://app.example.com' });
});
afterAll(async () => {
  if (saved === undefined) delete process.env.CORS_LAB_CHROMIUM;
  else process.env.CORS_LAB_CHROMIUM = saved;
  await express?.stop();
});

describe('an engine that is found and does not start', () => {
  it('run: not run, no cells for it, the other engine measured', async () => {
    const result = await runScenarios({
      scenarios: scenariosFrom(SCENARIO),
      engines: ['chromium', 'firefox'],
      timeoutMs: 6000,
      isolation: 'group',
      certDir: tempCertDir(),
    });
    chromiumNotStarted(result.enginesMissing);
    expect(result.engines.map((engine) => engine.id)).toEqual(['firefox']);
    expect(result.results.map((cell) => `${cell.engine} ${cell.outcome}`)).toEqual(['firefox allowed']);
  });

  it('check: the same', async () => {
    const plan = planFromCli(`http://api.example.com:${express.port}/api/me`, {
      origin: ['http://app.example.com'],
      expect: [],
      method: 'GET',
      header: [],
      credentials: 'same-origin',
      kind: 'fetch',
      resolve: [`api.example.com:${express.port}:127.0.0.1:${express.port}`],
      ca: [],
      sweep: false,
      missingPath: false,
    });
    const result = await runCheck({ plan, engines: ['chromium', 'firefox'], timeoutMs: 6000, certDir: tempCertDir() });
    chromiumNotStarted(result.enginesMissing);
    expect(result.results.map((cell) => `${cell.engine} ${cell.outcome}`)).toEqual(['firefox allowed']);
  });

  it('research max-age: the same, and the study does not end', async () => {
    const study = await studyMaxAge({
      engines: ['chromium'],
      maxWaitSeconds: 5,
      timeoutMs: 4000,
      certDir: tempCertDir(),
    });
    expect(study.engines).toEqual([]);
    chromiumNotStarted(study.enginesMissing);
  });

  it('research pna: the same', async () => {
    const study = await studyPna({ engines: ['chromium'], timeoutMs: 4000, certDir: tempCertDir() });
    expect(study.engines).toEqual([]);
    chromiumNotStarted(study.enginesMissing);
  });

  it('createLab: the same, the lab probes in the others; with no engine at all it refuses to start', async () => {
    const lab = await createLab({ engines: ['chromium', 'firefox'], certDir: tempCertDir() });
    try {
      chromiumNotStarted(lab.missing);
      expect(lab.engines.map((engine) => engine.id)).toEqual(['firefox']);
      const outcome = await lab.probe({
        server: (_request: IncomingMessage, response: ServerResponse) =>
          response.writeHead(200, { 'Access-Control-Allow-Origin': '*' }).end('ok'),
      });
      expect(outcome.allowedIn).toEqual(['firefox']);
    } finally {
      await lab.close();
    }
    await expect(createLab({ engines: ['chromium'], certDir: tempCertDir() })).rejects.toThrow(
      /no engine could be started: chromium: the engine did not start: /,
    );
  });

  it('the CLI says so and exits 2 (a harness failure), even when no engine was named', async () => {
    const dir = tempDir('engine-start-cli');
    writeFileSync(join(dir, 'star.yaml'), SCENARIO);
    const run = await runCli(['run', join(dir, 'star.yaml'), '--out', join(dir, 'out'), '--wide']);
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/^chromium: not run — the engine did not start: .*\. Fix: npx cors-lab browsers/m);
    const result = JSON.parse(readFileSync(join(dir, 'out/result.json'), 'utf8')) as RunResult;
    expectValidResult(result);
    expect(result.enginesMissing).toEqual([expect.objectContaining({ id: 'chromium', found: true })]);
    expect(result.results.some((cell) => cell.engine === 'chromium')).toBe(false);
    expect(result.results.length).toBeGreaterThan(0);
  });
});
