// Engine builds (issue 25) with real downloads and real browsers: an install
// that delivers something that is not a browser leaves nothing in the cache;
// an install killed halfway leaves only a partial folder that the next install
// clears; two installs of one build at once leave one whole build; a run
// across cached and system builds measures each under its own version; and
// no Chromium launch carries the switches @sparticuz/chromium's own launch
// arguments hold (--disable-web-security, --single-process).
//
// Everything goes into private build caches (CORS_LAB_CACHE), never the
// user's. The builds installed in one test are used by the next ones, so the
// tests run in order.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST, type BuildManifest } from '../../harness/engines/builds/cache.ts';
import { installBuild, resolveInstall } from '../../harness/engines/builds/install.ts';
import { parseBuildName, type BuildName } from '../../harness/engines/builds/names.ts';
import { buildDriver } from '../../harness/engines/builds/resolve.ts';
import type { AvailableBuild, BuildSourceDefinition } from '../../harness/engines/builds/sources.ts';
import { onInterrupt } from '../../harness/engines/cleanup.ts';
import type { LaunchedEngine } from '../../harness/engines/types.ts';
import { ensureLabCertificates, trustMaterial } from '../../harness/lab/certificates.ts';
import type { RunResult } from '../../harness/result/result.ts';
import { descendants } from '../faults/processes.ts';
import { BIN, expectValidResult, NODE, PROJECT_ROOT, runCommand, tempCertDir, tempDir } from '../helpers.ts';

const LONG = 300_000;

/** The shared private cache the install, run and launch tests use, one after another. */
const CACHE = tempDir('builds-cache');
const BROWSERS = join(CACHE, 'browsers');

const savedCache = process.env.CORS_LAB_CACHE;
/** Puts CORS_LAB_CACHE back as the test process had it. */
function restoreCache(): void {
  if (savedCache === undefined) delete process.env.CORS_LAB_CACHE;
  else process.env.CORS_LAB_CACHE = savedCache;
}
afterAll(restoreCache);

/** The CLI as a user runs it, with a private cache. */
// Wide enough that no line of install-browsers is wrapped, so each can be matched whole.
const cli = (cache: string, ...args: string[]) =>
  runCommand(NODE, [BIN, ...args], {
    cwd: PROJECT_ROOT,
    env: { CORS_LAB_CACHE: cache, COLUMNS: '1000' },
    timeoutMs: LONG - 20_000,
  });

const entries = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);
const manifestOf = (dir: string): BuildManifest =>
  JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as BuildManifest;
const named = (text: string): BuildName => (parseBuildName(text) as { build: BuildName }).build;

