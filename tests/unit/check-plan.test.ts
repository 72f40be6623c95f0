import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostileOrigins } from '../../harness/check/hostile.ts';
import {
  CheckInputError,
  originProblem,
  planFromCli,
  planFromConfig,
  withCommandLine,
} from '../../harness/check/plan.ts';
import { planProbes, type CheckProbe } from '../../harness/check/rows.ts';
import { specRequestOf } from '../../harness/check/replay.ts';
import { endpointsFromOpenApi } from '../../harness/check/openapi.ts';
import { untestedErrorPath } from '../../harness/check/runner.ts';
import type { ProbeRequest } from '../../harness/probes/bundle.ts';
import type { Replay } from '../../harness/result/check.ts';
import { predict } from '../../harness/spec/model.ts';
import type { SpecView } from '../../harness/result/result.ts';
import { parseResolveRule } from '../../servers/upstream.ts';
import { tempDir } from '../helpers.ts';

const base = {
  origin: [] as string[],
  expect: [] as string[],
  method: 'GET',
  header: [] as string[],
  credentials: 'same-origin' as const,
  kind: 'fetch' as const,
  resolve: [] as string[],
  ca: [] as string[],
  sweep: true,
};

function problemsOf(run: () => unknown): { file: string; field: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof CheckInputError) return error.problems;
    throw error;
  }
  throw new Error('expected a CheckInputError');
}

describe('check plans from the command line', () => {
  it('poses as the default lab origin, expecting allowed, when no origin is given', () => {
    const plan = planFromCli('https://api.example.com/users', base);
    expect(plan.endpoints[0]).toMatchObject({
      name: 'GET https://api.example.com/users',
      origins: [{ origin: 'https://app.site-a.localhost', expect: 'allowed' }],
    });
  });

  it('pairs --expect with --origin: once for all, in order, or ORIGIN=OUTCOME; keeps explicit ports exactly', () => {
    const origins = ['https://a.example.com:8443', 'https://b.example.com:443'];
    expect(
      planFromCli('https://x.test/', { ...base, origin: origins, expect: ['blocked'] }).endpoints[0]!.origins.map(
        (o) => o.expect,
      ),
    ).toEqual(['blocked', 'blocked']);
    expect(
      planFromCli('https://x.test/', {
        ...base,
        origin: origins,
        expect: ['allowed', 'blocked'],
      }).endpoints[0]!.origins.map((o) => o.expect),
    ).toEqual(['allowed', 'blocked']);
    const named = planFromCli('https://x.test/', {
      ...base,
      origin: origins,
      expect: ['https://b.example.com:443=blocked'],
    }).endpoints[0]!.origins;
    // The default port is dropped from the serialized origin, as a browser does.
    expect(named).toEqual([
      { origin: 'https://a.example.com:8443', expect: 'allowed' },
      { origin: 'https://b.example.com', expect: 'blocked' },
    ]);
  });

  it('names the flag and the fix for every bad value, and runs nothing', () => {
    const problems = problemsOf(() =>
      planFromCli('ftp://x', {
        ...base,
        origin: ['https://a.example.com/path', 'app.example.com'],
        expect: ['maybe', 'allowed', 'blocked', 'allowed'],
        header: ['NoColon'],
        resolve: ['api.example.com:99999:127.0.0.1'],
        ca: ['/nonexistent/ca.pem'],
      }),
    );
    const fields = problems.map((problem) => problem.field);
    expect(fields).toEqual(expect.arrayContaining(['<url>', '--origin', '--expect', '--header', '--resolve', '--ca']));
    expect(problems.every((problem) => problem.file === 'command line')).toBe(true);
    expect(problems.find((problem) => problem.field === '--origin')!.message).toMatch(/Fix: drop the path/);
    expect(problems.find((problem) => problem.field === '--ca')!.message).toBe(
      "/nonexistent/ca.pem does not exist. Fix: give the path of your CA's certificate (PEM), e.g. rootCA.pem",
    );
  });

  it('accepts only origins: scheme, host and port', () => {
    expect(originProblem('https://app.example.com')).toBeUndefined();
    expect(originProblem('http://127.0.0.1:8080')).toBeUndefined();
    expect(originProblem('https://app.example.com/')).toBeUndefined();
    expect(originProblem('https://user@app.example.com')).toMatch(/more than scheme/);
    expect(originProblem('ws://app.example.com')).toMatch(/http or https/);
  });

  it('refuses what the URL parser lets through but no certificate can name: a pattern, an expectation, a bad host', () => {
    // Each became a name in the lab certificate, which Firefox then refused for every origin of the run (SEC_ERROR_BAD_DER).
    expect(originProblem('https://*.example.com')).toBe(
      "'https://*.example.com' is a pattern, not an origin: a page has one origin. Fix: pose as an origin it admits (e.g. https://app.example.com) and declare the policy with --allow-origin-pattern 'https://*.example.com' (allowOriginPatterns in a config)",
    );
    expect(originProblem('https://admin.example.com=blocked')).toBe(
      '\'https://admin.example.com=blocked\' holds an expectation, which is not part of the origin. Fix: --origin https://admin.example.com --expect https://admin.example.com=blocked (in a config: origins: { "https://admin.example.com": blocked })',
    );
    for (const bad of [
      'https://app_x.example.com',
      'https://-app.example.com',
      'https://a..example.com',
      'https://app.example.com.',
    ])
      expect(originProblem(bad), bad).toMatch(/is not a host name .* Fix: write the host as a browser reaches it/);
    // Names a browser reaches stay: IPv6, IPv4, localhost, an international name (punycoded by the parser).
    for (const good of [
      'http://[::1]:8080',
      'http://127.0.0.1:3000',
      'http://localhost:5173',
      'https://bücher.example',
    ])
      expect(originProblem(good), good).toBeUndefined();
  });

  it("parses curl's --resolve, IPv6 included", () => {
    expect(parseResolveRule('api.example.com:443:127.0.0.1:8443')).toEqual({
      host: 'api.example.com',
      port: 443,
      address: '127.0.0.1',
      targetPort: 8443,
    });
    expect(parseResolveRule('API.example.com:80:[::1]')).toEqual({
      host: 'api.example.com',
      port: 80,
      address: '::1',
      targetPort: 80,
    });
    expect(parseResolveRule('api.example.com:443')).toMatch(/host:port:address/);
  });
});

