// predict(): the whole fetch, hop by hop, against scripted server answers.
// Cases follow WPT fetch/api/cors/*.any.js and cors/*.htm.
import { describe, expect, it } from 'vitest';
import { predict } from '../../harness/spec/model.ts';
import type { PredictInput, SentRequest, SpecAnswer, SpecRequest } from '../../harness/spec/model.ts';
import type { PreflightCacheEntry, StoredResponse } from '../../harness/spec/types.ts';
import { freshen, isStorable } from '../../harness/spec/http-cache.ts';

const PAGE = 'https://app.site-a.localhost:4431';
const API = 'https://api.site-b.localhost:4432';
const API2 = 'https://api.site-b.localhost:4433';

type Answer = SpecAnswer | ((sent: SentRequest) => SpecAnswer);
interface Route {
  preflight?: Answer;
  request?: Answer;
}

/** A scripted server: answers by URL and kind, and fails the test on anything unexpected. */
function run(
  request: Partial<SpecRequest>,
  routes: Record<string, Route>,
  preflightCache?: PreflightCacheEntry[],
  httpCache?: StoredResponse[],
) {
  const sent: { url: string; kind: string; sent: SentRequest }[] = [];
  const input: PredictInput = {
    ...(preflightCache && { preflightCache }),
    ...(httpCache && { httpCache }),
    request: {
      url: `${API}/data`,
      origin: PAGE,
      method: 'GET',
      headers: [],
      mode: 'cors',
      credentials: 'same-origin',
      ...request,
    },
    answer(url, kind, what) {
      sent.push({ url, kind, sent: what });
      const answer = routes[url]?.[kind];
      if (answer === undefined) throw new Error(`unexpected ${kind} to ${url}`);
      return typeof answer === 'function' ? answer(what) : answer;
    },
  };
  return { ...predict(input), sent };
}

const ok = (headers: [string, string][] = [], status = 200): SpecAnswer => ({ status, headers });
const acao = (origin = PAGE, more: [string, string][] = []): SpecAnswer =>
  ok([['Access-Control-Allow-Origin', origin], ...more]);
const echo = (sent: SentRequest): SpecAnswer => {
  const origin = sent.headers.find(([name]) => name === 'Origin')?.[1] ?? 'none';
  return ok([
    ['Access-Control-Allow-Origin', origin],
    ['X-Origin', origin],
    ['Access-Control-Expose-Headers', 'x-origin'],
  ]);
};
const redirect = (status: number, location: string, more: [string, string][] = []): SpecAnswer => ({
  status,
  headers: [['Location', location], ...more],
});

describe('simple requests', () => {
  it('allows a cross-origin GET with ACAO *, without preflight or cookies', () => {
    const p = run({}, { [`${API}/data`]: { request: acao('*') } });
    expect(p.outcome).toBe('allowed');
    expect(p.preflight).toBe(false);
    expect(p.preflightHeaders).toBeUndefined();
    expect(p.hops).toEqual([
      {
        url: `${API}/data`,
        kind: 'request',
        method: 'GET',
        status: 200,
        origin: PAGE,
        credentials: false,
        mode: 'cors',
      },
    ]);
    expect(p.explanation).toBe(
      "allowed: the 200 response passes the CORS check (Access-Control-Allow-Origin is '*' and credentials mode is not 'include')",
    );
    expect(p.steps[0]).toMatch(
      /^Fetch § 4\.1 main fetch, step 12: .* is cross-origin: the CORS protocol; a simple request needs no preflight/,
    );
  });

  it('blocks a cross-origin GET without ACAO, after the server answered', () => {
    const p = run({}, { [`${API}/data`]: { request: ok() } });
    expect(p.outcome).toBe('blocked');
    expect(p.explanation).toBe('blocked: the response has no Access-Control-Allow-Origin header');
    expect(p.hops).toHaveLength(1);
  });

  it('needs no CORS for a same-origin request, with cookies and no Origin header on GET', () => {
    const p = run(
      { url: `${PAGE}/data`, method: 'PUT', headers: [['X-Api-Key', 'k']] },
      {
        [`${PAGE}/data`]: {
          request: ok([
            ['X-Secret', '1'],
            ['Set-Cookie', 'a=b'],
          ]),
        },
      },
    );
    expect(p).toMatchObject({ outcome: 'allowed', preflight: false, exposedHeaders: ['x-secret'] });
    expect(p.hops[0]).toMatchObject({ method: 'PUT', origin: PAGE, credentials: true });
    expect(run({ url: `${PAGE}/data` }, { [`${PAGE}/data`]: { request: ok() } }).hops[0]!.origin).toBeUndefined();
    expect(p.explanation).toBe('allowed: the 200 response is same-origin, so no CORS check applies');
  });

  it('sends credentials cross-origin only with include', () => {
    const p = run(
      { credentials: 'include' },
      { [`${API}/data`]: { request: acao(PAGE, [['Access-Control-Allow-Credentials', 'true']]) } },
    );
    expect(p.outcome).toBe('allowed');
    expect(p.hops[0]!.credentials).toBe(true);
    expect(p.sent[0]!.sent.credentials).toBe(true);
  });

  it("blocks ACAO '*' with credentials mode 'include'", () => {
    const p = run(
      { credentials: 'include' },
      { [`${API}/data`]: { request: acao('*', [['Access-Control-Allow-Credentials', 'true']]) } },
    );
    expect(p.outcome).toBe('blocked');
    expect(p.explanation).toBe(
      "blocked: Access-Control-Allow-Origin '*' cannot be used with credentials mode 'include'",
    );
  });

  it('allows a POST with a string body: text/plain;charset=UTF-8 is safelisted', () => {
    const p = run({ method: 'POST', body: 'hello' }, { [`${API}/data`]: { request: acao() } });
    expect(p).toMatchObject({ outcome: 'allowed', preflight: false });
    expect(p.sent[0]!.sent.headers).toEqual([
      ['Origin', PAGE],
      ['Content-Type', 'text/plain;charset=UTF-8'],
    ]);
  });
});

