// `cors-lab check` against real servers in their own processes (loopback
// only), in all three engines, posing as origins under example.com.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFromCli } from '../../harness/check/plan.ts';
import { runCheck } from '../../harness/check/runner.ts';
import { TargetUnreachable } from '../../harness/check/replay.ts';
import { ENGINE_IDS, type EngineFamily } from '../../harness/engines/types.ts';
import type { CellResult } from '../../harness/result/result.ts';
import { ownCa, startFixture, type FixtureServer } from '../check-helpers.ts';
import { runCli, tempCertDir, tempDir } from '../helpers.ts';

const APP = 'https://app.example.com';
const FOREIGN = 'https://foreign.example.org';
/** Which engine sent a request, from the User-Agent in the server's own log. */
const UA: Record<(typeof ENGINE_IDS)[number], RegExp> = {
  chromium: /HeadlessChrome|Chrome\//,
  firefox: /Firefox\//,
  webkit: /^(?!.*Chrome).*AppleWebKit/,
};

let express: FixtureServer;
let caFile = '';

beforeAll(async () => {
  // The API's own CA, as mkcert would make: nothing trusts it unless told to.
  const own = ownCa(tempDir('own-ca'));
  caFile = own.caFile;
  express = await startFixture('express-cors-server', { ALLOWED_ORIGINS: APP, ...own.tls });
});
afterAll(async () => {
  await express?.stop();
});

const flags = (overrides: Partial<Parameters<typeof planFromCli>[1]> = {}) => ({
  origin: [APP, FOREIGN],
  expect: [`${FOREIGN}=blocked`],
  method: 'GET',
  header: [],
  credentials: 'include' as const,
  kind: 'fetch' as const,
  resolve: [`api.example.com:443:127.0.0.1:${express.port}`],
  ca: [caFile],
  sweep: true,
  ...overrides,
});
const cellsFor = (results: CellResult[], row: string) => results.filter((cell) => cell.scenario === row);