describe('check suites from a config file', () => {
  it('loads YAML with a baseUrl, CA files relative to the config, and expectations per origin', async () => {
    const dir = tempDir('config');
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(
      join(dir, 'cors-lab.yaml'),
      `baseUrl: https://preview.example.com
resolve: ["preview.example.com:443:127.0.0.1:8443"]
ca: [ca.pem]
sweep: false
endpoints:
  - url: /api/users
    credentials: include
    origins: { "https://app.example.com": allowed, "https://evil.test": blocked }
`,
    );
    const plan = await planFromConfig(join(dir, 'cors-lab.yaml'));
    expect(plan.sweep).toBe(false);
    expect(plan.ca[0]!.file).toBe(join(dir, 'ca.pem'));
    expect(plan.resolve).toEqual([{ host: 'preview.example.com', port: 443, address: '127.0.0.1', targetPort: 8443 }]);
    expect(plan.endpoints[0]).toMatchObject({
      name: 'GET https://preview.example.com/api/users',
      credentials: 'include',
      origins: [
        { origin: 'https://app.example.com', expect: 'allowed' },
        { origin: 'https://evil.test', expect: 'blocked' },
      ],
    });
  });

  it('loads cors-lab.config.ts written with defineConfig', async () => {
    const dir = tempDir('config-ts');
    const file = join(dir, 'cors-lab.config.ts');
    writeFileSync(
      file,
      `import { defineConfig } from ${JSON.stringify(new URL('../../harness/check/plan.ts', import.meta.url).pathname)};
export default defineConfig({ endpoints: [{ name: 'me', url: 'http://api.example.com/me', origins: { 'http://app.example.com': 'allowed' } }] });
`,
    );
    const plan = await planFromConfig(file);
    expect(plan.endpoints[0]).toMatchObject({
      name: 'me',
      method: 'GET',
      kind: 'fetch',
      origins: [{ origin: 'http://app.example.com', expect: 'allowed' }],
    });
    expect(plan.sweep).toBe(true);
  });

  it('names the file and the field of every problem', async () => {
    const dir = tempDir('config-bad');
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `endpoints:\n  - url: /relative\n    method: "GE T"\n    origins: { "https://app.example.com/x": allowed }\n    extra: 1\n    credential: include\n`,
    );
    const error = await planFromConfig(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CheckInputError);
    const problems = (error as CheckInputError).problems;
    expect(problems.every((problem) => problem.file === file)).toBe(true);
    const fields = problems.map((problem) => problem.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'endpoints[0].method',
        'endpoints[0].extra',
        'endpoints[0].origins.https://app.example.com/x',
      ]),
    );
    // A config gets the same "did you mean" as a scenario file.
    expect(problems.find((problem) => problem.field === 'endpoints[0].credential')?.message).toBe(
      'unknown field "credential": did you mean "credentials"? Fix: rename it to credentials',
    );
  });

  it('a missing OpenAPI document is said as such, with the fix', async () => {
    const missing = join(tempDir('openapi-missing'), 'nope.yaml');
    const error = await endpointsFromOpenApi(missing, {}).catch((caught: unknown) => caught);
    expect((error as CheckInputError).problems).toEqual([
      { file: missing, field: '', message: 'no such file. Fix: give the path of your OpenAPI document (YAML or JSON)' },
    ]);
  });

  it('a value of the wrong kind says what goes there, in YAML words, with an example where the field has one', async () => {
    const dir = tempDir('config-kind');
    const file = join(dir, 'list.yaml');
    // Origins written as a list, as --origin is given on the command line.
    writeFileSync(file, `endpoints:\n  - url: https://api.example.com/me\n    origins: [https://app.example.com]\n`);
    const error = await planFromConfig(file).catch((caught: unknown) => caught);
    expect((error as CheckInputError).problems).toEqual([
      {
        file,
        field: 'endpoints[0].origins',
        message:
          'expected a map (name: value), got a list (Page origins to pose as, each with the outcome expected in every engine, e.g. { "https://app.example.com": allowed }). Fix: write a map (name: value) here',
      },
    ]);
  });
});