describe('preflights', () => {
  const preflightOk = (more: [string, string][]) => acao(PAGE, more);

  it('preflights Content-Type text/html and sends the spec ACRM/ACRH', () => {
    const p = run(
      { method: 'POST', headers: [['Content-Type', 'text/html']] },
      {
        [`${API}/data`]: {
          preflight: preflightOk([['Access-Control-Allow-Headers', 'Content-Type']]),
          request: acao(),
        },
      },
    );
    expect(p).toMatchObject({
      outcome: 'allowed',
      preflight: true,
      preflightHeaders: { method: 'POST', requestHeaders: 'content-type' },
    });
    expect(p.hops.map((h) => `${h.kind} ${h.method} ${h.status}`)).toEqual([
      'preflight OPTIONS 200',
      'request POST 200',
    ]);
    expect(p.hops[0]).toMatchObject({ origin: PAGE, credentials: false });
    expect(p.sent[0]!.sent.headers).toEqual([
      ['Origin', PAGE],
      ['Accept', '*/*'],
      ['Access-Control-Request-Method', 'POST'],
      ['Access-Control-Request-Headers', 'content-type'],
    ]);
  });

  it("preflights an Accept with '\"' and a header over 128 bytes", () => {
    const quote = run({ headers: [['Accept', '"']] }, { [`${API}/data`]: { preflight: ok([], 204) } });
    expect(quote).toMatchObject({
      outcome: 'blocked',
      preflight: true,
      preflightHeaders: { requestHeaders: 'accept' },
    });
    const long = run(
      { headers: [['Accept-Language', 'a'.repeat(129)]] },
      { [`${API}/data`]: { preflight: ok([], 204) } },
    );
    expect(long.preflightHeaders).toEqual({ method: 'GET', requestHeaders: 'accept-language' });
  });

  it('preflights Range only when it is not a simple range', () => {
    const simple = run({ headers: [['Range', 'bytes=0-99']] }, { [`${API}/data`]: { request: acao('*') } });
    expect(simple.preflight).toBe(false);
    const suffix = run(
      { headers: [['Range', 'bytes=-99']] },
      { [`${API}/data`]: { preflight: preflightOk([['Access-Control-Allow-Headers', 'range']]), request: acao() } },
    );
    expect(suffix).toMatchObject({
      outcome: 'allowed',
      preflight: true,
      preflightHeaders: { requestHeaders: 'range' },
    });
  });

  it('sends ACRH lowercased, sorted, comma-joined, without spaces, and not for safelisted headers', () => {
    const p = run(
      {
        method: 'PUT',
        headers: [
          ['X-Zeta', '1'],
          ['Accept', 'application/json'],
          ['x-alpha', '2'],
          ['X-Alpha', '3'],
        ],
      },
      { [`${API}/data`]: { preflight: ok([], 204) } },
    );
    expect(p.preflightHeaders).toEqual({ method: 'PUT', requestHeaders: 'x-alpha,x-zeta' });
  });

  it('names the header the preflight answer does not allow, and never sends the request', () => {
    const p = run(
      { headers: [['X-Api-Key', 'k']] },
      { [`${API}/data`]: { preflight: preflightOk([['Access-Control-Allow-Headers', 'x-other']]) } },
    );
    expect(p.outcome).toBe('blocked');
    expect(p.explanation).toBe(
      "blocked: the preflight answer's Access-Control-Allow-Headers does not list 'x-api-key'",
    );
    expect(p.hops.map((h) => h.kind)).toEqual(['preflight']);
  });

  // WPT cors-preflight-star.any.js through predict().
  it.each([
    ['ACAM *, ACAH *, no credentials', 'omit', 'OK', [['X-Test', '1']], '*', '*', 'allowed'],
    ['ACAM *, ACAH *, credentials', 'include', 'OK', [['X-Test', '1']], '*', '*', 'blocked'],
    ['ACAM * with credentials, PUT', 'include', 'PUT', [], '*', '', 'blocked'],
    ['ACAM PUT with credentials', 'include', 'PUT', [], 'PUT', '*', 'allowed'],
    ['literal * method and header with credentials', 'include', '*', [['*', '1']], '*', '*', 'allowed'],
  ] as [string, 'omit' | 'include', string, [string, string][], string, string, string][])(
    '%s',
    (_name, credentials, method, headers, methods, names, outcome) => {
      const allow: [string, string][] = [
        ['Access-Control-Allow-Methods', methods],
        ['Access-Control-Allow-Headers', names],
      ];
      if (credentials === 'include') allow.push(['Access-Control-Allow-Credentials', 'true']);
      const p = run(
        { credentials, method, headers },
        { [`${API}/data`]: { preflight: preflightOk(allow), request: acao(PAGE, allow) } },
      );
      expect(p.outcome).toBe(outcome);
    },
  );

  it('never lets ACAH * cover Authorization', () => {
    const routes = {
      [`${API}/data`]: { preflight: preflightOk([['Access-Control-Allow-Headers', '*']]), request: acao() },
    };
    const p = run({ headers: [['Authorization', 'Bearer t']] }, routes);
    expect(p.outcome).toBe('blocked');
    expect(p.explanation).toBe(
      "blocked: the preflight answer's Access-Control-Allow-Headers does not list 'authorization' ('*' never covers Authorization)",
    );
    expect(run({ headers: [['X-Anything', '1']] }, routes).outcome).toBe('allowed');
  });

  it('compares methods case-sensitively: patch is not normalized, PUT is', () => {
    const routes = {
      [`${API}/data`]: { preflight: preflightOk([['Access-Control-Allow-Methods', 'PATCH, PUT']]), request: acao() },
    };
    expect(run({ method: 'PATCH' }, routes).outcome).toBe('allowed');
    const lower = run({ method: 'patch' }, routes);
    expect(lower.outcome).toBe('blocked');
    expect(lower.preflightHeaders).toEqual({ method: 'patch', requestHeaders: '' });
    expect(lower.explanation).toContain(
      "does not list 'patch': it lists 'PATCH', and methods are compared case-sensitively",
    );
    const put = run({ method: 'put' }, routes);
    expect(put.outcome).toBe('allowed');
    expect(put.hops[1]!.method).toBe('PUT');
  });

  it('allows a custom method only when listed exactly or by * without credentials', () => {
    const listed = {
      [`${API}/data`]: { preflight: preflightOk([['Access-Control-Allow-Methods', 'CHICKEN']]), request: acao() },
    };
    expect(run({ method: 'CHICKEN' }, listed).outcome).toBe('allowed');
    expect(run({ method: 'Chicken' }, listed).outcome).toBe('blocked');
  });

  it.each([200, 204, 299, 300, 301, 302, 304, 307, 308, 400, 404, 500, 503])(
    'needs an ok status from the preflight: %i',
    (status) => {
      const p = run(
        { method: 'DELETE' },
        { [`${API}/data`]: { preflight: acao(PAGE, [['Access-Control-Allow-Methods', 'DELETE']]), request: acao() } },
      );
      expect(p.outcome).toBe('allowed');
      const answered = run(
        { method: 'DELETE' },
        {
          [`${API}/data`]: {
            preflight: {
              status,
              headers: [
                ['Access-Control-Allow-Origin', PAGE],
                ['Access-Control-Allow-Methods', 'DELETE'],
              ],
            },
            request: acao(),
          },
        },
      );
      expect(answered.outcome).toBe(status >= 200 && status < 300 ? 'allowed' : 'blocked');
    },
  );

  it('does not follow a redirected preflight', () => {
    const p = run(
      { method: 'PUT' },
      { [`${API}/data`]: { preflight: redirect(307, `${API}/elsewhere`, [['Access-Control-Allow-Origin', '*']]) } },
    );
    expect(p.outcome).toBe('blocked');
    expect(p.hops).toEqual([
      {
        url: `${API}/data`,
        kind: 'preflight',
        method: 'OPTIONS',
        status: 307,
        origin: PAGE,
        credentials: false,
        mode: 'cors',
        asks: { method: 'PUT', headers: '' },
      },
    ]);
    expect(p.explanation).toBe(
      'blocked: the preflight answer has status 307, not an ok status (200-299); a preflight never follows redirects',
    );
  });

  it('fails on a malformed Access-Control-Allow-Methods (WPT cors-preflight-response-validation)', () => {
    const p = run(
      { headers: [['X-Force-Preflight', '']] },
      {
        [`${API}/data`]: {
          preflight: preflightOk([
            ['Access-Control-Allow-Headers', 'x-force-preflight'],
            ['Access-Control-Allow-Methods', 'Bad method name'],
          ]),
        },
      },
    );
    expect(p.outcome).toBe('blocked');
    expect(p.steps.at(-1)).toMatch(/^Fetch § 4\.8 CORS-preflight fetch, step 7\.3: /);
  });

  it('preflights with the use-CORS-preflight flag, even for a simple GET', () => {
    const p = run({ useCorsPreflight: true }, { [`${API}/data`]: { preflight: preflightOk([]), request: acao() } });
    expect(p).toMatchObject({
      outcome: 'allowed',
      preflight: true,
      preflightHeaders: { method: 'GET', requestHeaders: '' },
    });
  });
});

