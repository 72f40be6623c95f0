// cors-lab as users meet it: `npm pack`, the tarball installed into fresh
// projects outside this repository (one CommonJS, as `npm init -y` makes it,
// one "type": "module"), and every documented entry point run from there with
// the project's own files: scenarios, a check suite, an adapter, a vitest
// suite on the shared-lab pattern, and a real API server in its own process.
// Each declared vitest major is used by one of the projects.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_IDS } from '../../harness/engines/types.ts';
import { issueCa, issueServerCertificate } from '../../harness/lab/certificates.ts';
import type { CheckResult, CorsLabResult, ResearchResult, RunResult } from '../../harness/result/result.ts';
import { startFixture, type FixtureServer } from '../check-helpers.ts';
import { expectValidResult, NODE, PROJECT_ROOT, runCommand, tempDir, type Finished } from '../helpers.ts';

const APP = 'https://app.example.com';
const PARTNER = 'https://partner.example.net';
const FIXTURE_PROJECT = new URL('./project/', import.meta.url).pathname;
/** The example middleware and its suite, exactly as the README shows them. */
const EXAMPLE_FILES = ['simple-cors.ts', 'simple-cors.test.ts', 'global-setup.ts', 'adapter.ts'].map((name) =>
  join(PROJECT_ROOT, 'examples/middleware-author', name),
);

/** The system Node, where it is too old for cors-lab (Debian 12 ships Node 18 or 20). */
const OLD_NODE = ((): { path: string; version: string } | undefined => {
  const path = '/usr/bin/node';
  if (!existsSync(path)) return undefined;
  const version = execFileSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  const [major, minor] = version.split('.').map(Number);
  return major! < 22 || (major === 22 && minor! < 19) ? { path, version } : undefined;
})();

const PROJECTS = [
  { type: 'commonjs', vitest: '4', typescript: false },
  // A TypeScript user's project: its own tsc checks its files against the package's declarations.
  { type: 'module', vitest: '5', typescript: true },
] as const;
const TYPESCRIPT_VERSION = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules/typescript/package.json'), 'utf8')) as { version: string }
).version;

