// Clock control for the max-age study, in every engine (it is claimed for
// all three): the browser runs with cors-lab's clock shim and its clock moves
// forward 9 s, then 11 s more, in far less real time.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trustMaterial } from '../../harness/lab/certificates.ts';
import { chromiumDriver } from '../../harness/engines/chromium.ts';
import { firefoxDriver } from '../../harness/engines/firefox.ts';
import type { EngineDriver } from '../../harness/engines/types.ts';
import { webkitDriver } from '../../harness/engines/webkit.ts';
import { startLab } from '../../harness/lab/lab.ts';
import { buildClockShim, createClock } from '../../harness/research/clock.ts';
import { scenarioFor, trial } from '../../harness/research/max-age.ts';
import { studyPna } from '../../harness/research/pna.ts';
import { expectValidResult, runCli, tempCertDir, tempDir } from '../helpers.ts';

/** `cors-lab research <args>` with every reporter, which must exit 0; its stdout and the reports it wrote. */
async function runResearch(args: string[]) {
  const out = tempDir('research');
  const run = await runCli(['research', ...args, '--reporter', 'json,html,markdown', '--out', out]);
  expect(run.status, run.stderr).toBe(0);
  const read = (name: string) => readFileSync(`${out}/${name}`, 'utf8');
  const result = JSON.parse(read('result.json'));
  expectValidResult(result);
  expect(result.kind).toBe('research');
  return { stdout: run.stdout, result, markdown: read('report.md'), html: read('report.html') };
}

describe('max-age clock control (the clock shim)', () => {
  const engines: [string, EngineDriver][] = [
    ['chromium', chromiumDriver],
    ['webkit', webkitDriver],
    ['firefox', firefoxDriver],
  ];
  it.each(engines)(
    '%s: Max-Age 10 is cached at 9 s and re-preflighted at 11 s of controlled time',
    async (_id, driver) => {
      const shim = await buildClockShim();
      expect('path' in shim, JSON.stringify(shim)).toBe(true);
      const lab = await startLab({
        hostnames: ['app.site-a.localhost', 'api.site-b.localhost'],
        certDir: tempCertDir(),
      });
      const clock = createClock((shim as { path: string }).path);
      const engine = await driver.launch({ trust: trustMaterial(lab.certificates), timeoutMs: 60_000, env: clock.env });
      try {
        const context = await engine.newContext();
        const scenario = scenarioFor('ten', '10');
        const runnerUrl = `${lab.originUrl(scenario.page)}/__lab/runner`;
        await context.goto(runnerUrl, 10_000);
        const bench = { lab, context, runnerUrl, clock, timeoutMs: 8000 };
        const started = performance.now();
        const nine = await trial(bench, scenario, 9, 'controlled');
        const eleven = await trial(bench, scenario, 11, 'controlled');
        expect(nine).toMatchObject({ cached: true });
        expect(nine.preflights).toHaveLength(1);
        expect(eleven).toMatchObject({ cached: false });
        expect(eleven.preflights).toHaveLength(2);
        // Controlled time: 20 s of browser time passed in far less real time.
        expect(clock.offset).toBe(20);
        expect(performance.now() - started).toBeLessThan(15_000);
      } finally {
        await engine.close();
        clock.close();
        await lab.close();
      }
    },
  );
});