describe('redirects', () => {
  // WPT fetch/api/cors/cors-redirect.any.js: the final server echoes the Origin it got.
  const cases: [string, string, string, string][] = [
    ['cors to same cors', `${API}/redirect`, `${API}/final`, PAGE],
    ['cors to another cors', `${API}/redirect`, `${API2}/final`, 'null'],
    ['same origin to cors', `${PAGE}/redirect`, `${API}/final`, PAGE],
    ['cors to same origin', `${API}/redirect`, `${PAGE}/final`, 'null'],
  ];
  for (const status of [301, 302, 303, 307, 308]) {
    it.each(cases)(`${status}: %s keeps the request simple and sends Origin %s`, (_name, from, to, origin) => {
      const first = from.startsWith(PAGE)
        ? redirect(status, to)
        : redirect(status, to, [['Access-Control-Allow-Origin', '*']]);
      const p = run({ url: from, readHeader: 'x-origin' }, { [from]: { request: first }, [to]: { request: echo } });
      expect(p.outcome).toBe('allowed');
      expect(p.hops.map((h) => h.kind)).toEqual(['request', 'request']);
      expect(p.hops[1]!.origin).toBe(origin);
      expect(p.exposedHeaders).toContain('x-origin');
    });
  }

  it('turns POST into GET on 301, 302 and 303, dropping Content-Type, so no second preflight is needed', () => {
    for (const status of [301, 302, 303]) {
      const p = run(
        { method: 'POST', headers: [['Content-Type', 'application/json']], body: '{}' },
        {
          [`${API}/data`]: {
            preflight: acao(PAGE, [['Access-Control-Allow-Headers', 'content-type']]),
            request: redirect(status, `${API2}/moved`, [['Access-Control-Allow-Origin', PAGE]]),
          },
          [`${API2}/moved`]: { request: acao('null') },
        },
      );
      expect(p.outcome).toBe('allowed');
      expect(p.hops.map((h) => `${h.kind} ${h.method}`)).toEqual(['preflight OPTIONS', 'request POST', 'request GET']);
      expect(p.sent[2]!.sent.headers).toEqual([['Origin', 'null']]);
    }
  });

  it('keeps the method on 307 and 308, and preflights again at the new URL', () => {
    for (const status of [307, 308]) {
      const p = run(
        { method: 'PUT' },
        {
          [`${API}/data`]: {
            preflight: acao(PAGE, [['Access-Control-Allow-Methods', 'PUT']]),
            request: redirect(status, `${API2}/moved`, [['Access-Control-Allow-Origin', PAGE]]),
          },
          [`${API2}/moved`]: {
            preflight: acao('null', [['Access-Control-Allow-Methods', 'PUT']]),
            request: acao('null'),
          },
        },
      );
      expect(p.outcome).toBe('allowed');
      expect(p.hops.map((h) => `${h.kind} ${h.method} ${h.origin}`)).toEqual([
        `preflight OPTIONS ${PAGE}`,
        `request PUT ${PAGE}`,
        'preflight OPTIONS null',
        'request PUT null',
      ]);
      expect(p.preflight).toBe(true);
    }
  });

  it('turns PUT into GET on 303 but not HEAD', () => {
    const routes = {
      [`${PAGE}/a`]: { request: redirect(303, `${PAGE}/b`) },
      [`${PAGE}/b`]: { request: ok() },
    };
    expect(run({ url: `${PAGE}/a`, method: 'PUT' }, routes).hops.map((h) => h.method)).toEqual(['PUT', 'GET']);
    expect(run({ url: `${PAGE}/a`, method: 'HEAD' }, routes).hops.map((h) => h.method)).toEqual(['HEAD', 'HEAD']);
  });

  it('needs every cross-origin redirect to pass the CORS check', () => {
    const p = run({}, { [`${API}/data`]: { request: redirect(302, `${API}/final`) } });
    expect(p.outcome).toBe('blocked');
    expect(p.explanation).toBe(
      'blocked: the 302 redirect answer fails the CORS check: the response has no Access-Control-Allow-Origin header',
    );
  });

  it("needs ACAO 'null' (or '*') after the origin was tainted", () => {
    const routes = (final: string) => ({
      [`${API}/data`]: { request: redirect(302, `${PAGE}/back`, [['Access-Control-Allow-Origin', '*']]) },
      [`${PAGE}/back`]: { request: acao(final) },
    });
    expect(run({}, routes('null')).outcome).toBe('allowed');
    const p = run({}, routes(PAGE));
    expect(p.outcome).toBe('blocked');
    expect(p.explanation).toContain("the Origin is 'null'");
    expect(p.steps.join('\n')).toContain('Fetch § 2.2.5 redirect-taint');
  });

  it('refuses a Location with credentials (WPT cors/redirect-userinfo.htm)', () => {
    const p = run(
      {},
      {
        [`${API}/data`]: {
          request: redirect(302, 'https://user:pass@api.site-b.localhost:4433/x', [
            ['Access-Control-Allow-Origin', '*'],
          ]),
        },
      },
    );
    expect(p.outcome).toBe('blocked');
    expect(p.steps.at(-1)).toMatch(/^Fetch § 4\.5 HTTP-redirect fetch, step 9: /);
  });

  it('stops after 20 redirects: the 21st redirect answer is a network error', () => {
    const p = run({ url: `${PAGE}/loop` }, { [`${PAGE}/loop`]: { request: redirect(302, `${PAGE}/loop`) } });
    expect(p.outcome).toBe('blocked');
    expect(p.hops).toHaveLength(21);
    expect(p.explanation).toBe('blocked: the request was redirected more than 20 times');
  });

  it('answers with the redirect itself when it has no Location', () => {
    const p = run({}, { [`${API}/data`]: { request: ok([['Access-Control-Allow-Origin', '*']], 302) } });
    expect(p).toMatchObject({ outcome: 'allowed', hops: [{ status: 302 }] });
  });

  it("uses this fetch's preflight cache on a redirect back to the same URL", () => {
    const routes = (maxAge: string) => {
      let n = 0;
      return {
        [`${API}/data`]: {
          preflight: acao(PAGE, [
            ['Access-Control-Allow-Methods', 'PUT'],
            ['Access-Control-Max-Age', maxAge],
          ]),
          request: () => (++n < 3 ? redirect(307, `${API}/data`, [['Access-Control-Allow-Origin', PAGE]]) : acao()),
        },
      };
    };
    expect(run({ method: 'PUT' }, routes('60')).hops.map((h) => h.kind)).toEqual([
      'preflight',
      'request',
      'request',
      'request',
    ]);
    expect(run({ method: 'PUT' }, routes('0')).hops.map((h) => h.kind)).toEqual([
      'preflight',
      'request',
      'preflight',
      'request',
      'preflight',
      'request',
    ]);
  });

  it("refuses a cross-origin redirect in mode 'same-origin' after the first answer", () => {
    const p = run({ url: `${PAGE}/a`, mode: 'same-origin' }, { [`${PAGE}/a`]: { request: redirect(302, `${API}/b`) } });
    expect(p.outcome).toBe('blocked');
    expect(p.hops).toHaveLength(1);
  });

  it('blocks a redirect to a bad port after the answer', () => {
    const p = run(
      { url: `${PAGE}/a` },
      { [`${PAGE}/a`]: { request: redirect(302, 'https://api.site-b.localhost:6000/') } },
    );
    expect(p).toMatchObject({
      outcome: 'blocked',
      explanation: 'blocked: port 6000 is a bad port that browsers never connect to',
    });
  });
});