describe('installBuild refuses what is not the browser asked for, and leaves nothing behind', () => {
  /** A source that "downloads" by writing `executable` (mode 755) into the partial folder, as a broken package would. */
  const delivering = (build: AvailableBuild, file: string, content: string | Buffer): BuildSourceDefinition => ({
    name: 'a broken package',
    family: build.family,
    kind: build.kind,
    list: async () => ({ source: 'a broken package', builds: [build] }),
    async fetch(_build, dir, step) {
      step('writing the file a broken package holds');
      mkdirSync(join(dir, 'bin'));
      writeFileSync(join(dir, 'bin', file), content);
      chmodSync(join(dir, 'bin', file), 0o755);
      return join('bin', file);
    },
  });

  /** Runs installBuild with a private cache; returns its outcome, its steps and what the cache holds afterwards. */
  async function install(build: AvailableBuild, source: BuildSourceDefinition) {
    const cache = tempDir('builds-failing');
    process.env.CORS_LAB_CACHE = cache;
    const before = process.listeners('exit');
    let added: typeof before = [];
    const watched: BuildSourceDefinition = {
      ...source,
      fetch(each, dir, step) {
        added = process.listeners('exit').filter((listener) => !before.includes(listener));
        return source.fetch(each, dir, step);
      },
    };
    const steps: string[] = [];
    try {
      const outcome = await installBuild(build, (text) => steps.push(text), watched);
      // The hook that removes the partial folder at exit was there during the download, and is gone with the install.
      expect(added).toHaveLength(1);
      expect(process.listeners('exit').filter((listener) => added.includes(listener))).toEqual([]);
      return { outcome, steps, left: entries(join(cache, 'browsers')) };
    } finally {
      restoreCache();
    }
  }

  let chromium110: AvailableBuild;
  let firefox140: AvailableBuild;
  beforeAll(async () => {
    // cors-lab's process-wide signal and exit handlers, installed once by the first onInterrupt, so what an install adds is its own.
    onInterrupt(async () => {})();
    // Real build descriptions, as the registries give them (npm view, apt-cache madison).
    [chromium110] = await resolveInstall(named('chromium@110'));
    [firefox140] = await resolveInstall(named('firefox@140'));
  }, LONG);

  it('the registries describe the builds the other tests install', () => {
    expect(chromium110).toMatchObject({
      family: 'chromium',
      kind: 'headless-shell',
      major: 110,
      source: { registry: 'npm', package: '@sparticuz/chromium', version: expect.stringMatching(/^110\.\d+\.\d+$/) },
    });
    expect(firefox140).toMatchObject({
      family: 'firefox',
      kind: 'full',
      major: 140,
      source: { registry: 'debian', package: 'firefox-esr', version: expect.stringMatching(/^140\.[\d.]+esr-/) },
    });
  });

  it(
    'a "chromium" that is a shell script exiting 1: failed with what it printed, no build and no partial folder',
    async () => {
      const { outcome, steps, left } = await install(
        chromium110,
        delivering(chromium110, 'chromium', '#!/bin/sh\necho "this is not chromium" >&2\nexit 1\n'),
      );
      expect(outcome).toMatchObject({ name: 'chromium-headless-shell@110', status: 'failed' });
      expect((outcome as { reason: string }).reason).toMatch(/^browserType\.launch: /);
      expect((outcome as { reason: string }).reason).toContain('this is not chromium');
      expect(steps).toEqual([
        'chromium-headless-shell@110: writing the file a broken package holds',
        'chromium-headless-shell@110: starting the browser to read its version',
      ]);
      expect(left).toEqual([]);
    },
    LONG,
  );

  it(
    'a "chromium" that is still brotli-compressed data: failed, no build and no partial folder',
    async () => {
      const { outcome, left } = await install(
        chromium110,
        delivering(chromium110, 'chromium', brotliCompressSync(Buffer.from('#!/bin/sh\nexec true\n'.repeat(2000)))),
      );
      expect(outcome).toMatchObject({ name: 'chromium-headless-shell@110', status: 'failed' });
      // Not an executable: the system hands it to sh, which cannot read it.
      expect((outcome as { reason: string }).reason).toMatch(/bin\/chromium: \d+: Syntax error/);
      expect(left).toEqual([]);
    },
    LONG,
  );

  it(
    'a "firefox" that reports another major: failed naming both versions, nothing kept',
    async () => {
      const { outcome, left } = await install(
        firefox140,
        delivering(firefox140, 'firefox-esr', '#!/bin/sh\necho "Mozilla Firefox 139.0.4esr"\n'),
      );
      expect(outcome).toEqual({
        name: 'firefox@140',
        status: 'failed',
        reason: 'the unpacked browser reports 139.0.4esr, not 140',
      });
      expect(left).toEqual([]);
    },
    LONG,
  );

  it(
    'a "firefox" that crashes when asked its version: failed with its error, nothing kept',
    async () => {
      const { outcome, left } = await install(
        firefox140,
        delivering(firefox140, 'firefox-esr', '#!/bin/sh\necho "Segmentation fault" >&2\nexit 139\n'),
      );
      expect(outcome).toMatchObject({
        name: 'firefox@140',
        status: 'failed',
        reason: expect.stringContaining('Segmentation fault'),
      });
      expect(left).toEqual([]);
    },
    LONG,
  );

  it(
    'a download that breaks off after writing files: failed with its error, the partial folder removed',
    async () => {
      let partial = '';
      const source: BuildSourceDefinition = {
        ...delivering(chromium110, 'chromium', ''),
        async fetch(_build, dir) {
          partial = dir;
          mkdirSync(join(dir, 'package', 'bin'), { recursive: true });
          writeFileSync(join(dir, 'package', 'bin', 'chromium.br'), Buffer.alloc(1024 * 1024, 7));
          writeFileSync(join(dir, '@sparticuz-chromium-110.0.1.tgz'), Buffer.alloc(4096, 1));
          throw new Error('npm pack failed: the connection was reset after 1 MB');
        },
      };
      const { outcome, left } = await install(chromium110, source);
      expect(outcome).toEqual({
        name: 'chromium-headless-shell@110',
        status: 'failed',
        reason: 'npm pack failed: the connection was reset after 1 MB',
      });
      expect(partial).toMatch(/\/browsers\/\.partial-\d+-/); // the files went where a partial install goes
      expect(existsSync(partial)).toBe(false);
      expect(left).toEqual([]);
    },
    LONG,
  );
});