describe('check against Express 5 + cors (allowlist, credentials, its own CA)', () => {
  it('allows the listed origin and blocks a foreign one in all three engines, and the sweep finds nothing', async () => {
    const result = await runCheck({
      plan: planFromCli('https://api.example.com/api/me', flags()),
      timeoutMs: 8000,
      certDir: tempCertDir(),
    });
    expect(result.engines.map((engine) => engine.id)).toEqual([...ENGINE_IDS]);

    const allowed = cellsFor(result.results, `GET https://api.example.com/api/me from ${APP}`);
    expect(allowed.map((cell) => [cell.engine, cell.outcome, cell.matchesExpectation])).toEqual(
      ENGINE_IDS.map((id) => [id, 'allowed', true]),
    );
    // Every hop as the spec makes it: the tunnel's :443 is not in the URL the browser requested (it once made every https row a '?').
    expect(allowed.map((cell) => cell.requestMismatch ?? 'none')).toEqual(ENGINE_IDS.map(() => 'none'));
    const foreign = cellsFor(result.results, `GET https://api.example.com/api/me from ${FOREIGN}`);
    for (const cell of foreign) {
      expect(cell).toMatchObject({ outcome: 'blocked', matchesExpectation: true, evidence: { requestReached: true } });
      // The explanation names the cause: the server sent no ACAO for this origin.
      expect(cell.explanation).toMatch(/no Access-Control-Allow-Origin header/);
    }
    expect(result.scenarios.find((row) => row.id.endsWith(FOREIGN))!.replay!.label).toMatch(/^replayed from Node/);

    const sweep = result.results.filter((cell) => cell.scenario.includes('(sweep:'));
    expect(new Set(sweep.map((cell) => cell.scenario)).size).toBe(6);
    expect(sweep.every((cell) => cell.outcome === 'blocked')).toBe(true);
    expect(result.check!.findings).toEqual([]);
    expect(result.summary.unexpected).toBe(0);

    // Posing: the lab served the page at exactly the posed origin, and the
    // request left each engine with exactly that Origin, as the API logged it.
    for (const cell of allowed) {
      const page = cell.evidence.journal.find((entry) => entry.kind === 'lab' && entry.url?.includes('/__lab/runner'));
      expect(page?.url).toMatch(/^https:\/\/app\.example\.com\/__lab\/runner\?nonce=/);
      expect(page?.headers?.host).toBe('app.example.com');
      const sent = cell.evidence.journal.find((entry) => entry.kind === 'request');
      expect(sent?.headers?.origin).toBe(APP);
      expect(
        express.log.some((line) => line.origin === APP && UA[cell.engine as EngineFamily].test(String(line.userAgent))),
      ).toBe(true);
    }
  });

  it('without --ca the untrusted certificate stops the check before any browser, with a TLS reason naming --ca (never blocked)', async () => {
    const refused = await runCheck({
      plan: planFromCli('https://api.example.com/api/me', flags({ origin: [APP], expect: [], ca: [], sweep: false })),
      timeoutMs: 8000,
      certDir: tempCertDir(),
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TargetUnreachable);
    expect((refused as TargetUnreachable).reasons).toEqual([expect.stringMatching(/^TLS: .*not trusted.*--ca/)]);
    // Node's own hint (--use-system-ca) is not the fix here.
    expect((refused as TargetUnreachable).reasons[0]).not.toMatch(/use-system-ca/);
  });

  it('checks an image (drawn to a canvas) and a font as well as fetch', async () => {
    for (const [kind, path] of [
      ['img-canvas', '/logo.png'],
      ['font', '/font.otf'],
    ] as const) {
      const result = await runCheck({
        plan: planFromCli(`https://api.example.com${path}`, flags({ kind, sweep: false })),
        timeoutMs: 8000,
        certDir: tempCertDir(),
      });
      const allowed = cellsFor(result.results, `GET https://api.example.com${path} from ${APP}`);
      expect(allowed.map((cell) => cell.outcome)).toEqual(['allowed', 'allowed', 'allowed']);
      const foreign = cellsFor(result.results, `GET https://api.example.com${path} from ${FOREIGN}`);
      // WebKitGTK loads fonts in no-cors mode (see the font scenarios), so only it renders the foreign font.
      expect(foreign.map((cell) => cell.outcome)).toEqual(
        kind === 'font' ? ['blocked', 'blocked', 'allowed'] : ['blocked', 'blocked', 'blocked'],
      );
    }
  });
});

describe('check against other servers', () => {
  it('reports every hostile origin a reflecting server lets through with credentials, in every engine', async () => {
    const reflecting = await startFixture('reflecting-server');
    try {
      const plan = planFromCli(
        `http://api.example.com:${reflecting.port}/account`,
        flags({
          origin: ['http://app.example.com'],
          expect: [],
          resolve: [`api.example.com:${reflecting.port}:127.0.0.1:${reflecting.port}`],
          ca: [],
        }),
      );
      const result = await runCheck({ plan, timeoutMs: 8000, certDir: tempCertDir() });
      // One cause, not one finding per hostile origin: the unrelated site got in, so any origin does.
      expect(result.check!.findings.map((finding) => [finding.cause, finding.kind])).toEqual([
        ['reflects-any-origin', 'security'],
      ]);
      const [finding] = result.check!.findings;
      expect(finding!.cases.map((found) => found.attack).sort()).toEqual([
        'null',
        'prefix',
        'sibling-subdomain',
        'suffix',
        'unrelated',
      ]);
      expect(finding!.engines).toEqual([...ENGINE_IDS]);
      for (const found of finding!.cases) {
        expect(found.engines).toEqual([...ENGINE_IDS]);
        const cell = result.results.find(
          (candidate) => candidate.scenario === found.scenario && candidate.engine === 'firefox',
        )!;
        const answer = cell.evidence.journal.find((entry) => entry.kind === 'request')!;
        expect(answer.headers?.origin).toBe(found.origin);
        expect(answer.responseHeaders?.['access-control-allow-credentials']).toBe('true');
        expect(cell.evidence.request.credentials).toBe('include');
        expect(found.evidence).toContain(`Access-Control-Allow-Origin '${found.origin}'`);
      }
      // The path that does not exist answers like the rest (this server answers every path): no error-path finding.
      expect(
        result.scenarios.some((row) =>
          row.id.includes('/cors-lab-no-such-path from http://app.example.com (a path that does not exist)'),
        ),
      ).toBe(true);
      expect(result.summary.unexpected).toBe(15);
    } finally {
      await reflecting.stop();
    }
  });

  it('a target that is down is said once, before any browser starts: exit 3, the reason once, no report', async () => {
    // A port below the ephemeral range (nothing started with port 0 can take
    // it while the check runs, as a just-freed port could be), not on any
    // engine's unsafe-port list, and refusing connections right now.
    const down = { port: await refusingPort([81, 82, 83, 84, 85, 86, 88, 89, 90, 91]) };
    const plan = planFromCli(
      `http://api.example.com:${down.port}/x`,
      flags({
        origin: ['http://app.example.com'],
        expect: [],
        resolve: [`api.example.com:${down.port}:127.0.0.1:${down.port}`],
        ca: [],
        sweep: false,
      }),
    );
    const refused = await runCheck({ plan, timeoutMs: 8000, certDir: tempCertDir() }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TargetUnreachable);
    expect((refused as TargetUnreachable).reasons).toEqual([
      expect.stringMatching(
        /^connection refused by http:\/\/api\.example\.com:\d+ \(connecting to 127\.0\.0\.1:\d+\): is the server running\?$/,
      ),
    ]);
    // From the command line, with the sweep on: one line for all its requests.
    const out = join(tempDir('check-down'), 'out');
    const run = await runCli([
      'check',
      `http://api.example.com:${down.port}/x`,
      '--origin',
      'http://app.example.com',
      '--resolve',
      `api.example.com:${down.port}:127.0.0.1:${down.port}`,
      '--out',
      out,
    ]);
    expect(run.status, run.stderr).toBe(3);
    expect(run.stderr).toMatch(
      /the target could not be reached or trusted for any of the \d+ request\(s\), so no browser was run: connection refused by/,
    );
    expect(run.stderr.match(/connection refused/g)).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('an https URL for a server that speaks plain HTTP is said as such, before any browser starts: exit 3', async () => {
    const plain = await startFixture('reflecting-server');
    try {
      const out = join(tempDir('check-plain'), 'out');
      const run = await runCli([
        'check',
        `https://api.example.com/account`,
        '--origin',
        APP,
        '--resolve',
        `api.example.com:443:127.0.0.1:${plain.port}`,
        '--no-sweep',
        '--out',
        out,
      ]);
      expect(run.status, run.stderr).toBe(3);
      expect(run.stderr).toContain(
        `https://api.example.com (connecting to 127.0.0.1:${plain.port}) did not answer the TLS handshake (it speaks plain HTTP on that port?): use an http:// URL for it`,
      );
      expect(run.stderr).not.toMatch(/openssl|tls_validate_record_header|\.c:\d+/);
      expect(existsSync(out)).toBe(false);
    } finally {
      await plain.stop();
    }
  });

  it('an http URL for a server that speaks TLS is said as such, before any browser starts: exit 3', async () => {
    const out = join(tempDir('check-tls-port'), 'out');
    const run = await runCli([
      'check',
      `http://api.example.com:${express.port}/api/me`,
      '--origin',
      APP,
      '--resolve',
      `api.example.com:${express.port}:127.0.0.1:${express.port}`,
      '--no-sweep',
      '--out',
      out,
    ]);
    expect(run.status, run.stderr).toBe(3);
    expect(run.stderr).toContain(
      `http://api.example.com:${express.port} (connecting to 127.0.0.1:${express.port}) hung up on a plain-HTTP request without an answer (ECONNRESET: socket hang up); does it speak TLS on that port? Then use an https:// URL for it`,
    );
    expect(existsSync(out)).toBe(false);
  });
});

/** The first of `ports` where a connection to 127.0.0.1 is refused. */
async function refusingPort(ports: number[]): Promise<number> {
  const { connect } = await import('node:net');
  for (const port of ports) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });
    if (refused) return port;
  }
  throw new Error(`every one of ports ${ports.join(', ')} answers on 127.0.0.1: free one for this test`);
}