describe('the preflight cache across fetches (a repeated request)', () => {
  // As scenarios/preflight-cache: the first preflight allows PUT, any later one is answered 404.
  const routes = (allow: [string, string][]) => {
    let preflights = 0;
    return {
      [`${API}/d`]: {
        preflight: () =>
          ++preflights === 1 ? acao('*', [['Access-Control-Allow-Methods', 'PUT'], ...allow]) : ok([], 404),
        request: acao('*'),
      },
    };
  };
  const twice = (allow: [string, string][], headers: [string, string][] = []) => {
    const cache: PreflightCacheEntry[] = [];
    const server = routes(allow);
    const first = run({ url: `${API}/d`, method: 'PUT', headers }, server, cache);
    const second = run({ url: `${API}/d`, method: 'PUT', headers }, server, cache);
    return { first, second, cache };
  };

  it('reuses a cached preflight (Max-Age 60, or the default 5)', () => {
    for (const allow of [[['Access-Control-Max-Age', '60']], []] as [string, string][][]) {
      const { first, second, cache } = twice(allow);
      expect(first.preflight).toBe(true);
      expect(second).toMatchObject({ outcome: 'allowed', preflight: false });
      expect(second.hops.map((h) => h.kind)).toEqual(['request']);
      expect(cache).toEqual([
        { serializedOrigin: PAGE, url: `${API}/d`, credentials: false, method: 'PUT', headerName: null },
      ]);
    }
  });

  it('does not cache Max-Age 0', () => {
    const { second, cache } = twice([['Access-Control-Max-Age', '0']]);
    expect(second.outcome).toBe('blocked');
    expect(cache).toEqual([]);
  });

  it('reuses method and header entries together', () => {
    const { second } = twice(
      [
        ['Access-Control-Allow-Headers', 'x-new'],
        ['Access-Control-Max-Age', '60'],
      ],
      [['X-New', '1']],
    );
    expect(second).toMatchObject({ outcome: 'allowed', preflight: false });
  });

  it('clears the entries for the URL when a preflighted request fails', () => {
    const cache: PreflightCacheEntry[] = [
      { serializedOrigin: PAGE, url: `${API}/d`, credentials: false, method: 'PUT', headerName: null },
    ];
    const p = run({ url: `${API}/d`, method: 'PUT' }, { [`${API}/d`]: { request: ok() } }, cache);
    expect(p).toMatchObject({ outcome: 'blocked', preflight: false });
    expect(cache).toEqual([]);
  });
});