describe('cors-lab research max-age', () => {
  it('brackets every case in all three engines with a controlled clock, and writes the table, the HTML section and the timelines', async () => {
    const { stdout, result, markdown, html } = await runResearch(['max-age', '--max-wait', '4']);
    const engines = result.research.maxAge.engines;
    expect(engines.map((engine: { engine: { id: string } }) => engine.engine.id).sort()).toEqual([
      'chromium',
      'firefox',
      'webkit',
    ]);
    for (const engine of engines) {
      expect(engine.engine.version).toMatch(/^\d+\.\d+/);
      expect(engine.clock.mode, engine.clock.detail).toBe('controlled');
      expect(engine.clock.validation.agree).toBe(true);
      expect(engine.cases).toHaveLength(10);
      const byLabel = Object.fromEntries(
        engine.cases.map((entry: { label: string; lifetime: unknown }) => [entry.label, entry.lifetime]),
      );
      expect(byLabel['5']).toMatchObject({ kind: 'bracket', cachedAt: 4, refetchedAt: 5, time: 'controlled' });
      expect(byLabel['0']).toMatchObject({ kind: 'not-cached' });
      // Every case is bracketed (or not cached at all): no lower bounds, no errors.
      for (const entry of engine.cases)
        expect(['bracket', 'not-cached'], `${engine.engine.id} ${entry.label}`).toContain(entry.lifetime.kind);
      // The cap: a huge Max-Age expires where some finite cap ends, within two days.
      expect(byLabel['2147483648 (huge)'].refetchedAt).toBeLessThanOrEqual(2 * 86400);
    }
    // The terminal gets the compact view: short engine headers, no Markdown, no line past 100 columns (stdout is no terminal here).
    expect(stdout).toMatch(/^Max-Age +chromium \d+ \([cr]\) +firefox \d+/m);
    expect(stdout).not.toContain('<br>');
    expect(Math.max(...stdout.split('\n').map((line) => line.length))).toBeLessThanOrEqual(100);
    expect(markdown).toMatch(/cached at 4 s, re-preflighted at 5 s/);
    for (const id of ['chromium', 'firefox', 'webkit'])
      expect(html).toMatch(new RegExp(`<svg [^>]*aria-label="preflight cache timeline for ${id}"`));
    expect(html).toMatch(/<table class="research-table">/);
    // A static page, drawn without JavaScript: no notice asking for it.
    expect(html).not.toContain('needs-script');
  });
});

