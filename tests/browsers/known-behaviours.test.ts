// Known engine behaviours outside the catalog, in real engines: a user's own
// scenario file, `check` against a real Express server in its own process,
// and `lab.probe` all read the engine-behaviour registry, so a behaviour the
// tool knows is "~" with its source there too, and no new finding.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createLab } from '../../harness/api/lab.ts';
import { corsMatchers } from '../../harness/api/matchers.ts';
import { planFromCli } from '../../harness/check/plan.ts';
import { runCheck } from '../../harness/check/runner.ts';
import { runScenarios } from '../../harness/run/runner.ts';
import { startFixture } from '../check-helpers.ts';
import { scenariosFrom, tempCertDir } from '../helpers.ts';

const ISSUE_1919 = 'whatwg/fetch/issues/1919';

describe('known engine behaviours beyond the catalog', () => {
  it("a user's scenario file: Authorization under ACAH * is ~ with its source in every engine, no new finding", async () => {
    const scenarios = scenariosFrom(
      `
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost:alt }
scenarios:
  - id: my-api-patch-with-bearer
    title: our PATCH endpoint with a bearer token, answered with ACAH *
    request: { target: api, path: /v1/me, method: PATCH, headers: { authorization: "Bearer t", Content-Type: application/json }, body: "{}" }
    server: { api: { /v1/me: { preflight: { headers: { Access-Control-Allow-Origin: "{{origin.page}}", Access-Control-Allow-Methods: PATCH, Access-Control-Allow-Headers: "*" } }, actual: { headers: { Access-Control-Allow-Origin: "{{origin.page}}" } } } } }
`,
      'my-api.yaml',
    );
    const result = await runScenarios({ scenarios, timeoutMs: 8000, isolation: 'group', certDir: tempCertDir() });
    expect(result.results).toHaveLength(3);
    for (const cell of result.results) {
      expect({
        engine: cell.engine,
        outcome: cell.outcome,
        spec: cell.spec,
        verdict: cell.verdict,
        matches: cell.matchesExpectation,
      }).toEqual({
        engine: cell.engine,
        outcome: 'allowed',
        spec: 'blocked',
        verdict: 'known-deviation',
        matches: true,
      });
      expect(cell.deviation?.source).toContain(ISSUE_1919);
      expect(cell.deviation?.note).toContain('acah-star-covers-authorization');
    }
    expect(result.summary.newFindings).toBe(0);
  }, 120_000);

  it('a user\'s credentialed scenario without cookiePolicy: the engines\' third-party cookie policies are predicted, "cookie policy" with the entry', async () => {
    const scenarios = scenariosFrom(
      `
origins: { page: https://shop.site-a.localhost, auth: https://auth.site-c.localhost }
scenarios:
  - id: my-session-check
    title: the shop asks the auth site who is logged in, with the auth site's session cookie
    cookies: { on: auth, set: ["session=abc; SameSite=None; Secure; Path=/"] }
    request: { kind: xhr, target: auth, path: /whoami, credentials: include, requireCookie: session }
    server: { auth: { /whoami: { actual: { headers: { Access-Control-Allow-Origin: "{{origin.page}}", Access-Control-Allow-Credentials: "true" } } } } }
`,
      'my-auth.yaml',
    );
    const result = await runScenarios({ scenarios, timeoutMs: 8000, isolation: 'group', certDir: tempCertDir() });
    expect(result.results.map((cell) => `${cell.engine} ${cell.outcome} ${cell.verdict}`)).toEqual([
      'chromium blocked cookie-policy',
      'firefox blocked cookie-policy',
      'webkit allowed matches-spec',
    ]);
    expect(result.results.map((cell) => cell.deviation?.note?.split(' ')[3])).toEqual([
      'chromium-blocks-third-party-cookies-as-launched',
      'firefox-total-cookie-protection',
      undefined,
    ]);
    expect(result.summary.unexpected).toBe(0);
  }, 120_000);

  it('lab.probe: the same behaviour, the same verdict', async () => {
    const lab = await createLab({ certDir: tempCertDir() });
    try {
      const server = (request: IncomingMessage, response: ServerResponse) => {
        const cors = { 'Access-Control-Allow-Origin': lab.origins.page };
        if (request.method === 'OPTIONS')
          return void response
            .writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'GET', 'Access-Control-Allow-Headers': '*' })
            .end();
        response.writeHead(200, cors).end('me');
      };
      const outcome = await lab.probe({ server, request: { path: '/me', headers: { Authorization: 'Bearer t' } } });
      expect(outcome.spec.outcome).toBe('blocked');
      expect(outcome.cells.map((cell) => `${cell.engine} ${cell.outcome} ${cell.verdict}`)).toEqual([
        'chromium allowed known-deviation',
        'firefox allowed known-deviation',
        'webkit allowed known-deviation',
      ]);
      for (const cell of outcome.cells) {
        expect(cell.deviation?.source).toContain(ISSUE_1919);
        // The whole chain is held against the spec's here too: the spec stops after the preflight, the engines went on to the GET.
        const chain = cell.evidence.requestShape?.chain;
        expect(
          chain?.expected.map((hop) => `${hop.kind} ${hop.method}`),
          cell.engine,
        ).toEqual(['preflight OPTIONS']);
        expect(
          chain?.seen.map((hop) => `${hop.kind} ${hop.method}`),
          cell.engine,
        ).toEqual(['preflight OPTIONS', 'request GET']);
      }
      // A matcher's message says which behaviour it is and where it is documented.
      const message = corsMatchers.toBeBlockedIn.call({}, outcome).message();
      expect(message).toMatch(
        /allowed .*\[known engine behaviour acah-star-covers-authorization .*\(source: .*whatwg\/fetch\/issues\/1919/,
      );
    } finally {
      await lab.close();
    }
  }, 120_000);

  it('check: a font from an origin the server does not allow is ~ in WebKitGTK (fonts without CORS), matching the spec elsewhere', async () => {
    const express = await startFixture('express-cors-server', { ALLOWED_ORIGINS: 'http://app.example.com' });
    try {
      const plan = planFromCli(`http://api.example.com:${express.port}/font.otf`, {
        origin: ['http://other.example.com'],
        expect: ['blocked'],
        method: 'GET',
        header: [],
        credentials: 'same-origin',
        kind: 'font',
        resolve: [`api.example.com:${express.port}:127.0.0.1:${express.port}`],
        ca: [],
        sweep: false,
      });
      const result = await runCheck({ plan, timeoutMs: 8000, certDir: tempCertDir() });
      expect(result.results.map((cell) => `${cell.engine} ${cell.outcome} ${cell.verdict}`)).toEqual([
        'chromium blocked matches-spec',
        'firefox blocked matches-spec',
        'webkit allowed known-deviation',
      ]);
      const webkit = result.results.find((cell) => cell.engine === 'webkit')!;
      expect(webkit.deviation?.note).toContain('webkit-fonts-no-cors');
      // The user expected blocked: what WebKitGTK does is known, and still not what the user wanted.
      expect(webkit.matchesExpectation).toBe(false);
      expect(result.summary.newFindings).toBe(0);
    } finally {
      await express.stop();
    }
  }, 120_000);
});