/**
 * The environment a user's shell would have: this Node first on PATH (npx and
 * the bin's `#!/usr/bin/env node` use it), and none of the variables that
 * `npm test` and this vitest run set, which would steer the nested npm and vitest.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(npm_|VITEST|TEST$|NODE_ENV$|NODE_OPTIONS$|INIT_CWD$)/.test(name)) env[name] = value;
  }
  return { ...env, PATH: `${dirname(NODE)}:${process.env.PATH}`, ...extra };
}

function expectSuccess(finished: Finished, what: string): void {
  if (finished.status !== 0)
    throw new Error(
      `${what} exited ${finished.status}\n--- stdout\n${finished.stdout}\n--- stderr\n${finished.stderr}`,
    );
}

let tarball = '';
let packedFiles: string[] = [];
let api: FixtureServer;
let caPem = '';
let tlsDir = '';

beforeAll(async () => {
  const destination = tempDir('pack');
  // prepack builds dist/ first.
  const packed = await runCommand('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: PROJECT_ROOT,
    env: userEnv(),
  });
  expectSuccess(packed, 'npm pack');
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  tarball = join(destination, info!.filename);
  packedFiles = info!.files.map((file) => file.path);
  process.stdout.write(
    `package: ${info!.filename}, ${(info!.size / 1024).toFixed(1)} KiB packed, ${(info!.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${packedFiles.length} files\n`,
  );

  // The API's own CA (nothing trusts it unless told to) and a real Express
  // server with the cors middleware, in its own process.
  tlsDir = tempDir('api-tls');
  const ca = issueCa('the API team CA');
  const leaf = issueServerCertificate(['api.example.com'], ca);
  caPem = ca.certPem;
  writeFileSync(join(tlsDir, 'key.pem'), leaf.keyPem);
  writeFileSync(join(tlsDir, 'cert.pem'), leaf.certPem);
  api = await startFixture('express-cors-server', {
    ALLOWED_ORIGINS: APP,
    TLS_KEY: join(tlsDir, 'key.pem'),
    TLS_CERT: join(tlsDir, 'cert.pem'),
  });
}, 300_000);

afterAll(async () => {
  await api?.stop();
});

describe('the tarball', () => {
  it('ships the built code, the catalog and the bin, and no tests, fixtures, examples or sources', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'bin/cors-lab.js',
        'dist/harness/index.js',
        'dist/harness/index.d.ts',
        'dist/harness/cli/main.js',
        'dist/harness/probes/fetch.js',
        'dist/harness/research/clock-shim.c',
        'dist/servers/lab-origin.js',
        'dist/reports/html.js',
        'scenarios/basics/acao.yaml',
        'scenarios/scenario.schema.json',
        'scenarios/result.schema.json',
        'scenarios/check-config.schema.json',
        'scenarios/engines.behaviours.yaml',
      ]),
    );
    const unwanted = packedFiles.filter(
      (path) =>
        /^(tests|examples|bench|\.ci|node_modules|cors-lab-report)\//.test(path) ||
        /\.test\.|\.spec\.|tsconfig|vitest\.config|playwright\.config|package-lock/.test(path) ||
        (/\.ts$/.test(path) && !/\.d\.ts$/.test(path)) ||
        /^dist\/harness\/package\/build\./.test(path),
    );
    expect(unwanted).toEqual([]);
  });
});

describe.each(PROJECTS)(
  'installed in a fresh "type": "$type" project with vitest $vitest',
  ({ type, vitest, typescript }) => {
    let project = '';
    const env = () => userEnv({ CORS_LAB_CACHE: join(project, '.cache-cors-lab'), API_PORT: String(api.port) });
    const npx = (args: string[]) => runCommand('npx', ['--no-install', ...args], { cwd: project, env: env() });
    /** A result.json the installed package wrote, valid against the schema it ships. */
    const resultAt = <T extends CorsLabResult = RunResult>(folder: string): T => {
      const result = JSON.parse(readFileSync(join(project, folder, 'result.json'), 'utf8')) as T;
      expectValidResult(result);
      return result;
    };

    beforeAll(async () => {
      project = tempDir(`project-${type}`);
      expectSuccess(await runCommand('npm', ['init', '-y'], { cwd: project, env: userEnv() }), 'npm init -y');
      const packageJson = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as Record<string, unknown>;
      // npm init -y writes "type": "commonjs"; the ES-module project is the other common setup.
      expect(packageJson.type).toBe('commonjs');
      if (type === 'module')
        writeFileSync(join(project, 'package.json'), JSON.stringify({ ...packageJson, type: 'module' }, null, 2));
      cpSync(FIXTURE_PROJECT, project, { recursive: true });
      for (const file of EXAMPLE_FILES) cpSync(file, join(project, file.split('/').pop()!));
      mkdirSync(join(project, 'certs'));
      writeFileSync(join(project, 'certs/rootCA.pem'), caPem);
      // Only the npm registry is reached; what this machine's cache has is used from there.
      const packages = [
        tarball,
        `vitest@${vitest}`,
        ...(typescript ? [`typescript@${TYPESCRIPT_VERSION}`, '@types/node@24'] : []),
      ];
      const install = await runCommand(
        'npm',
        ['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', ...packages],
        { cwd: project, env: userEnv() },
      );
      expectSuccess(install, 'npm install');
    }, 300_000);

    it('cors-lab install-browsers finds the Debian packages installed, and cors-lab browsers lists every engine with its driver', async () => {
      const install = await npx(['cors-lab', 'install-browsers']);
      expectSuccess(install, 'cors-lab install-browsers');
      expect(install.stdout).toContain('all browser packages are installed');
      const finished = await npx(['cors-lab', 'browsers']);
      expectSuccess(finished, 'cors-lab browsers');
      for (const engine of ENGINE_IDS)
        expect(finished.stdout).toMatch(new RegExp(`^${engine}\\s+\\S.*\\n\\s+driver: `, 'm'));
    });

    // The study's code and its clock shim's C source come from the package; one module system is enough.
    it.runIf(type === 'commonjs')(
      'cors-lab research max-age builds the clock shim from the package and brackets every case in Chromium',
      async () => {
        const finished = await npx([
          'cors-lab',
          'research',
          'max-age',
          '--browsers',
          'chromium',
          '--out',
          'reports/max-age',
        ]);
        expectSuccess(finished, 'cors-lab research max-age');
        expect(
          readdirSync(join(project, '.cache-cors-lab')).some((name) => /^clock-shim-[0-9a-f]+\.so$/.test(name)),
        ).toBe(true);
        const study = resultAt<ResearchResult>('reports/max-age').research.maxAge!;
        const chromium = study.engines.find((engine) => engine.engine.id === 'chromium')!;
        expect(chromium.clock).toMatchObject({
          mode: 'controlled',
          detail: expect.stringMatching(/^clock shim \(.*\.cache-cors-lab\/clock-shim-/),
        });
        expect(chromium.cases.find((entry) => entry.value === '600')!.lifetime).toMatchObject({
          kind: 'bracket',
          cachedAt: 599,
          refetchedAt: 600,
          time: 'controlled',
        });
      },
    );

    it('cors-lab run runs a scenario file kept in the project, in every engine, and writes the report where asked', async () => {
      const finished = await npx(['cors-lab', 'run', 'scenarios/my-api.yaml', '--out', 'reports/run']);
      expectSuccess(finished, 'cors-lab run');
      const result = resultAt('reports/run');
      // Shown relative to the user's working directory, where the file was found.
      expect(result.scenarios.map((scenario) => scenario.file)).toEqual([
        'scenarios/my-api.yaml',
        'scenarios/my-api.yaml',
      ]);
      expect(result.engines.map((engine) => engine.id).sort()).toEqual([...ENGINE_IDS].sort());
      for (const engine of ENGINE_IDS) {
        const cell = (scenario: string) =>
          result.results.find((candidate) => candidate.scenario === scenario && candidate.engine === engine)!;
        expect(cell('my-api-me-with-credentials')).toMatchObject({
          outcome: 'allowed',
          evidence: { preflightSent: true, requestReached: true },
        });
        expect(cell('my-api-me-without-acac')).toMatchObject({
          outcome: 'blocked',
          evidence: { requestReached: true },
        });
      }
      expect(finished.stdout).toContain(`report: ${join(project, 'reports/run/result.json')}`);
    });

    // Issue 25's "done when", from the installed package: older builds named, fetched through npm and apt, and run as columns of their own.
    it.runIf(type === 'module')(
      'cors-lab install-browsers chromium@110 firefox@140, then run with those builds beside the system ones: a column each, with its real version and kind',
      async () => {
        const install = await npx(['cors-lab', 'install-browsers', 'chromium@110', 'firefox@140']);
        expectSuccess(install, 'cors-lab install-browsers chromium@110 firefox@140');
        expect(install.stdout).toMatch(/^chromium-headless-shell@110 +installed: 110\./m);
        expect(install.stdout).toMatch(/^firefox@140 +installed: 140\./m);
        expect(existsSync(join(project, '.cache-cors-lab/browsers/firefox@140/build.json'))).toBe(true);
        const finished = await npx([
          'cors-lab',
          'run',
          'scenarios/my-api.yaml',
          '--browsers',
          'chromium@110,chromium,firefox@140,firefox',
          '--out',
          'reports/builds',
        ]);
        expectSuccess(finished, 'cors-lab run --browsers chromium@110,chromium,firefox@140,firefox');
        const result = resultAt('reports/builds');
        expect(result.engines.map((engine) => [engine.id, engine.version.split('.')[0], engine.build?.kind])).toEqual([
          ['chromium@110', '110', 'headless-shell'],
          ['chromium', expect.stringMatching(/^\d+$/), 'full'],
          ['firefox@140', '140', 'full'],
          ['firefox', expect.stringMatching(/^\d+$/), 'full'],
        ]);
        expect(result.results).toHaveLength(8);
        expect(result.results.filter((cell) => cell.outcome === 'error')).toEqual([]);
        for (const engine of ['chromium@110', 'firefox@140']) {
          const cell = (scenario: string) =>
            result.results.find((candidate) => candidate.scenario === scenario && candidate.engine === engine)!;
          expect(cell('my-api-me-with-credentials')).toMatchObject({
            outcome: 'allowed',
            evidence: { preflightSent: true, requestReached: true },
          });
          expect(cell('my-api-me-without-acac')).toMatchObject({
            outcome: 'blocked',
            evidence: { requestReached: true },
          });
        }
      },
      300_000,
    );

    it('cors-lab check reaches a real server in its own process through --resolve, trusting its CA with --ca', async () => {
      const seenBefore = api.log.length;
      const finished = await npx([
        'cors-lab',
        'check',
        'https://api.example.com/api/me',
        '--resolve',
        `api.example.com:443:127.0.0.1:${api.port}`,
        '--ca',
        'certs/rootCA.pem',
        '--origin',
        APP,
        '--out',
        'reports/check',
      ]);
      expectSuccess(finished, 'cors-lab check');
      const result = resultAt<CheckResult>('reports/check');
      const own = result.results.filter((cell) => cell.scenario === result.scenarios[0]!.id);
      expect(own.map((cell) => [cell.engine, cell.outcome]).sort()).toEqual(
        ENGINE_IDS.map((engine) => [engine, 'allowed']).sort(),
      );
      // The sweep ran and the allowlist refused every hostile origin.
      expect(result.check.findings).toEqual([]);
      expect(result.results.length).toBeGreaterThan(own.length);
      // The server's own log saw the browsers' requests with the posed origin.
      expect(
        api.log.slice(seenBefore).filter((line) => line.origin === APP && line.path === '/api/me').length,
      ).toBeGreaterThanOrEqual(ENGINE_IDS.length);
    });

    it('cors-lab check --config loads cors-lab.config.ts (defineConfig from cors-lab) with its resolve and ca', async () => {
      const finished = await npx(['cors-lab', 'check', '--config', 'cors-lab.config.ts', '--out', 'reports/config']);
      expectSuccess(finished, 'cors-lab check --config');
      const result = resultAt<CheckResult>('reports/config');
      const originOf = (scenarioId: string) =>
        [APP, PARTNER].find((origin) =>
          result.scenarios.find((scenario) => scenario.id === scenarioId)!.title.includes(`from ${origin}`),
        );
      const missingPath = (scenarioId: string) => scenarioId.endsWith('(a path that does not exist)');
      const outcomes = result.results
        .filter((cell) => !missingPath(cell.scenario))
        .map((cell) => `${cell.engine} ${originOf(cell.scenario)} ${cell.outcome}`)
        .sort();
      expect(outcomes).toEqual(
        ENGINE_IDS.flatMap((engine) => [`${engine} ${APP} allowed`, `${engine} ${PARTNER} blocked`]).sort(),
      );
      // The API's 404 beside the endpoint carries its CORS headers too (the cors middleware runs before the routes).
      expect(result.results.filter((cell) => missingPath(cell.scenario)).map((cell) => cell.outcome)).toEqual([
        'allowed',
        'allowed',
        'allowed',
      ]);
      expect(result.check.findings).toEqual([]);
    });

    // The lowest Node the package declares, from the npm package node@22.19.0 (users bring their own Node): one project is enough.
    it.runIf(type === 'module')(
      'on Node 22.19, the lowest it supports, the same check --config runs from the TypeScript config',
      async () => {
        const floor = tempDir('node-floor');
        const installed = await runCommand(
          'npm',
          ['install', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', floor, 'node@22.19.0'],
          { cwd: floor, env: userEnv() },
        );
        expectSuccess(installed, 'npm install node@22.19.0');
        const bin = join(floor, 'node_modules/.bin');
        const finished = await runCommand(
          'npx',
          [
            '--no-install',
            'cors-lab',
            'check',
            '--config',
            'cors-lab.config.ts',
            '--browsers',
            'chromium',
            '--out',
            'reports/floor',
          ],
          { cwd: project, env: { ...env(), PATH: `${bin}:${env().PATH}` } },
        );
        expectSuccess(finished, 'cors-lab check --config on Node 22.19');
        const result = resultAt<CheckResult>('reports/floor');
        expect(result.runInfo.node).toBe('v22.19.0');
        expect(result.summary.error).toBe(0);
        expect(result.results.map((cell) => cell.outcome).sort()).toEqual(['allowed', 'allowed', 'blocked']);
      },
      300_000,
    );

    it('cors-lab run --middleware runs the built-in profile against an adapter file from the project', async () => {
      const finished = await npx([
        'cors-lab',
        'run',
        'node_modules/cors-lab/scenarios/middleware',
        '--middleware',
        './adapter.ts',
        '--out',
        'reports/middleware',
      ]);
      // simple-cors has no "reflect", so the profile shows differences: exit 1, not 2.
      expect(finished.status, finished.stderr).toBe(1);
      const result = resultAt('reports/middleware');
      expect(result.middleware!.variants).toMatchObject([
        { id: 'simple-cors', version: 'simple-cors 0.0.1 (example)' },
      ]);
      expect(result.summary.error).toBe(0);
      const outcomes = (scenario: string) =>
        result.results.filter((cell) => cell.scenario === scenario).map((cell) => cell.outcome);
      expect(outcomes('mw-allowlist-first-origin')).toEqual(['allowed', 'allowed', 'allowed']);
      expect(outcomes('mw-reflect-origin')).toEqual(['blocked', 'blocked', 'blocked']);
    });

    it('cors-lab run --middleware with a middleware package the project lacks: one line with the install command, exit 2', async () => {
      const finished = await npx([
        'cors-lab',
        'run',
        'node_modules/cors-lab/scenarios/middleware',
        '--middleware',
        '@koa/cors',
      ]);
      expect(finished.status).toBe(2);
      expect(finished.stderr).toMatch(
        // Both packages it lacks, in one line and one install command (not one, then the other on the next try).
        /the @koa\/cors adapter needs the npm packages "koa" and "@koa\/cors" \(.*\)\. Fix: npm install --save-dev koa @koa\/cors\n/,
      );
      // Bad input, not a crash: no stack trace.
      expect(finished.stderr).not.toMatch(/harness failure|\n\s+at /);
    });

    it('cors-lab ui serves its page, with its script, from the installed package, and stops on Ctrl-C', async () => {
      const child = spawn('npx', ['--no-install', 'cors-lab', 'ui'], {
        cwd: project,
        env: env(),
        stdio: ['ignore', 'pipe', 'pipe'],
        // A group of its own, which Ctrl-C signals as a whole (npx passes a lone SIGINT on to nothing).
        detached: true,
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let printed = '';
      child.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
      const deadline = Date.now() + 30_000;
      while (!/open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.test(printed) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      const url = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(printed)?.[1];
      expect(url, printed).toBeDefined();
      const page = await (await fetch(url!)).text();
      expect(page).toContain('<form id="form">');
      // The browser script the build copies beside the compiled page module.
      expect(page).toContain('function diagram(cell, differs)');
      process.kill(-child.pid!, 'SIGINT');
      await exited;
      // npx itself dies of the signal, as in a terminal; cors-lab ui stops and its port closes.
      let listening = true;
      for (let tries = 0; tries < 100 && listening; tries++) {
        listening = await fetch(url!).then(
          () => true,
          () => false,
        );
        if (listening) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(listening).toBe(false);
    });

    it('a vitest suite in the project uses createLab, lab.probe and the matchers through the globalSetup pattern', async () => {
      const finished = await npx(['vitest', 'run']);
      expectSuccess(finished, 'vitest run');
      const output = finished.stdout.replace(/\x1b\[[0-9;]*m/g, '');
      expect(output).toMatch(/Tests\s+6 passed \(6\)/);
      expect(output).toMatch(new RegExp(`v${vitest}\\.\\d+\\.\\d+`));
    });

    it.runIf(typescript)(
      "the package's declarations type-check the project's config, adapter and vitest files, and catch a wrong field",
      async () => {
        const tsconfig = {
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2023',
            strict: true,
            noEmit: true,
            allowImportingTsExtensions: true,
            skipLibCheck: false,
            types: ['node'],
          },
          include: ['*.ts'],
        };
        writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
        expectSuccess(await npx(['tsc', '-p', '.']), 'tsc');
        writeFileSync(
          join(project, 'wrong.ts'),
          `import { defineConfig, type MiddlewareAdapter } from 'cors-lab';\nexport default defineConfig({ endpoints: [{ url: 1, origins: {} }] });\nexport const adapter: MiddlewareAdapter = { name: 'x', version: '1' };\n`,
        );
        const wrong = await npx(['tsc', '-p', '.']);
        expect(wrong.status).not.toBe(0);
        expect(wrong.stdout).toMatch(
          /wrong\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
        );
        expect(wrong.stdout).toMatch(/wrong\.ts\(3,\d+\): error TS2741: Property 'create' is missing/);
      },
    );

    it.skipIf(OLD_NODE === undefined)(
      'on a Node older than 22.19 (the system Node here) the bin says what to install',
      async () => {
        const finished = await runCommand(OLD_NODE!.path, [join(project, 'node_modules/.bin/cors-lab'), 'browsers'], {
          cwd: project,
        });
        expect(finished.status).toBe(2);
        expect(finished.stderr).toContain(`this is Node ${OLD_NODE!.version}`);
        expect(finished.stderr).toContain('npm install --save-dev node@24');
      },
    );

    it('writes nothing outside the folders it was given', () => {
      // jiti keeps no cache on disk, and reports went where --out said.
      expect(existsSync(join(project, 'node_modules/.cache/jiti'))).toBe(false);
      expect(existsSync(join(project, 'cors-lab-report'))).toBe(false);
      // What Node compiled of the installed package is kept in cors-lab's cache folder, for the next start.
      expect(readdirSync(join(project, '.cache-cors-lab', 'node-compile-cache')).length).toBeGreaterThan(0);
    });
  },
);