describe('the security sweep', () => {
  it('derives null, http, sibling, prefix, suffix and unrelated origins from an allowed https origin', () => {
    expect(hostileOrigins('https://app.example.com').map((hostile) => [hostile.attack, hostile.origin])).toEqual([
      ['null', 'null'],
      ['http-downgrade', 'http://app.example.com'],
      ['sibling-subdomain', 'https://cors-lab-sibling.example.com'],
      ['prefix', 'https://app.example.com.cors-lab-attacker.test'],
      ['suffix', 'https://evilapp.example.com'],
      ['unrelated', 'https://cors-lab-attacker.test'],
    ]);
    // The null origin is a sandboxed iframe inside the allowed origin's page.
    expect(hostileOrigins('https://app.example.com')[0]!.pageOrigin).toBe('https://app.example.com');
    expect(hostileOrigins('http://127.0.0.1:8080').map((hostile) => hostile.attack)).toEqual([
      'null',
      'prefix',
      'unrelated',
    ]);
    // No host name starts with an IPv6 address: no prefix attack, and no invalid DNS label posed.
    expect(hostileOrigins('https://[::1]').map((hostile) => hostile.origin)).toEqual([
      'null',
      'http://[::1]',
      'https://cors-lab-attacker.test',
    ]);
  });

  it('sweeps only allowed origins, never an origin the user listed, with credentials, expecting blocked', () => {
    const plan = planFromCli('https://api.example.com/x', {
      ...base,
      origin: ['https://app.example.com', 'https://cors-lab-attacker.test'],
      expect: ['https://cors-lab-attacker.test=blocked'],
    });
    const probes = planProbes(plan);
    const sweep = probes.filter((probe) => probe.hostile);
    expect(sweep.map((probe) => probe.origin)).not.toContain('https://cors-lab-attacker.test');
    expect(sweep).toHaveLength(5);
    expect(sweep.every((probe) => probe.credentials === 'include' && probe.expect === 'blocked')).toBe(true);
    // The two listed origins, and the path that does not exist, asked from the first allowed origin.
    expect(planProbes({ ...plan, sweep: false }).map((probe) => probe.id)).toEqual([
      'GET https://api.example.com/x from https://app.example.com',
      'GET https://api.example.com/x from https://cors-lab-attacker.test',
      'GET https://api.example.com/x, at https://api.example.com/cors-lab-no-such-path from https://app.example.com (a path that does not exist)',
    ]);
    expect(planProbes({ ...plan, sweep: false, missingPath: false })).toHaveLength(2);
  });
});