describe('installs through the CLI into a private cache', () => {
  it(
    'an install killed halfway leaves no build, only a partial folder, which the next install removes',
    async () => {
      // Its own process group, so the kill takes npm and anything else it started at the same instant.
      const child: ChildProcess = spawn(NODE, [BIN, 'install-browsers', 'chromium@110'], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, CI: 'true', CORS_LAB_CACHE: CACHE },
        stdio: 'ignore',
        detached: true,
      });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      const partials = () => entries(BROWSERS).filter((entry) => entry.startsWith('.partial-'));
      const deadline = Date.now() + 120_000;
      while (partials().length === 0 && child.exitCode === null && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const [abandoned] = partials();
      const started = descendants(child.pid!);
      process.kill(-child.pid!, 'SIGKILL');
      for (const pid of started) {
        try {
          process.kill(pid, 'SIGKILL'); // one that left the group (a browser Playwright started)
        } catch {
          // already gone with the group
        }
      }
      await exited;
      expect(abandoned, 'the install made a partial folder before it was killed').toMatch(
        new RegExp(`^\\.partial-${child.pid}-`),
      );
      expect(child.signalCode).toBe('SIGKILL');
      expect(existsSync(join(BROWSERS, abandoned!))).toBe(true);
      expect(existsSync(join(BROWSERS, 'chromium-headless-shell@110', MANIFEST))).toBe(false);

      const again = await cli(CACHE, 'install-browsers', 'chromium@110');
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toMatch(
        /^chromium-headless-shell@110 +installed: 110\.[\d.]+ \(headless-shell\), \d+ MB, from npm @sparticuz\/chromium 110\./m,
      );
      expect(entries(BROWSERS)).toEqual(['chromium-headless-shell@110']);
      const manifest = manifestOf(join(BROWSERS, 'chromium-headless-shell@110'));
      expect(manifest).toMatchObject({
        name: 'chromium-headless-shell@110',
        family: 'chromium',
        kind: 'headless-shell',
        major: 110,
        version: expect.stringMatching(/^110\./),
        source: { registry: 'npm', package: '@sparticuz/chromium' },
      });
      // Only the browser is kept: the package and its tarball are gone.
      expect(entries(join(BROWSERS, 'chromium-headless-shell@110'))).toEqual([MANIFEST, 'chromium']);

      const listed = await cli(CACHE, 'browsers');
      expect(listed.stdout).toMatch(
        /^ {2}chromium-headless-shell@110 +110\.[\d.]+ +headless-shell +\d+ MB {2}npm @sparticuz\/chromium 110\./m,
      );
    },
    LONG,
  );

  it(
    'two installs of one build at once: both succeed, one installs it, the other finds it, one whole build is left',
    async () => {
      const [first, second] = await Promise.all([
        cli(CACHE, 'install-browsers', 'firefox@140'),
        cli(CACHE, 'install-browsers', 'firefox@140'),
      ]);
      expect([first.status, second.status], `${first.stderr}\n${second.stderr}`).toEqual([0, 0]);
      const outputs = [first.stdout, second.stdout];
      const installed = outputs.filter((out) =>
        /^firefox@140 +installed: 140\.[\d.]+esr \(full\), \d+ MB, from Debian firefox-esr 140\./m.test(out),
      );
      const found = outputs.filter((out) =>
        /^firefox@140 +(installed meanwhile by another process|already installed): 140\./m.test(out),
      );
      expect(installed, outputs.join('\n')).toHaveLength(1);
      expect(found, outputs.join('\n')).toHaveLength(1);

      expect(entries(BROWSERS)).toEqual(['chromium-headless-shell@110', 'firefox@140']);
      const manifest = manifestOf(join(BROWSERS, 'firefox@140'));
      expect(manifest).toMatchObject({
        name: 'firefox@140',
        family: 'firefox',
        kind: 'full',
        major: 140,
        version: expect.stringMatching(/^140\./),
        source: { registry: 'debian', package: 'firefox-esr' },
      });
      expect(existsSync(join(BROWSERS, 'firefox@140', manifest.executable))).toBe(true);
      expect(entries(join(BROWSERS, 'firefox@140'))).toEqual([MANIFEST, 'root']); // the .deb is gone
    },
    LONG,
  );
});

