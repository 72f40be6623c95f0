// check's findings against real servers in their own processes: nginx with a
// common tutorial CORS snippet (error answers), an API without Vary: Origin,
// and a wildcard-subdomain policy with and without --allow-origin-pattern.
// One finding per cause; exit 4 for a security finding, 1 for the others.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_IDS } from '../../harness/engines/types.ts';
import type { CheckResult } from '../../harness/result/result.ts';
import { ownCa, startFixture } from '../check-helpers.ts';
import { runCli, tempDir } from '../helpers.ts';
import { NGINX_MISSING, startNginx, type NginxServer } from '../nginx.ts';

const APP = 'https://app.example.com';

/** The enable-cors.org style snippet: add_header without `always` (or with it, fixed). */
function tutorialSnippet(always: boolean): string {
  const add = (name: string, value: string) => `add_header '${name}' '${value}'${always ? ' always' : ''};`;
  return `
    listen 127.0.0.1:{{port}} ssl;
    server_name api.example.com;
    ssl_certificate cert.pem;
    ssl_certificate_key key.pem;
    root www;
    location = /api/boom {
      ${add('Access-Control-Allow-Origin', APP)}
      ${add('Access-Control-Allow-Credentials', 'true')}
      return 500 '{"error": "boom"}';
    }
    location /api/ {
      if ($request_method = 'OPTIONS') {
        add_header 'Access-Control-Allow-Origin' '${APP}';
        add_header 'Access-Control-Allow-Credentials' 'true';
        add_header 'Access-Control-Allow-Methods' 'GET, POST, OPTIONS';
        add_header 'Access-Control-Allow-Headers' 'DNT,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization';
        add_header 'Access-Control-Max-Age' 1728000;
        add_header 'Content-Length' 0;
        return 204;
      }
      ${add('Access-Control-Allow-Origin', APP)}
      ${add('Access-Control-Allow-Credentials', 'true')}
      ${add('Access-Control-Expose-Headers', 'Content-Length,Content-Range')}
      try_files $uri =404;
    }`;
}

const readResult = (dir: string) => JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as CheckResult;