describe('cors-lab research pna', () => {
  type Observation = {
    mechanism: string;
    page: string;
    target: string;
    permission: string;
    allowHeader: boolean;
    request: string;
    outcome: string;
    preflight: boolean;
    pnaHeaders: string[];
    journal: number[];
  };
  const pick = (observations: Observation[], fields: Partial<Observation>) =>
    observations
      .filter((entry) => Object.entries(fields).every(([key, value]) => entry[key as keyof Observation] === value))
      .map((entry) => entry.outcome);

  it('chromium and webkit: overrides and permissions take effect, every cell is backed by the journal, and the table names the builds', async () => {
    const { stdout, result, markdown, html } = await runResearch(['pna', '--browsers', 'chromium,webkit']);
    const [chromium, webkit] = result.research.pna.engines;
    expect(chromium.engine.id).toBe('chromium');
    expect(webkit.engine.id).toBe('webkit');
    const observations: Observation[] = chromium.observations;
    // The override made the page public and one port local: by default the engine refuses before sending...
    expect(
      pick(observations, { mechanism: 'override', page: 'secure', target: 'local', permission: 'default' }),
    ).toEqual(Array(6).fill('not-sent'));
    // ...and the permissions set through the automation change that, each for its own target.
    expect(
      pick(observations, {
        mechanism: 'override',
        page: 'secure',
        target: 'local',
        permission: 'granted',
        request: 'simple',
      }),
    ).toEqual(['allowed', 'allowed']);
    expect(
      pick(observations, {
        mechanism: 'override',
        page: 'secure',
        target: 'local',
        permission: 'only local-network granted',
        request: 'simple',
      }),
    ).toEqual(['allowed', 'allowed']);
    expect(
      pick(observations, {
        mechanism: 'override',
        page: 'secure',
        target: 'loopback',
        permission: 'only local-network granted',
        request: 'simple',
      }),
    ).toEqual(['not-sent', 'not-sent']);
    const pages = Object.fromEntries(
      chromium.pages.map((page: { mechanism: string; page: string; isSecureContext: boolean }) => [
        `${page.mechanism} ${page.page}`,
        page.isSecureContext,
      ]),
    );
    expect(pages).toMatchObject({ 'override secure': true, 'override non-secure': false });
    // Evidence: whatever reached the page came through the lab; a refusal left no journal entry. A timeout
    // says only that no answer reached the page in time: on a loaded machine its request may have reached
    // the lab (one did, journal entry 8, in a CI run with the Grid and the other studies beside it).
    for (const engine of [chromium, webkit]) {
      for (const entry of engine.observations as Observation[]) {
        if (entry.outcome === 'allowed' || entry.outcome === 'opaque' || entry.outcome === 'blocked')
          expect(entry.journal.length).toBeGreaterThan(0);
        else if (entry.outcome === 'not-sent') expect(entry.journal).toEqual([]);
        if (entry.outcome === 'allowed' && entry.request === 'preflighted') expect(entry.preflight).toBe(true);
      }
    }
    // WebKitGTK reaches the non-secure page through the posing proxy: a real non-secure context.
    expect(
      webkit.pages.find(
        (page: { mechanism: string; page: string }) => page.mechanism === 'csp' && page.page === 'non-secure',
      ).isSecureContext,
    ).toBe(false);
    expect(
      pick(webkit.observations, { mechanism: 'csp', page: 'non-secure', target: 'loopback', permission: 'default' })
        .length,
    ).toBe(6);
    // WebKitGTK has no override: only the CSP pages, and the report says why.
    expect(
      webkit.pages.find(
        (page: { mechanism: string; page: string }) => page.mechanism === 'override' && page.page === 'secure',
      ).skipped,
    ).toMatch(/no address-space override/);
    expect(stdout).toMatch(/^page → target +engine +default +granted +denied/m);
    expect(stdout).toMatch(/^secure override → local +chromium \d+ +--- +✓✓o /m);
    expect(stdout).not.toContain('<br>');
    expect(Math.max(...stdout.split('\n').map((line) => line.length))).toBeLessThanOrEqual(100);
    // The full table is in the Markdown report.
    expect(markdown).toMatch(/\| Public page → target \| chromium \d+[^|]*\| webkit \d/);
    expect(html).toMatch(/<h2>Private\/Local Network Access<\/h2>/);
    expect(markdown).toMatch(/secure public page \(engine override\) → local target/);
  });

  it('an engine that does not start is reported as not run, with why, and nothing is measured for it', async () => {
    const saved = process.env.CORS_LAB_CHROMIUM;
    process.env.CORS_LAB_CHROMIUM = '/bin/false';
    try {
      const study = await studyPna({ engines: ['chromium'], timeoutMs: 4000, certDir: tempCertDir() });
      expect(study.engines).toEqual([]);
      expect(study.enginesMissing).toEqual([
        expect.objectContaining({ id: 'chromium', reason: expect.stringMatching(/^the engine did not start: /) }),
      ]);
    } finally {
      if (saved === undefined) delete process.env.CORS_LAB_CHROMIUM;
      else process.env.CORS_LAB_CHROMIUM = saved;
    }
  });

  it('firefox: the address-space prefs and WebDriver BiDi permissions take effect', async () => {
    const study = await studyPna({
      engines: ['firefox'],
      permissions: ['granted', 'denied'],
      timeoutMs: 4000,
      certDir: tempCertDir(),
    });
    const [firefox] = study.engines;
    expect(firefox!.engine.id).toBe('firefox');
    const observations = firefox!.observations as Observation[];
    expect(
      pick(observations, {
        mechanism: 'override',
        page: 'secure',
        target: 'local',
        permission: 'granted',
        request: 'simple',
      }),
    ).toEqual(['allowed', 'allowed']);
    expect(
      pick(observations, { mechanism: 'override', page: 'secure', target: 'local', permission: 'denied' }),
    ).toEqual(Array(6).fill('not-sent'));
    expect(
      pick(observations, { mechanism: 'override', page: 'secure', target: 'loopback', permission: 'denied' }),
    ).toEqual(Array(6).fill('not-sent'));
    expect(
      firefox!.pages.find((page) => page.mechanism === 'override' && page.page === 'non-secure')!.isSecureContext,
    ).toBe(false);
  });
});