describe('a 304 to a revalidation (as WPT cors/304.htm)', () => {
  // The WPT server: a 200 with an ETag first, then 304s that change ACEH.
  const answers: SpecAnswer[] = [
    ok([
      ['Access-Control-Allow-Origin', '*'],
      ['ETag', '"abcdef"'],
      ['Cache-Control', 'no-cache'],
      ['A', '1'],
      ['B', '1'],
    ]),
    ok(
      [
        ['Access-Control-Expose-Headers', 'a, b'],
        ['A', '2'],
        ['B', '2'],
      ],
      304,
    ),
    ok(
      [
        ['Access-Control-Expose-Headers', 'a'],
        ['A', '3'],
        ['B', '3'],
      ],
      304,
    ),
  ];
  const sequence = () => {
    let served = 0;
    const server = { [`${API}/r`]: { request: () => answers[served++]! } };
    const cache: StoredResponse[] = [];
    return [1, 2, 3].map(() => run({ url: `${API}/r`, readHeader: 'B' }, server, undefined, cache));
  };

  it('a 304 with no CORS headers keeps the stored ones; it can widen and narrow ACEH', () => {
    const [first, widened, narrowed] = sequence();
    expect(first).toMatchObject({ outcome: 'blocked', exposedHeaders: ['cache-control'] });
    expect(widened).toMatchObject({ outcome: 'allowed', exposedHeaders: ['a', 'b', 'cache-control'] });
    expect(widened!.hops).toEqual([expect.objectContaining({ status: 304 })]);
    expect(widened!.steps.join('\n')).toMatch(/RFC 9111 § 4.3.4.*stored 200 response/);
    expect(narrowed).toMatchObject({ outcome: 'blocked', exposedHeaders: ['a', 'cache-control'] });
  });

  it('without a stored response a bare 304 reaches the CORS check', () => {
    const p = run({ url: `${API}/r` }, { [`${API}/r`]: { request: answers[1]! } }, undefined, []);
    expect(p.outcome).toBe('blocked');
    expect(p.explanation).toMatch(/Access-Control-Allow-Origin/);
  });

  it('stores only GET 200 answers with a validator and without no-store; a 304 replaces fields by name', () => {
    expect(isStorable('GET', 200, [['Last-Modified', 'Sat, 21 Nov 2026 00:00:00 GMT']])).toBe(true);
    expect(
      isStorable('GET', 200, [
        ['ETag', '"x"'],
        ['Cache-Control', 'private, no-store'],
      ]),
    ).toBe(false);
    expect(isStorable('GET', 200, [['Cache-Control', 'no-cache']])).toBe(false);
    expect(isStorable('POST', 200, [['ETag', '"x"']])).toBe(false);
    expect(isStorable('GET', 404, [['ETag', '"x"']])).toBe(false);
    expect(
      freshen(
        [
          ['A', '1'],
          ['a', '1b'],
          ['C', '1'],
        ],
        [['a', '2']],
      ),
    ).toEqual([
      ['C', '1'],
      ['a', '2'],
    ]);
  });
});