describe.skipIf(NGINX_MISSING !== undefined)(
  'check against nginx configured from a common tutorial (HTTPS, its own CA)',
  () => {
    let dir = '';
    let caFile = '';
    const servers: NginxServer[] = [];
    beforeAll(() => {
      dir = tempDir('nginx');
      caFile = ownCa(dir).caFile;
      mkdirSync(join(dir, 'www', 'api'), { recursive: true });
      writeFileSync(join(dir, 'www', 'api', 'me'), '{"user": "ada"}');
    });
    afterAll(async () => {
      for (const server of servers) await server.stop();
    });
    /** nginx with the tutorial's snippet, its files in this test's folder. */
    const startTutorial = (name: string, always: boolean) =>
      startNginx(
        join(dir, name),
        tutorialSnippet(always)
          .replaceAll(' cert.pem', ` ${join(dir, 'cert.pem')}`)
          .replaceAll(' key.pem', ` ${join(dir, 'key.pem')}`)
          .replace('root www;', `root ${join(dir, 'www')};`),
      );
    const check = async (nginx: NginxServer, out: string, ...extra: string[]) =>
      runCli([
        'check',
        'https://api.example.com/api/me',
        '--origin',
        APP,
        '--credentials',
        'include',
        '--resolve',
        `api.example.com:443:127.0.0.1:${nginx.port}`,
        '--ca',
        caFile,
        '--reporter',
        'json',
        '--out',
        out,
        '--no-color',
        '--wide',
        ...extra,
      ]);

    it('finds that error answers lack CORS headers (add_header without always), names the fix, and exits 1; with always, nothing is found', async () => {
      const tutorial = await startTutorial('tutorial', false);
      servers.push(tutorial);
      const out = join(dir, 'report-tutorial');
      const run = await check(tutorial, out, '--error-path', '/api/boom');
      expect(run.status, run.stderr).toBe(1);
      const result = readResult(out);
      // The endpoint itself works in every engine; its 404 and 500 do not.
      const cells = (row: string) => result.results.filter((cell) => cell.scenario === row).map((cell) => cell.outcome);
      expect(cells(`GET https://api.example.com/api/me from ${APP}`)).toEqual(['allowed', 'allowed', 'allowed']);
      expect(
        cells(
          `GET https://api.example.com/api/me, at https://api.example.com/api/cors-lab-no-such-path from ${APP} (a path that does not exist)`,
        ),
      ).toEqual(['blocked', 'blocked', 'blocked']);
      expect(
        cells(`GET https://api.example.com/api/me, at https://api.example.com/api/boom from ${APP} (an error path)`),
      ).toEqual(['blocked', 'blocked', 'blocked']);
      expect(result.check.findings.map((finding) => [finding.cause, finding.kind])).toEqual([
        ['error-answers-lack-cors', 'cors'],
      ]);
      const [finding] = result.check.findings;
      expect(finding!.engines).toEqual([...ENGINE_IDS]);
      expect(finding!.cases.map((found) => found.evidence)).toEqual([
        expect.stringContaining(
          'GET https://api.example.com/api/cors-lab-no-such-path was answered 404 with no Access-Control-Allow-Origin',
        ),
        expect.stringContaining(
          'GET https://api.example.com/api/boom was answered 500 with no Access-Control-Allow-Origin',
        ),
      ]);
      expect(run.stdout).toContain(
        '1. [cors] error answers lack the CORS headers that success answers carry — chromium, firefox, webkit; GET https://api.example.com/api/me',
      );
      expect(run.stdout).toContain(
        'fix: send the CORS headers on every status: nginx: add `always` to each add_header',
      );
      // The nginx snippet answers every origin with the same static ACAO: no Vary needed, and the sweep finds nothing.
      expect(run.stdout).toContain(
        'Security sweep: every hostile origin was refused in every engine that ran (6 rows: null, http-downgrade, sibling-subdomain, prefix, suffix, unrelated).',
      );

      const fixed = await startTutorial('fixed', true);
      servers.push(fixed);
      const fixedOut = join(dir, 'report-fixed');
      const again = await check(fixed, fixedOut, '--error-path', '/api/boom', '--no-sweep');
      expect(again.status, again.stdout).toBe(0);
      expect(readResult(fixedOut).check.findings).toEqual([]);
      expect(again.stdout).toContain('Findings: none.');
    });

    it('an http URL for its TLS port, which nginx answers with a 400 page, is said as such before any browser starts: exit 3', async () => {
      const nginx = await startTutorial('tls-port', true);
      servers.push(nginx);
      const out = join(dir, 'report-tls-port');
      const run = await runCli([
        'check',
        `http://api.example.com:${nginx.port}/api/me`,
        '--origin',
        APP,
        '--resolve',
        `api.example.com:${nginx.port}:127.0.0.1:${nginx.port}`,
        '--no-sweep',
        '--out',
        out,
      ]);
      expect(run.status, run.stderr).toBe(3);
      expect(run.stderr).toContain(
        `http://api.example.com:${nginx.port} (connecting to 127.0.0.1:${nginx.port}) answered a plain-HTTP request with 400 "The plain HTTP request was sent to HTTPS port": it speaks TLS on that port; use an https:// URL for it`,
      );
      expect(existsSync(out)).toBe(false);
    });
  },
);
if (NGINX_MISSING) describe('check against nginx', () => it.skip(NGINX_MISSING ?? '', () => {}));