describe('a run across builds', () => {
  const systemVersion = (command: string, pattern: RegExp): string => {
    const version = pattern.exec(spawnSync(command, ['--version'], { encoding: 'utf8' }).stdout)?.[1];
    if (!version) throw new Error(`${command} --version printed no version`);
    return version;
  };

  it(
    'measures each build under its own version and kind; chromium@110 agrees with the system chromium on the preflight folder',
    async () => {
      const chromiumVersion = systemVersion('chromium', /Chromium (\d+\.[\d.]+)/);
      const firefoxVersion = systemVersion('firefox-esr', /Firefox (\d+\.[\w.]+)/);
      const report = join(tempDir('builds-run'), 'r.json');
      const run = await cli(
        CACHE,
        'run',
        'scenarios/preflight',
        '--browsers',
        'chromium@110,chromium,firefox@140,firefox',
        '--reporter',
        `json=${report}`,
      );
      expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(readFileSync(report, 'utf8')) as RunResult;
      expectValidResult(result);

      expect(result.enginesMissing).toEqual([]);
      expect(
        result.engines.map((engine) => [
          engine.id,
          engine.family,
          engine.version,
          engine.build?.name,
          engine.build?.kind,
        ]),
      ).toEqual([
        ['chromium@110', 'chromium', expect.stringMatching(/^110\./), 'chromium@110', 'headless-shell'],
        ['chromium', 'chromium', chromiumVersion, 'chromium', 'full'],
        ['firefox@140', 'firefox', expect.stringMatching(/^140\./), 'firefox@140', 'full'],
        ['firefox', 'firefox', firefoxVersion, 'firefox', 'full'],
      ]);
      const byId = new Map(result.engines.map((engine) => [engine.id, engine]));
      expect(byId.get('chromium@110')!.build!.source).toBe(
        `npm @sparticuz/chromium ${manifestOf(join(BROWSERS, 'chromium-headless-shell@110')).source.version} (${join(BROWSERS, 'chromium-headless-shell@110')})`,
      );
      expect(byId.get('chromium@110')!.executablePath).toBe(
        join(BROWSERS, 'chromium-headless-shell@110', 'chromium', 'chromium'),
      );
      expect(byId.get('chromium')!.build!.source).toMatch(/^system \(\//);
      expect(byId.get('firefox@140')!.build!.source).toBe(
        `Debian firefox-esr ${manifestOf(join(BROWSERS, 'firefox@140')).source.version} (${join(BROWSERS, 'firefox@140')})`,
      );
      expect(byId.get('firefox')!.build!.source).toMatch(/^system \(\//);

      const scenarios = result.scenarios.map((scenario) => scenario.id);
      expect(scenarios.length).toBeGreaterThan(10);
      expect(result.results).toHaveLength(scenarios.length * 4);
      expect(
        result.results.filter((cell) => cell.outcome === 'error').map((cell) => `${cell.scenario} ${cell.engine}`),
      ).toEqual([]);
      const outcome = (scenario: string, engine: string) =>
        result.results.find((cell) => cell.scenario === scenario && cell.engine === engine)?.outcome;
      // Measured on this machine: the preflight folder's cells are the same in Chromium 110's headless shell and the system's Chromium.
      expect(scenarios.map((scenario) => [scenario, outcome(scenario, 'chromium@110')])).toEqual(
        scenarios.map((scenario) => [scenario, outcome(scenario, 'chromium')]),
      );
    },
    LONG,
  );
});

describe("Chromium builds are launched with cors-lab's switches only", () => {
  let engine: LaunchedEngine | undefined;
  afterAll(async () => {
    await engine?.close();
    restoreCache();
  });

  /** Every running process whose command line names `executable`, with its arguments (Chromium's helpers rewrite theirs into one string). */
  function processesOf(executable: string): { pid: number; args: string[] }[] {
    const found: { pid: number; args: string[] }[] = [];
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let line: string;
      try {
        line = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue; // ended while we looked
      }
      if (line.includes(executable)) found.push({ pid: Number(pid), args: line.split(/[\0\s]+/).filter(Boolean) });
    }
    return found;
  }

  it(
    'the cached chromium@110 (whose package lists --disable-web-security and --single-process) runs without them',
    async () => {
      process.env.CORS_LAB_CACHE = CACHE;
      const driver = buildDriver(named('chromium@110'));
      const discovery = await driver.discover();
      if (!discovery.found) throw new Error(`chromium@110 is not in the cache: ${discovery.reason}`);
      const executable = join(BROWSERS, 'chromium-headless-shell@110', 'chromium', 'chromium');
      expect(discovery.executablePath).toBe(executable);

      const trust = trustMaterial(ensureLabCertificates(['app.site-a.localhost'], tempCertDir()));
      engine = await driver.launch({ trust, timeoutMs: 60_000 });
      expect(engine.info.version).toMatch(/^110\./);
      const context = await engine.newContext();
      await context.goto('data:text/html,<p>a page, so a renderer runs</p>', 30_000);

      const processes = processesOf(executable);
      const main = processes.filter(
        (each) => each.args[0] === executable && !each.args.some((arg) => arg.startsWith('--type=')),
      );
      expect(main, 'the browser process').toHaveLength(1);
      expect(
        processes.some((each) => each.args.includes('--type=renderer')),
        'a renderer',
      ).toBe(true);
      expect(main[0]!.args).toContain(`--ignore-certificate-errors-spki-list=${trust.spkiHashes.join(',')}`);
      for (const { pid, args } of processes) {
        expect(
          args.filter((arg) => /^--(disable-web-security|single-process)(=|$)/.test(arg)),
          `process ${pid}`,
        ).toEqual([]);
      }
      await context.close();
      await engine.close();
      engine = undefined;
      expect(processesOf(executable)).toEqual([]);
    },
    LONG,
  );
});
