// check --har and --openapi against a real Express API in its own process:
// a HAR recorded by the test itself from a real page in Chromium, replayed
// in all three engines; an OpenAPI document with a bearer-token operation.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverForRun } from '../../harness/engines/discovery.ts';
import { ENGINE_IDS } from '../../harness/engines/types.ts';
import type { CheckResult } from '../../harness/result/result.ts';
import { startFixture, type FixtureServer } from '../check-helpers.ts';
import { runCli, tempDir } from '../helpers.ts';

let api: FixtureServer;
let page: Server;
let pagePort = 0;
const APP = () => `http://app.example.com:${pagePort}`;

beforeAll(async () => {
  // The front end's page, served only for the recording.
  page = createServer(
    (_request, response) =>
      void response.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>app</title>'),
  );
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pagePort = (page.address() as { port: number }).port;
  api = await startFixture('express-cors-server', { ALLOWED_ORIGINS: APP() });
});
afterAll(async () => {
  await api?.stop();
  await new Promise((resolve) => page?.close(resolve));
});

const cellsOf = (result: CheckResult, row: string) => result.results.filter((cell) => cell.scenario === row);

describe('check --har', () => {
  it("replays the app's own cross-origin requests, recorded from a real page, in all three engines, and says which each refuses and why", async () => {
    const dir = tempDir('har');
    const harFile = join(dir, 'app.har');
    const [found] = (await discoverForRun(['chromium'])).runnable;
    const browser = await chromium.launch({
      executablePath: (found!.discovery as { executablePath: string }).executablePath,
      args: [
        '--host-resolver-rules=MAP app.example.com 127.0.0.1, MAP api.example.com 127.0.0.1, MAP cdn.thirdparty.test 127.0.0.1',
      ],
    });
    try {
      const context = await browser.newContext({ recordHar: { path: harFile } });
      const tab = await context.newPage();
      await tab.goto(`${APP()}/`);
      const apiUrl = `http://api.example.com:${api.port}/api/me`;
      await tab.evaluate(
        async ({ apiUrl, thirdParty }) => {
          const settle = (request: Promise<Response>) =>
            request.then((response) => response.text()).catch(() => 'failed');
          await settle(fetch(apiUrl, { credentials: 'include' }));
          await settle(fetch(apiUrl, { credentials: 'include' }));
          await settle(
            fetch(apiUrl, {
              method: 'POST',
              credentials: 'include',
              headers: { 'Content-Type': 'application/json' },
              body: '{"name":"ada"}',
            }),
          );
          await settle(fetch(apiUrl, { headers: { 'X-Api-Key': 'k1' } }));
          await settle(fetch('/same-origin'));
          await settle(fetch(thirdParty));
        },
        { apiUrl, thirdParty: `http://cdn.thirdparty.test:${api.port}/pixel` },
      );
      await context.close();
    } finally {
      await browser.close();
    }

    // The recording engine refused the X-Api-Key request before sending it: the HAR has it with no status and no Origin.
    const recorded = (
      JSON.parse(readFileSync(harFile, 'utf8')) as {
        log: { entries: { request: { headers: { name: string }[] }; response: { status: number } }[] };
      }
    ).log.entries;
    const refusedThere = recorded.find((entry) => entry.request.headers.some((header) => header.name === 'X-Api-Key'))!;
    expect(refusedThere.response.status).toBeLessThanOrEqual(0);
    expect(refusedThere.request.headers.map((header) => header.name.toLowerCase())).not.toContain('origin');
    const out = join(dir, 'report');
    const run = await runCli([
      'check',
      '--har',
      harFile,
      '--har-exclude-host',
      'cdn.thirdparty.test',
      '--resolve',
      `api.example.com:${api.port}:127.0.0.1:${api.port}`,
      '--no-sweep',
      '--no-missing-path',
      '--reporter',
      'json',
      '--out',
      out,
      '--no-color',
      '--wide',
    ]);
    expect(run.status, run.stderr).toBe(1);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as CheckResult;
    const base = `http://api.example.com:${api.port}/api/me`;
    // One endpoint per distinct request, posed from the origin the page had; the repeated GET once.
    expect(result.scenarios.map((row) => row.id)).toEqual([
      `GET ${base} with cookies (2 requests in the HAR) from ${APP()}`,
      `POST ${base} with cookies from ${APP()}`,
      `GET ${base} with X-Api-Key from ${APP()}`,
    ]);
    expect(result.check.endpoints.map((endpoint) => [endpoint.method, endpoint.credentials])).toEqual([
      ['GET', 'include'],
      ['POST', 'include'],
      ['GET', 'same-origin'],
    ]);
    const [get, post, keyed] = result.scenarios.map((row) => cellsOf(result, row.id));
    expect(get!.map((cell) => [cell.engine, cell.outcome])).toEqual(ENGINE_IDS.map((engine) => [engine, 'allowed']));
    expect(post!.map((cell) => cell.outcome)).toEqual(['allowed', 'allowed', 'allowed']);
    expect(post!.every((cell) => cell.evidence.preflightSent)).toBe(true);
    // The request with X-Api-Key, which the API does not allow: refused in every engine, and why.
    expect(keyed!.map((cell) => cell.outcome)).toEqual(['blocked', 'blocked', 'blocked']);
    expect(keyed![0]!.specExplanation).toMatch(/does not list 'x-api-key'/);
    // And what to change on the server, in every engine's verdict.
    for (const cell of keyed!)
      expect(cell.explanation).toContain("Fix: list X-Api-Key in the preflight answer's Access-Control-Allow-Headers.");
    expect(run.stdout).toContain("Fix: list X-Api-Key in the preflight answer's Access-Control-Allow-Headers.");
    // What was left out is said, by reason.
    const skipped = Object.fromEntries(result.check.source!.skipped.map((entry) => [entry.reason, entry.count]));
    expect(result.check.source).toMatchObject({ kind: 'har', taken: 3 });
    expect(skipped['to an excluded host (--har-exclude-host)']).toBe(1);
    expect(
      skipped['same-origin'] ??
        skipped['no Origin header: not a CORS request (a navigation, script, style or image without crossorigin)'],
    ).toBeGreaterThanOrEqual(1);
    expect(run.stdout).toMatch(/Read \d+ HAR entries from .*app\.har: checked 3 endpoint\(s\)/);
  });

  it('refuses a file that is not a HAR, and a HAR with nothing to check, naming the file and the field', async () => {
    const dir = tempDir('har-bad');
    writeFileSync(join(dir, 'not.har'), '{"log": {"entries": [{"request": {"url": 1}}]}}');
    const bad = await runCli(['check', '--har', join(dir, 'not.har'), '--out', join(dir, 'out')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${join(dir, 'not.har')}: log.entries[0].request.url`);
    writeFileSync(
      join(dir, 'empty.har'),
      JSON.stringify({
        log: {
          entries: [
            {
              request: { method: 'GET', url: 'https://app.example.com/', headers: [] },
              response: { status: 200, headers: [] },
            },
          ],
        },
      }),
    );
    const empty = await runCli(['check', '--har', join(dir, 'empty.har'), '--out', join(dir, 'out')]);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(
      /log\.entries: no cross-origin CORS request to check among 1 entries \(1 no Origin header/,
    );
    const both = await runCli([
      'check',
      'https://api.example.com/x',
      '--har',
      join(dir, 'empty.har'),
      '--method',
      'POST',
    ]);
    expect(both.stderr).toContain('command line: <url>, --har: give one of a URL, --config, --har or --openapi');
  });
});

describe('check --har at the size of real traffic', () => {
  // A paginated list as a real front end makes it: 3,000 requests that differ only by the id in the path.
  const paginated = () => ({
    log: {
      version: '1.2',
      entries: Array.from({ length: 3000 }, (_, index) => ({
        request: {
          method: 'GET',
          url: `http://api.example.com:${api.port}/api/items/${index}`,
          headers: [
            { name: 'Origin', value: APP() },
            { name: 'Accept', value: 'application/json' },
          ],
        },
        response: { status: 200, headers: [{ name: 'Access-Control-Allow-Origin', value: APP() }] },
        _resourceType: 'fetch',
      })),
    },
  });

  it('checks 3,000 requests of one shape as one row (and its missing-path row), listing the 2,999 others as covered', async () => {
    const dir = tempDir('har-large');
    const harFile = join(dir, 'list.har');
    writeFileSync(harFile, JSON.stringify(paginated()));
    const out = join(dir, 'report');
    const run = await runCli([
      'check',
      '--har',
      harFile,
      '--resolve',
      `api.example.com:${api.port}:127.0.0.1:${api.port}`,
      '--no-sweep',
      '--browsers',
      'chromium',
      '--reporter',
      'json',
      '--out',
      out,
      '--no-color',
      '--wide',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as CheckResult;
    const row = `GET http://api.example.com:${api.port}/api/items/{number} (3000 requests in the HAR) from ${APP()}`;
    expect(result.scenarios.map((scenario) => scenario.id)).toEqual([
      row,
      expect.stringMatching(
        /^GET http:\/\/api\.example\.com:\d+\/api\/items\/\{number\} \(3000 requests in the HAR\), at .*cors-lab-no-such-path/,
      ),
    ]);
    expect(result.results.map((cell) => [cell.engine, cell.outcome])).toEqual([
      ['chromium', 'allowed'],
      ['chromium', 'allowed'],
    ]);
    expect(result.check.source).toMatchObject({
      read: 3000,
      taken: 1,
      covered: [{ checked: '/api/items/0', count: 2999, examples: ['/api/items/1', '/api/items/2', '/api/items/3'] }],
    });
    expect(run.stdout).toContain(
      'checked with /api/items/0, covering 2999 other request(s) of the same shape (e.g. /api/items/1; /api/items/2; /api/items/3)',
    );
  });

  it('refuses a plan of more rows than --max-rows before anything runs, saying how many and what to do', async () => {
    const dir = tempDir('har-max-rows');
    const harFile = join(dir, 'list.har');
    writeFileSync(harFile, JSON.stringify(paginated()));
    const run = await runCli([
      'check',
      '--har',
      harFile,
      '--resolve',
      `api.example.com:${api.port}:127.0.0.1:${api.port}`,
      '--max-rows',
      '3',
      '--out',
      join(dir, 'report'),
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /the check would run \d+ rows \(1 endpoint\(s\), each from its origins, with error paths and the sweep's hostile origins\), more than --max-rows 3; nothing was run\. Fix: raise --max-rows/,
    );
    expect(existsSync(join(dir, 'report'))).toBe(false);
    const bad = await runCli(['check', '--har', harFile, '--max-rows', 'lots']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('a whole number of rows, at least 1');
  });
});

describe('check --openapi', () => {
  it('checks every operation with its security scheme and declared headers: the bearer token passes, an API-key header the server does not allow is refused', async () => {
    const dir = tempDir('openapi');
    const document = join(dir, 'openapi.yaml');
    writeFileSync(
      document,
      `openapi: 3.1.0
info: { title: Accounts, version: "1.0" }
servers: [{ url: "http://api.example.com:${api.port}" }]
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
    key: { type: apiKey, in: header, name: X-Api-Key }
security: [{ bearer: [] }]
paths:
  /api/me:
    get: { operationId: me, responses: { "200": { description: ok } } }
    post:
      operationId: updateMe
      requestBody: { content: { application/json: { example: { name: ada } } } }
      responses: { "200": { description: ok } }
  /api/items/{id}:
    get:
      operationId: item
      security: [{ key: [] }]
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses: { "200": { description: ok } }
    options: { responses: { "204": { description: preflight } } }
`,
    );
    const out = join(dir, 'report');
    const run = await runCli([
      'check',
      '--openapi',
      document,
      '--origin',
      APP(),
      '--resolve',
      `api.example.com:${api.port}:127.0.0.1:${api.port}`,
      '--no-sweep',
      '--reporter',
      'json',
      '--out',
      out,
      '--no-color',
      '--wide',
    ]);
    expect(run.status, run.stderr).toBe(1);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as CheckResult;
    expect(result.check.endpoints.map((endpoint) => `${endpoint.method} ${endpoint.url}`)).toEqual([
      `GET http://api.example.com:${api.port}/api/me`,
      `POST http://api.example.com:${api.port}/api/me`,
      `GET http://api.example.com:${api.port}/api/items/1`,
    ]);
    const outcomes = Object.fromEntries(
      result.scenarios.map((row) => [
        row.id,
        cellsOf(result, row.id)
          .map((cell) => cell.outcome)
          .join(','),
      ]),
    );
    const missing = `http://api.example.com:${api.port}/api/cors-lab-no-such-path`;
    expect(outcomes).toEqual({
      [`GET /api/me (me) from ${APP()}`]: 'allowed,allowed,allowed',
      [`GET /api/me (me), at ${missing} from ${APP()} (a path that does not exist)`]: 'allowed,allowed,allowed',
      [`POST /api/me (updateMe) from ${APP()}`]: 'allowed,allowed,allowed',
      [`POST /api/me (updateMe), at ${missing} from ${APP()} (a path that does not exist)`]: 'allowed,allowed,allowed',
      // The API-key operation is refused itself, so its error path (which would fail the same way) is not asked.
      [`GET /api/items/{id} (item) from ${APP()}`]: 'blocked,blocked,blocked',
    });
    // The bearer token made the GET non-simple: each engine sent a preflight asking for Authorization.
    for (const cell of cellsOf(result, result.scenarios[0]!.id)) {
      expect(cell.evidence.preflightSent).toBe(true);
      expect(
        cell.evidence.journal.find((entry) => entry.kind === 'preflight')?.headers?.['access-control-request-headers'],
      ).toBe('authorization');
      // The whole chain, held against the spec's from the replayed answers: the preflight, then the GET, as the spec sends them.
      const chain = cell.evidence.requestShape?.chain;
      expect(
        chain?.expected.map((hop) => `${hop.kind} ${hop.method} ${hop.asks?.headers ?? ''}`.trim()),
        cell.engine,
      ).toEqual(['preflight OPTIONS authorization', 'request GET']);
      expect(
        chain?.seen.map((hop) => `${hop.kind} ${hop.method}`),
        cell.engine,
      ).toEqual(['preflight OPTIONS', 'request GET']);
      expect(cell.evidence.requestShape?.departs, cell.engine).toBeUndefined();
    }
    expect(result.check.source).toMatchObject({
      kind: 'openapi',
      read: 4,
      taken: 3,
      skipped: [{ reason: expect.stringMatching(/^an OPTIONS operation/), count: 1 }],
    });
    // Without --origin there is nothing to pose as.
    const noOrigin = await runCli(['check', '--openapi', document, '--out', join(dir, 'out2')]);
    expect(noOrigin.status).toBe(2);
    expect(noOrigin.stderr).toContain(
      'command line: --origin: missing: an OpenAPI document does not say which front-end origins call the API',
    );
  });
});