describe('check hygiene: Vary', () => {
  it('an API that allows one origin without Vary: Origin gets one hygiene finding (exit 1), with the answers that lack it', async () => {
    const dir = tempDir('no-vary');
    const { caFile, tls } = ownCa(dir);
    const server = await startFixture('regex-cors-server', {
      ALLOW_REGEX: '^https://app\\.example\\.com$',
      VARY: '',
      ...tls,
    });
    try {
      const out = join(dir, 'out');
      const run = await runCli([
        'check',
        'https://api.example.com/api/me',
        '--origin',
        APP,
        '--credentials',
        'include',
        '--resolve',
        `api.example.com:443:127.0.0.1:${server.port}`,
        '--ca',
        caFile,
        '--browsers',
        'chromium',
        '--reporter',
        'json',
        '--out',
        out,
        '--no-color',
        '--wide',
      ]);
      expect(run.status, run.stderr).toBe(1);
      const result = readResult(out);
      expect(result.check.findings.map((finding) => [finding.cause, finding.kind])).toEqual([
        ['missing-vary-origin', 'hygiene'],
      ]);
      const [finding] = result.check.findings;
      // The allowed origin's answer first: that is the one a cache would hand to the wrong page.
      expect(finding!.cases[0]!.evidence).toMatch(
        /^GET https:\/\/api\.example\.com\/api\/me was answered 200 with Access-Control-Allow-Origin 'https:\/\/app\.example\.com' and no Vary, from Origin 'https:\/\/app\.example\.com' \(replayed\)$/,
      );
      expect(finding!.cases.length).toBeGreaterThan(1);
      expect(run.stdout).toContain('1. [hygiene] the answer depends on the Origin but does not say Vary: Origin');
      expect(run.stdout).toContain(
        'Security sweep: every hostile origin was refused in every engine that ran (6 rows: null, http-downgrade, sibling-subdomain, prefix, suffix, unrelated).',
      );
    } finally {
      await server.stop();
    }
  });
});