describe('exposed headers', () => {
  const response = acao('*', [
    ['X-Total', '3'],
    ['Set-Cookie', 'a=b'],
    ['Content-Type', 'text/plain'],
    ['Access-Control-Expose-Headers', 'x-total, set-cookie'],
  ]);

  it('lists what the page can read, never Set-Cookie', () => {
    const p = run({ readHeader: 'X-Total' }, { [`${API}/data`]: { request: response } });
    expect(p.outcome).toBe('allowed');
    expect(p.exposedHeaders).toEqual(['content-type', 'x-total']);
    expect(p.explanation).toContain("header 'x-total' is readable");
    const cookie = run({ readHeader: 'set-cookie' }, { [`${API}/data`]: { request: response } });
    expect(cookie.outcome).toBe('blocked');
    expect(cookie.explanation).toBe(
      "blocked: the 200 response passes the CORS check, but 'set-cookie' is a forbidden response-header name, never exposed to a page",
    );
  });

  it('blocks when the header is not exposed', () => {
    const p = run({ readHeader: 'x-total' }, { [`${API}/data`]: { request: acao('*', [['X-Total', '3']]) } });
    expect(p.outcome).toBe('blocked');
    expect(p.exposedHeaders).toEqual([]);
  });

  it('blocks a same-origin Set-Cookie read, allows any other same-origin header', () => {
    const routes = {
      [`${PAGE}/data`]: {
        request: ok([
          ['Set-Cookie', 'a=b'],
          ['X-Total', '1'],
        ]),
      },
    };
    expect(run({ url: `${PAGE}/data`, readHeader: 'x-total' }, routes).outcome).toBe('allowed');
    expect(run({ url: `${PAGE}/data`, readHeader: 'set-cookie' }, routes).explanation).toMatch(
      /^blocked: the 200 response is same-origin, but/,
    );
  });

  it("exposes everything with ACEH '*' only without credentials", () => {
    const star = acao(PAGE, [
      ['X-Total', '3'],
      ['Access-Control-Allow-Credentials', 'true'],
      ['Access-Control-Expose-Headers', '*'],
    ]);
    expect(run({ readHeader: 'x-total' }, { [`${API}/data`]: { request: star } }).outcome).toBe('allowed');
    expect(run({ readHeader: 'x-total', credentials: 'include' }, { [`${API}/data`]: { request: star } }).outcome).toBe(
      'blocked',
    );
    expect(run({ credentials: 'include' }, { [`${API}/data`]: { request: star } }).steps).toContain(
      'Fetch § 4.1 main fetch, step 14.1: Access-Control-Expose-Headers gives the CORS-exposed header-name list: *',
    );
  });

  it('reports a malformed ACEH', () => {
    const p = run({}, { [`${API}/data`]: { request: acao('*', [['Access-Control-Expose-Headers', 'a b']]) } });
    expect(p.steps).toContain(
      'Fetch § 4.1 main fetch, step 14.1: Access-Control-Expose-Headers gives the CORS-exposed header-name list: malformed (ignored)',
    );
  });
});

describe('no-cors, same-origin mode and requests never sent', () => {
  it('gives an opaque response in no-cors, whatever the server says', () => {
    const p = run({ mode: 'no-cors' }, { [`${API}/data`]: { request: acao('*') } });
    expect(p).toMatchObject({ outcome: 'blocked', preflight: false, exposedHeaders: [] });
    expect(p.explanation).toContain('opaque');
    expect(p.hops[0]!.origin).toBeUndefined();
    expect(p.hops[0]!.credentials).toBe(false);
  });

  it('drops headers that are not no-CORS-safelisted instead of preflighting', () => {
    const p = run(
      {
        mode: 'no-cors',
        method: 'POST',
        headers: [
          ['X-Api-Key', 'k'],
          ['Content-Type', 'application/json'],
        ],
      },
      { [`${API}/data`]: { request: ok() } },
    );
    expect(p.preflight).toBe(false);
    expect(p.sent[0]!.sent.headers).toEqual([['Origin', PAGE]]);
  });

  it('is blocked before sending, with nothing sent, for no-cors with PUT', () => {
    const p = run({ mode: 'no-cors', method: 'PUT' }, {});
    expect(p).toMatchObject({ outcome: 'blocked', preflight: false, hops: [] });
    expect(p.explanation).toBe(
      "blocked before sending: fetch() throws a TypeError: mode 'no-cors' allows only GET, HEAD and POST, not 'PUT'; no request is sent",
    );
  });

  it('reads a same-origin response in no-cors', () => {
    expect(run({ mode: 'no-cors', url: `${PAGE}/x` }, { [`${PAGE}/x`]: { request: ok() } }).outcome).toBe('allowed');
  });

  it("is blocked before sending for mode 'same-origin' to another origin", () => {
    const p = run({ mode: 'same-origin' }, {});
    expect(p).toMatchObject({ outcome: 'blocked', hops: [] });
    expect(p.explanation).toBe(
      `blocked before sending: mode 'same-origin' refuses the cross-origin URL ${API}/data; no request is sent`,
    );
  });

  it('is blocked before sending for a forbidden method, a non-HTTP URL, a bad port or mixed content', () => {
    expect(run({ method: 'TRACE' }, {})).toMatchObject({ outcome: 'blocked', hops: [] });
    expect(run({ url: 'ftp://api.site-b.localhost/x' }, {}).explanation).toContain('not an http(s) URL');
    expect(run({ url: 'https://api.site-b.localhost:6000/' }, {})).toMatchObject({ outcome: 'blocked', hops: [] });
    expect(run({ url: 'http://api.example.com/', origin: 'https://app.example.com' }, {}).explanation).toContain(
      'mixed content',
    );
  });

  it("handles a page with an opaque origin: Origin 'null', matched by ACAO 'null'", () => {
    const p = run({ origin: 'null' }, { [`${API}/data`]: { request: acao('null') } });
    expect(p.outcome).toBe('allowed');
    expect(p.hops[0]!.origin).toBe('null');
  });

  it('throws on an origin that is not a serialized origin', () => {
    expect(() => run({ origin: 'app.site-a.localhost' }, {})).toThrow(TypeError);
  });

  it('canonicalizes the page origin', () => {
    expect(run({ origin: 'HTTPS://App.Site-A.localhost:4431' }, { [`${API}/data`]: { request: acao() } }).outcome).toBe(
      'allowed',
    );
  });
});