describe('a config with the command line', () => {
  it("adds --resolve and --ca to the config, a --resolve for the same host and port replacing the config's", async () => {
    const dir = tempDir('config-merge');
    const file = join(dir, 'suite.yaml');
    writeFileSync(
      file,
      'resolve: ["api.example.com:443:127.0.0.1:8443", "auth.example.com:443:127.0.0.1:9443"]\nendpoints:\n  - url: https://api.example.com/me\n    origins: { "https://app.example.com": allowed }\n',
    );
    const plan = await planFromConfig(file);
    const merged = withCommandLine(plan, { resolve: ['api.example.com:443:127.0.0.1:7443'], ca: [] });
    expect(merged.resolve.map((rule) => `${rule.host}:${rule.port}->${rule.address}:${rule.targetPort}`)).toEqual([
      'auth.example.com:443->127.0.0.1:9443',
      'api.example.com:443->127.0.0.1:7443',
    ]);
    expect(merged.endpoints).toEqual(plan.endpoints);
    expect(() => withCommandLine(plan, { resolve: ['nonsense'], ca: [join(dir, 'missing.pem')] })).toThrow(
      CheckInputError,
    );
  });
});

describe('what a check row says beyond its outcome', () => {
  const request = {
    url: 'http://api.example.com/api/me',
    method: 'GET',
    headers: {},
    mode: 'cors',
    credentials: 'include',
  };

  it('models the sweep null row as a frame of the posed page: an https page makes http mixed content there too', () => {
    const spec = specRequestOf(request as unknown as ProbeRequest, 'null', 'https://app.example.com');
    expect(spec.embedderOrigin).toBe('https://app.example.com');
    const prediction = predict({ request: spec, answer: () => ({ status: 200, headers: [] }) });
    expect(prediction.outcome).toBe('blocked');
    expect(prediction.hops).toEqual([]);
    expect(prediction.explanation).toContain('a frame in an https page may not fetch the http URL');
    // A posed page's own origin is not an embedder.
    expect(
      specRequestOf(request as unknown as ProbeRequest, 'https://app.example.com', 'https://app.example.com'),
    ).not.toHaveProperty('embedderOrigin');
  });

  it('says an error path that was answered 2xx tested no error answer, and how to name one that fails', () => {
    const view = {
      outcome: 'allowed',
      explanation: 'allowed: the 200 response passes the CORS check',
      preflight: false,
      steps: [],
    } as SpecView;
    const answered = (status: number) =>
      ({
        label: 'replayed',
        exchanges: [{ kind: 'request', method: 'GET', url: 'x', sent: [], status, headers: [] }],
      }) as unknown as Replay;
    const missing = { id: 'r', errorPath: { kind: 'missing', successRow: 's' } } as CheckProbe;
    expect(untestedErrorPath(missing, answered(200), view).explanation).toBe(
      'allowed: the 200 response passes the CORS check. Note: this path was answered 200, so no error answer was tested (a route matched it: name a path that fails with --error-path, or errorPaths in a config)',
    );
    expect(untestedErrorPath(missing, answered(404), view)).toBe(view);
    expect(untestedErrorPath({ id: 'e' } as CheckProbe, answered(200), view)).toBe(view);
  });
});
