// The session layer with a real browser and a real lab: what every flow
// (run, check, createLab) gets back when something breaks under a page.
// A context closed while its probes are in flight turns every probe of the
// page into an error with its cause (never "blocked"), the broken context is
// not reused, and the next page runs in a fresh one. A browser killed under
// a page is relaunched for the pages after it, and the result says so.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverForRun } from '../../harness/engines/discovery.ts';
import { startLab, type Lab } from '../../harness/lab/lab.ts';
import { buildCell } from '../../harness/run/cell.ts';
import { mintNonce } from '../../harness/session/page.ts';
import { probeRequest } from '../../harness/session/probe-request.ts';
import { labControlUrl } from '../../harness/session/reachability.ts';
import { ProbeSession } from '../../harness/session/session.ts';
import { mainBrowserProcess } from '../faults/processes.ts';
import { scenariosFrom, tempCertDir } from '../helpers.ts';

const [slow, quick] = scenariosFrom(`
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }
scenarios:
  - id: slow
    title: an answer that takes 5 s
    request: { target: api, path: /slow }
    server: { api: { /slow: { actual: { delayMs: 5000, headers: { Access-Control-Allow-Origin: "*" } } } } }
  - id: quick
    title: an answer at once
    request: { target: api, path: /quick }
    server: { api: { /quick: { actual: { headers: { Access-Control-Allow-Origin: "*" } } } } }
`) as [ReturnType<typeof scenariosFrom>[number], ReturnType<typeof scenariosFrom>[number]];

let lab: Lab;
let session: ProbeSession;
let chromiumPath: string;
beforeAll(async () => {
  lab = await startLab({ hostnames: ['app.site-a.localhost', 'api.site-b.localhost'], certDir: tempCertDir() });
  const [chromium] = (await discoverForRun(['chromium'])).runnable;
  chromiumPath = (chromium!.discovery as { executablePath: string }).executablePath;
  const started = await ProbeSession.start('chromium', chromium!.driver!, lab, { timeoutMs: 8000 });
  if ('notStarted' in started) throw new Error(started.notStarted.reason);
  session = started.session;
}, 120_000);
afterAll(async () => {
  await session?.close();
  await lab?.close();
});

const pageRun = (requests: ReturnType<typeof probeRequest>[]) => ({
  contextKey: 'shared',
  runnerUrl: `${lab.originUrl(slow.page)}/__lab/runner`,
  requests,
  control: { url: (request: { url: string; nonce: string }) => labControlUrl(request.url, request.nonce) },
});

const planned = (scenario: typeof slow) => {
  const nonce = mintNonce('chromium');
  lab.register(scenario, nonce);
  return probeRequest(scenario, lab, nonce, 8000);
};

describe('ProbeSession.run', () => {
  it('a context closed under its probes: every probe an error with the cause, none blocked, and the next page in a fresh context', async () => {
    const requests = [planned(slow), planned(slow)];
    const doomed = await session.context('shared');
    setTimeout(() => void doomed.close(), 500);
    const runs = await session.run(pageRun(requests));

    expect(runs).toHaveLength(2);
    for (const run of runs) {
      expect(run.outcome).toEqual({ harnessError: expect.stringMatching(/\S/) });
      expect(run.control).toBeUndefined(); // no context left to run a control in
      const cell = buildCell({
        scenario: 'slow',
        engine: 'chromium',
        spec: { outcome: 'allowed', explanation: '', preflight: false, steps: [] },
        expected: 'allowed',
        cookiePolicy: false,
        classifyAs: { mode: run.request.mode },
        probe: run.outcome,
        journal: lab.journal.forNonce(run.request.nonce),
        tlsErrors: run.tlsErrors,
        console: run.console,
        request: run.request,
        durationMs: run.durationMs,
      });
      expect(cell.outcome).toBe('error');
    }

    // Same key: the broken context is not reused.
    const [next] = await session.run(pageRun([planned(quick)]));
    expect(next!.outcome).toMatchObject({ settled: 'resolved', status: 200 });
    expect(await session.context('shared')).not.toBe(doomed);
  }, 60_000);

  it('a browser killed under a page: that page is errors, the browser is relaunched and recorded, and the next page runs', async () => {
    const main = mainBrowserProcess(process.pid, 'chromium');
    expect(main).toBeDefined();
    const running = session.run(pageRun([planned(slow)]));
    setTimeout(() => process.kill(main!, 'SIGKILL'), 500);
    const [killed] = await running;
    expect(killed!.outcome).toEqual({ harnessError: expect.stringMatching(/\S/) });

    const [next] = await session.run(pageRun([planned(quick)]));
    expect(next!.outcome).toMatchObject({ settled: 'resolved', status: 200 });
    expect(session.info.relaunched).toEqual([expect.stringMatching(/relaunched after the browser stopped answering/)]);
  }, 90_000);

  it('a browser that fails its first start: the second attempt starts it, the result says so, and it measures', async () => {
    // A real Chromium behind a wrapper that exits at its first start (Playwright launches it with --remote-debugging-pipe).
    const dir = tempCertDir();
    const wrapper = join(dir, 'chromium-fails-once');
    writeFileSync(
      wrapper,
      `#!/bin/sh\ncase "$*" in *--remote-debugging-pipe*) [ -e "$0.failed" ] || { touch "$0.failed"; exit 1; };; esac\nexec ${chromiumPath} "$@"\n`,
      { mode: 0o755 },
    );
    const saved = process.env.CORS_LAB_CHROMIUM;
    process.env.CORS_LAB_CHROMIUM = wrapper;
    try {
      const [chromium] = (await discoverForRun(['chromium'])).runnable;
      const started = await ProbeSession.start('chromium', chromium!.driver!, lab, { timeoutMs: 8000 });
      if ('notStarted' in started) throw new Error(started.notStarted.reason);
      try {
        expect(started.session.info.relaunched).toEqual([
          expect.stringMatching(/a launch failed \(.+\); the second attempt started it/),
        ]);
        const [cell] = await started.session.run(pageRun([planned(quick)]));
        expect(cell!.outcome).toMatchObject({ settled: 'resolved', status: 200 });
      } finally {
        await started.session.close();
      }
    } finally {
      if (saved === undefined) delete process.env.CORS_LAB_CHROMIUM;
      else process.env.CORS_LAB_CHROMIUM = saved;
    }
  }, 90_000);
});