describe('every step names its section', () => {
  it('cites the Fetch standard (or the standard it calls) in each step', () => {
    const p = run(
      {
        method: 'put',
        headers: [
          ['X-Api-Key', 'k'],
          ['Cookie', 'x'],
        ],
        readHeader: 'x-total',
        credentials: 'include',
      },
      {
        [`${API}/data`]: {
          preflight: acao(PAGE, [
            ['Access-Control-Allow-Methods', 'PUT'],
            ['Access-Control-Allow-Headers', 'x-api-key'],
            ['Access-Control-Allow-Credentials', 'true'],
          ]),
          request: redirect(307, `${API}/v2`, [
            ['Access-Control-Allow-Origin', PAGE],
            ['Access-Control-Allow-Credentials', 'true'],
          ]),
        },
        [`${API}/v2`]: {
          preflight: acao(PAGE, [
            ['Access-Control-Allow-Methods', 'PUT'],
            ['Access-Control-Allow-Headers', 'x-api-key'],
            ['Access-Control-Allow-Credentials', 'true'],
          ]),
          request: acao(PAGE, [
            ['Access-Control-Allow-Credentials', 'true'],
            ['X-Total', '1'],
            ['Access-Control-Expose-Headers', 'X-Total'],
          ]),
        },
      },
    );
    expect(p.outcome).toBe('allowed');
    // The preflight cache is keyed by URL: the redirect target gets its own preflight.
    expect(p.hops.map((h) => h.kind)).toEqual(['preflight', 'request', 'preflight', 'request']);
    for (const step of p.steps) expect(step).toMatch(/^Fetch § \d+(\.\d+)* /);
    expect(p.explanation).toMatch(/^allowed: the 200 response after 1 redirect passes the CORS check/);
  });
});

// The whole chain the spec sends, hop by hop: what each engine's journal is
// held against (run/request-chain.ts).
describe('the request chain', () => {
  it('Fetch § 4.8 steps 1-5: a preflight in cors mode, no credentials, asking for the method and the unsafe header names lowercase, sorted, comma-separated', () => {
    const p = run(
      {
        method: 'PUT',
        headers: [
          ['X-B', '1'],
          ['X-A', '2'],
          ['Content-Type', 'application/json'],
        ],
        credentials: 'include',
      },
      {
        [`${API}/data`]: {
          preflight: acao(PAGE, [
            ['Access-Control-Allow-Methods', 'PUT'],
            ['Access-Control-Allow-Headers', 'x-a, x-b, content-type'],
            ['Access-Control-Allow-Credentials', 'true'],
          ]),
          request: acao(PAGE, [['Access-Control-Allow-Credentials', 'true']]),
        },
      },
    );
    expect(p.hops).toEqual([
      {
        url: `${API}/data`,
        kind: 'preflight',
        method: 'OPTIONS',
        status: 200,
        origin: PAGE,
        credentials: false,
        mode: 'cors',
        asks: { method: 'PUT', headers: 'content-type,x-a,x-b' },
      },
      {
        url: `${API}/data`,
        kind: 'request',
        method: 'PUT',
        status: 200,
        origin: PAGE,
        credentials: true,
        mode: 'cors',
      },
    ]);
  });

  it('Fetch § 4.5 step 10 and § 3.1: after a cross-origin redirect from a cross-origin URL, the next hop carries Origin null', () => {
    const p = run(
      {},
      {
        [`${API}/data`]: { request: redirect(302, `${API2}/next`, [['Access-Control-Allow-Origin', '*']]) },
        [`${API2}/next`]: { request: acao('*') },
      },
    );
    expect(p.hops.map((hop) => [hop.url, hop.status, hop.origin, hop.mode])).toEqual([
      [`${API}/data`, 302, PAGE, 'cors'],
      [`${API2}/next`, 200, 'null', 'cors'],
    ]);
  });

  it('Fetch § 4.4 step 4.1 after a 307: the redirected request is preflighted again at the new URL, with the tainted origin', () => {
    const p = run(
      { method: 'PUT' },
      {
        [`${API}/data`]: {
          preflight: acao(PAGE, [['Access-Control-Allow-Methods', 'PUT']]),
          request: redirect(307, `${API2}/next`, [['Access-Control-Allow-Origin', PAGE]]),
        },
        [`${API2}/next`]: { preflight: acao('null', [['Access-Control-Allow-Methods', 'PUT']]), request: acao('null') },
      },
    );
    expect(p.hops.map((hop) => `${hop.kind} ${hop.method} ${hop.url} ${hop.origin}`)).toEqual([
      `preflight OPTIONS ${API}/data ${PAGE}`,
      `request PUT ${API}/data ${PAGE}`,
      `preflight OPTIONS ${API2}/next null`,
      `request PUT ${API2}/next null`,
    ]);
  });

  it('Fetch § 4.5 step 12: a 303 after a preflighted PUT is followed with GET, no body and no preflight (a GET without unsafe headers needs none)', () => {
    const p = run(
      { method: 'PUT', headers: [['Content-Type', 'application/json']], body: '{}' },
      {
        [`${API}/data`]: {
          preflight: acao(PAGE, [
            ['Access-Control-Allow-Methods', 'PUT'],
            ['Access-Control-Allow-Headers', 'content-type'],
          ]),
          request: redirect(303, `${API}/end`, [['Access-Control-Allow-Origin', PAGE]]),
        },
        [`${API}/end`]: { request: acao(PAGE) },
      },
    );
    expect(p.hops.map((hop) => `${hop.kind} ${hop.method} ${hop.url} ${hop.asks?.headers ?? '-'}`)).toEqual([
      `preflight OPTIONS ${API}/data content-type`,
      `request PUT ${API}/data -`,
      `request GET ${API}/end -`,
    ]);
    const last = p.sent.at(-1)!.sent;
    expect(last.headers.find(([name]) => name.toLowerCase() === 'content-type')).toBeUndefined();
  });

  it('Fetch § 4.6 step 8.3: same-origin credentials go on a same-origin hop and not on the cross-origin hop it redirects to', () => {
    const p = run(
      { url: `${PAGE}/start`, credentials: 'same-origin' },
      {
        [`${PAGE}/start`]: { request: redirect(302, `${API}/end`) },
        [`${API}/end`]: { request: acao('null') },
      },
    );
    expect(p.hops.map((hop) => `${hop.url} credentials ${hop.credentials}`)).toEqual([
      `${PAGE}/start credentials true`,
      `${API}/end credentials false`,
    ]);
  });

  it('Fetch § 4.6 step 8.3: include sends credentials on every hop, tainted origin or not', () => {
    const p = run(
      { credentials: 'include' },
      {
        [`${API}/data`]: {
          request: redirect(307, `${API2}/next`, [
            ['Access-Control-Allow-Origin', PAGE],
            ['Access-Control-Allow-Credentials', 'true'],
          ]),
        },
        [`${API2}/next`]: { request: acao('null', [['Access-Control-Allow-Credentials', 'true']]) },
      },
    );
    expect(p.hops.map((hop) => `${hop.origin} credentials ${hop.credentials}`)).toEqual([
      `${PAGE} credentials true`,
      'null credentials true',
    ]);
  });

  it('Fetch § 3.1: a no-cors GET carries no Origin and goes in no-cors mode', () => {
    const p = run({ mode: 'no-cors' }, { [`${API}/data`]: { request: ok() } });
    expect(p.hops).toEqual([
      { url: `${API}/data`, kind: 'request', method: 'GET', status: 200, credentials: false, mode: 'no-cors' },
    ]);
  });
});