describe('check with an intended wildcard-subdomain policy (--allow-origin-pattern)', () => {
  const SUBDOMAINS = '^https://[a-z0-9-]+\\.example\\.com$';
  let own: ReturnType<typeof ownCa>;
  beforeAll(() => {
    own = ownCa(tempDir('pattern-ca'));
  });
  const check = (port: number, out: string, ...extra: string[]) =>
    runCli([
      'check',
      'https://api.example.com/api/me',
      '--origin',
      APP,
      '--credentials',
      'include',
      '--resolve',
      `api.example.com:443:127.0.0.1:${port}`,
      '--ca',
      own.caFile,
      '--no-missing-path',
      '--reporter',
      'json',
      '--out',
      out,
      '--no-color',
      '--wide',
      ...extra,
    ]);

  it("fails without the pattern (any subdomain: one cause), passes with it as a glob or as the regex, and tries the pattern's look-alikes", async () => {
    const server = await startFixture('regex-cors-server', { ALLOW_REGEX: SUBDOMAINS, ...own.tls });
    try {
      const dir = tempDir('pattern');
      const without = await check(server.port, join(dir, 'without'));
      expect(without.status, without.stderr).toBe(4);
      const found = readResult(join(dir, 'without')).check.findings;
      // The sibling and evilapp.example.com are both "any subdomain", not a suffix match.
      expect(found.map((finding) => finding.cause)).toEqual(['allows-any-subdomain']);
      expect(found[0]!.cases.map((entry) => entry.origin).sort()).toEqual([
        'https://cors-lab-sibling.example.com',
        'https://evilapp.example.com',
      ]);
      expect(found[0]!.engines).toEqual([...ENGINE_IDS]);

      for (const pattern of ['https://*.example.com', SUBDOMAINS]) {
        const out = join(dir, pattern.startsWith('^') ? 'regex' : 'glob');
        const run = await check(server.port, out, '--allow-origin-pattern', pattern, '--browsers', 'chromium');
        expect(run.status, run.stdout).toBe(0);
        const result = readResult(out);
        expect(result.check.findings).toEqual([]);
        expect(result.check.allowOriginPatterns).toEqual([pattern]);
        const swept = result.scenarios
          .filter((row) => row.tags.includes('sweep'))
          .map((row) => row.id.replace(/^.* from /, ''));
        // Nothing the pattern admits is posed; the pattern's own look-alikes are.
        expect(swept).not.toContain('https://cors-lab-sibling.example.com (sweep: sibling-subdomain)');
        expect(swept).not.toContain('https://evilapp.example.com (sweep: suffix)');
        expect(swept).toEqual(
          expect.arrayContaining([
            'https://example.com.cors-lab-attacker.test (sweep: prefix)',
            'https://evilexample.com (sweep: suffix)',
            'http://cors-lab-sibling.example.com (sweep: http-downgrade)',
          ]),
        );
        expect(
          result.results
            .filter((cell) => cell.scenario.includes('(sweep:'))
            .every((cell) => cell.outcome === 'blocked'),
        ).toBe(true);
      }
    } finally {
      await server.stop();
    }
  });

  it('a pattern never hides a real hole: an unanchored server regex still fails the prefix attack', async () => {
    const server = await startFixture('regex-cors-server', {
      ALLOW_REGEX: 'https://[a-z0-9-]+\\.example\\.com',
      ...own.tls,
    });
    try {
      const out = join(tempDir('pattern-unanchored'), 'out');
      const run = await check(
        server.port,
        out,
        '--allow-origin-pattern',
        'https://*.example.com',
        '--browsers',
        'chromium',
      );
      expect(run.status, run.stdout).toBe(4);
      const [finding] = readResult(out).check.findings;
      expect(finding!.cause).toBe('matches-by-prefix');
      expect(finding!.cases.map((entry) => entry.origin)).toEqual(['https://app.example.com.cors-lab-attacker.test']);
    } finally {
      await server.stop();
    }
  });

  it('refuses a pattern it cannot use, naming the flag and the fix', async () => {
    const run = await runCli([
      'check',
      'https://api.example.com/x',
      '--allow-origin-pattern',
      '^https://.*\\.example\\.com',
      '--allow-origin-pattern',
      'example.com',
      '--out',
      join(tempDir('pattern-bad'), 'out'),
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      "command line: --allow-origin-pattern: '^https://.*\\.example\\.com' is a regular expression anchored at one end only",
    );
    expect(run.stderr).toContain(
      "command line: --allow-origin-pattern: 'example.com' is neither a glob such as https://*.example.com nor a regular expression anchored with ^ and $",
    );
  });
});

describe('check hygiene: preflight answers that echo the question', () => {
  it('a server that echoes Access-Control-Request-Headers without saying so in Vary gets a hygiene finding beside its security one', async () => {
    const reflecting = await startFixture('reflecting-server');
    try {
      const out = join(tempDir('echo-acrh'), 'out');
      const run = await runCli([
        'check',
        `http://api.example.com:${reflecting.port}/account`,
        '--origin',
        'http://app.example.com',
        '--header',
        'X-Trace: 1',
        '--resolve',
        `api.example.com:${reflecting.port}:127.0.0.1:${reflecting.port}`,
        '--no-missing-path',
        '--browsers',
        'chromium',
        '--reporter',
        'json',
        '--out',
        out,
        '--no-color',
        '--wide',
      ]);
      expect(run.status, run.stderr).toBe(4);
      const findings = readResult(out).check.findings;
      expect(findings.map((finding) => [finding.cause, finding.kind])).toEqual([
        ['reflects-any-origin', 'security'],
        ['missing-vary-request-headers', 'hygiene'],
      ]);
      expect(findings[1]!.cases[0]!.evidence).toBe(
        `asked access-control-request-headers 'x-trace' then 'x-trace,x-cors-lab-vary-check', answered access-control-allow-headers 'x-trace' then 'x-trace,x-cors-lab-vary-check' (Vary 'Origin') (two preflights replayed to http://api.example.com:${reflecting.port}/account)`,
      );
    } finally {
      await reflecting.stop();
    }
  });
});