describe('what the server changes: a blocked prediction says the fix where an answer decided', () => {
  const preflightOk = (more: [string, string][] = []): SpecAnswer =>
    ok([['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'GET, POST'], ...more], 204);

  it('names the header to list, as the page spelled it', () => {
    const p = run(
      { method: 'PUT', headers: [['X-Api-Key', 'k1']] },
      { [`${API}/data`]: { preflight: preflightOk([['Access-Control-Allow-Methods', 'PUT']]) } },
    );
    expect(p.outcome).toBe('blocked');
    expect(p.fix).toBe("list X-Api-Key in the preflight answer's Access-Control-Allow-Headers");
  });

  it('names the method, Authorization by name, the credentials header and the preflight status', () => {
    expect(run({ method: 'PATCH' }, { [`${API}/data`]: { preflight: preflightOk() } }).fix).toBe(
      "list PATCH (exactly so: methods are case-sensitive) in the preflight answer's Access-Control-Allow-Methods",
    );
    expect(
      run(
        { headers: [['Authorization', 'Bearer t']] },
        {
          [`${API}/data`]: {
            preflight: ok(
              [
                ['Access-Control-Allow-Origin', '*'],
                ['Access-Control-Allow-Headers', '*'],
              ],
              204,
            ),
          },
        },
      ).fix,
    ).toBe("list Authorization by name in the preflight answer's Access-Control-Allow-Headers ('*' never covers it)");
    expect(run({ credentials: 'include' }, { [`${API}/data`]: { request: acao() } }).fix).toBe(
      'add Access-Control-Allow-Credentials: true',
    );
    expect(
      run({ method: 'PUT' }, { [`${API}/data`]: { preflight: ok([['Access-Control-Allow-Origin', PAGE]], 404) } }).fix,
    ).toBe('on the preflight answer: answer the OPTIONS preflight itself with a 2xx status such as 204');
  });

  it("says to answer with the request's origin, never to allow 'null'", () => {
    expect(run({}, { [`${API}/data`]: { request: ok() } }).fix).toBe(
      `answer with Access-Control-Allow-Origin: ${PAGE}`,
    );
    expect(run({ credentials: 'include' }, { [`${API}/data`]: { request: acao('*') } }).fix).toBe(
      `answer with the request's origin, Access-Control-Allow-Origin: ${PAGE}, instead of '*' (and Vary: Origin)`,
    );
    const opaque = run({ origin: 'null' }, { [`${API}/data`]: { request: ok() } });
    expect(opaque.outcome).toBe('blocked');
    expect(opaque.fix).toBeUndefined();
  });

  it('gives none where no answer decided (a request the browser refuses to make)', () => {
    const p = run({ mode: 'no-cors', method: 'PUT' }, {});
    expect(p.outcome).toBe('blocked');
    expect(p.fix).toBeUndefined();
  });
});
