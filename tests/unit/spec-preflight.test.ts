// CORS-preflight fetch (Fetch § 4.8) and the preflight cache (§ 4.9), with
// the WPT cases of fetch/api/cors/cors-preflight-star.any.js,
// cors-preflight-status.any.js and cors-preflight-response-validation.any.js.
import { describe, expect, it } from 'vitest';
import {
  cachePreflightGrant,
  checkPreflightAnswer,
  clearCacheEntries,
  headerNameCacheMatch,
  isOkStatus,
  methodCacheMatch,
  preflightNeeded,
  preflightReasons,
  preflightRequestHeaders,
} from '../../harness/spec/preflight.ts';
import type { PreflightRequest } from '../../harness/spec/preflight.ts';
import type { CredentialsMode, HeaderList } from '../../harness/spec/types.ts';

const ORIGIN = 'https://app.site-a.localhost:4431';

function request(
  method: string,
  headers: HeaderList = [],
  credentials: CredentialsMode = 'omit',
  useCorsPreflight = false,
): PreflightRequest {
  return { method, headers, credentials, useCorsPreflight, serializedOrigin: ORIGIN };
}

function answer(
  allowMethods: string | null,
  allowHeaders: string | null,
  credentials = false,
  status = 204,
): { status: number; headers: HeaderList } {
  const headers: HeaderList = [['Access-Control-Allow-Origin', ORIGIN]];
  if (credentials) headers.push(['Access-Control-Allow-Credentials', 'true']);
  if (allowMethods !== null) headers.push(['Access-Control-Allow-Methods', allowMethods]);
  if (allowHeaders !== null) headers.push(['Access-Control-Allow-Headers', allowHeaders]);
  return { status, headers };
}

describe('when a preflight is needed', () => {
  it('is not needed for a simple request', () => {
    expect(preflightReasons('GET', [['Accept', 'application/json']], false)).toEqual([]);
    expect(preflightReasons('POST', [['Content-Type', 'text/plain;charset=UTF-8']], false)).toEqual([]);
  });

  it('is needed for a method that is not safelisted, an unsafe header, or the use-CORS-preflight flag', () => {
    expect(preflightReasons('PUT', [], false)).toEqual(["method 'PUT' is not CORS-safelisted (GET, HEAD, POST)"]);
    expect(preflightReasons('get', [], false)).toHaveLength(1);
    expect(preflightReasons('GET', [['Content-Type', 'text/html']], false)).toEqual([
      "content-type: 'text/html' is not application/x-www-form-urlencoded, multipart/form-data or text/plain",
    ]);
    expect(preflightReasons('POST', [], true)).toEqual(['the use-CORS-preflight flag is set (e.g. upload listeners)']);
  });

  it('sends Access-Control-Request-Headers lowercased, sorted, comma-joined, without spaces', () => {
    expect(
      preflightRequestHeaders('PUT', [
        ['X-Zeta', '1'],
        ['Authorization', 'x'],
        ['x-alpha', '2'],
        ['Accept', 'ok'],
        ['X-ALPHA', '3'],
      ]),
    ).toEqual({
      method: 'PUT',
      requestHeaders: 'authorization,x-alpha,x-zeta',
    });
    expect(preflightRequestHeaders('patch', [])).toEqual({ method: 'patch', requestHeaders: '' });
  });
});

describe('the preflight answer', () => {
  // WPT cors-preflight-star.any.js: [succeeds, credentials, allowMethods, allowHeaders, method, header].
  const star: [boolean, boolean, string, string, string, [string, string] | null][] = [
    [true, false, 'get', 'x-test', 'GET', ['X-Test', '1']],
    [true, false, '*', 'x-test', 'SUPER', ['X-Test', '1']],
    [true, false, '*', '*', 'OK', ['X-Test', '1']],
    [false, true, '*', '*', 'OK', ['X-Test', '1']],
    [false, true, '*', '', 'PUT', null],
    [true, true, 'PUT', '*', 'PUT', null],
    [false, true, 'get', '*', 'GET', ['X-Test', '1']],
    [false, true, '*', '*', 'GET', ['X-Test', '1']],
    [true, true, '*', '*', '*', ['*', '1']],
    [false, true, 'put', '*', 'PUT', null],
  ];
  it.each(star)(
    'succeeds %s with credentials %s; allowed %j %j; uses %s %j',
    (succeeds, credentials, methods, names, method, header) => {
      const result = checkPreflightAnswer(
        request(method, header ? [header] : [], credentials ? 'include' : 'omit'),
        answer(methods, names, credentials),
      );
      expect(result.verdict.ok).toBe(succeeds);
    },
  );

  it('explains a method that differs only in case', () => {
    const result = checkPreflightAnswer(request('PATCH'), answer('patch', null));
    expect(result.verdict.reason).toBe(
      "the preflight answer's Access-Control-Allow-Methods does not list 'PATCH': it lists 'patch', and methods are compared case-sensitively",
    );
    expect(result.verdict.cite).toBe('Fetch § 4.8 CORS-preflight fetch, step 7.5');
    // A page that wrote 'patch' sends 'patch' (not normalized), which 'PATCH' does not allow.
    expect(checkPreflightAnswer(request('patch'), answer('PATCH', null)).verdict.ok).toBe(false);
    expect(checkPreflightAnswer(request('patch'), answer('patch', null)).verdict.ok).toBe(true);
  });

  it('explains a missing Access-Control-Allow-Methods and a credentialed "*"', () => {
    expect(checkPreflightAnswer(request('DELETE'), answer(null, null)).verdict.reason).toContain(
      'the answer has no Access-Control-Allow-Methods header',
    );
    expect(checkPreflightAnswer(request('DELETE', [], 'include'), answer('*', null, true)).verdict.reason).toContain(
      "'*' does not count with credentials mode 'include'",
    );
    expect(checkPreflightAnswer(request('CHICKEN'), answer('GET, POST', null)).verdict.reason).toBe(
      "the preflight answer's Access-Control-Allow-Methods does not list 'CHICKEN'",
    );
  });

  it('never lets "*" cover Authorization', () => {
    const auth: HeaderList = [['Authorization', 'Bearer t']];
    const starred = checkPreflightAnswer(request('GET', auth), answer(null, '*'));
    expect(starred.verdict).toMatchObject({ ok: false, cite: 'Fetch § 4.8 CORS-preflight fetch, step 7.6' });
    expect(starred.verdict.reason).toBe(
      "the preflight answer's Access-Control-Allow-Headers does not list 'authorization' ('*' never covers Authorization)",
    );
    expect(checkPreflightAnswer(request('GET', auth), answer(null, 'x-a')).verdict.reason).toBe(
      "the preflight answer's Access-Control-Allow-Headers does not list 'authorization'",
    );
    expect(checkPreflightAnswer(request('GET', auth), answer(null, '*, Authorization')).verdict.ok).toBe(true);
  });

  it('matches header names case-insensitively and names the missing one', () => {
    const headers: HeaderList = [
      ['X-Api-Key', 'k'],
      ['X-Trace', 't'],
    ];
    expect(checkPreflightAnswer(request('GET', headers), answer(null, 'X-API-KEY, x-trace')).verdict.ok).toBe(true);
    const missing = checkPreflightAnswer(request('GET', headers), answer(null, 'x-trace'));
    expect(missing.verdict.reason).toBe(
      "the preflight answer's Access-Control-Allow-Headers does not list 'x-api-key'",
    );
    expect(checkPreflightAnswer(request('GET', headers), answer(null, null)).verdict.reason).toContain(
      'the answer has no Access-Control-Allow-Headers header',
    );
    expect(checkPreflightAnswer(request('GET', headers, 'include'), answer(null, '*', true)).verdict.reason).toContain(
      "'*' does not count with credentials mode 'include'",
    );
  });

  // WPT cors-preflight-status.any.js.
  const statuses = [
    200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 306, 307, 308, 400, 401, 402, 403, 404, 405, 501,
    502, 503, 504, 505,
  ];
  it.each(statuses)('status %i is ok only within 200-299', (status) => {
    const result = checkPreflightAnswer(
      request('GET', [['X-Force-Preflight', '']]),
      answer(null, 'x-force-preflight', false, status),
    );
    expect(result.verdict.ok).toBe(status >= 200 && status <= 299);
    expect(isOkStatus(status)).toBe(status >= 200 && status <= 299);
  });

  it('says a redirected preflight is not followed, and reports a failed CORS check with it', () => {
    const result = checkPreflightAnswer(request('PUT'), { status: 302, headers: [['Location', '/elsewhere']] });
    expect(result.verdict.reason).toBe(
      'the preflight answer has status 302, not an ok status (200-299); a preflight never follows redirects, and fails the CORS check: the response has no Access-Control-Allow-Origin header',
    );
  });

  // WPT cors-preflight-response-validation.any.js.
  it('fails on a malformed Access-Control-Allow-Methods or -Headers', () => {
    const headers: HeaderList = [['X-Force-Preflight', '']];
    const badHeaders = checkPreflightAnswer(
      request('GET', headers),
      answer(null, 'x-force-preflight,header name with space'),
    );
    expect(badHeaders.verdict).toMatchObject({ ok: false, cite: 'Fetch § 4.8 CORS-preflight fetch, step 7.3' });
    expect(badHeaders.verdict.reason).toContain(
      "Access-Control-Allow-Headers 'x-force-preflight,header name with space' is malformed",
    );
    const badMethods = checkPreflightAnswer(request('GET', headers), answer('Bad method name', 'x-force-preflight'));
    expect(badMethods.verdict.reason).toContain("Access-Control-Allow-Methods 'Bad method name' is malformed");
  });

  it('takes the method as allowed under the use-CORS-preflight flag when no methods are listed', () => {
    expect(checkPreflightAnswer(request('PUT', [], 'omit', true), answer(null, null)).verdict.ok).toBe(true);
    expect(checkPreflightAnswer(request('PUT', [], 'omit', false), answer(null, null)).verdict.ok).toBe(false);
  });

  it('reads Access-Control-Max-Age, 5 by default', () => {
    const base = answer('PUT', 'x-a');
    expect(checkPreflightAnswer(request('PUT'), base).grant).toEqual({
      methods: ['PUT'],
      headerNames: ['x-a'],
      maxAge: 5,
    });
    expect(
      checkPreflightAnswer(request('PUT'), { ...base, headers: [...base.headers, ['Access-Control-Max-Age', '600']] })
        .grant?.maxAge,
    ).toBe(600);
    expect(
      checkPreflightAnswer(request('PUT'), { ...base, headers: [...base.headers, ['Access-Control-Max-Age', 'soon']] })
        .grant?.maxAge,
    ).toBe(5);
  });
});

describe('the CORS-preflight cache within one fetch', () => {
  const key = { serializedOrigin: ORIGIN, url: 'https://api.localhost/x', credentials: 'omit' as CredentialsMode };

  it('covers methods and header names it stored, for the same origin and URL', () => {
    const cache = cachePreflightGrant([], { methods: ['PUT'], headerNames: ['X-A'], maxAge: 5 }, key);
    expect(methodCacheMatch(cache, 'PUT', key)).toBe(true);
    expect(methodCacheMatch(cache, 'DELETE', key)).toBe(false);
    expect(headerNameCacheMatch(cache, 'x-a', key)).toBe(true);
    expect(methodCacheMatch(cache, 'PUT', { ...key, url: 'https://api.localhost/y' })).toBe(false);
    expect(methodCacheMatch(cache, 'PUT', { ...key, serializedOrigin: 'null' })).toBe(false);
    expect(methodCacheMatch(cache, 'PUT', { ...key, credentials: 'include' })).toBe(false);
    expect(preflightNeeded(cache, 'PUT', [['X-A', '1']], false, key)).toBe(false);
    expect(preflightNeeded(cache, 'PUT', [['X-B', '1']], false, key)).toBe(true);
    expect(preflightNeeded(cache, 'DELETE', [], false, key)).toBe(true);
    expect(preflightNeeded([], 'GET', [], true, key)).toBe(true);
  });

  it('lets a "*" header entry cover anything but Authorization', () => {
    const cache = cachePreflightGrant([], { methods: ['*'], headerNames: ['*'], maxAge: 5 }, key);
    expect(methodCacheMatch(cache, 'ANYTHING', key)).toBe(true);
    expect(headerNameCacheMatch(cache, 'x-whatever', key)).toBe(true);
    expect(headerNameCacheMatch(cache, 'Authorization', key)).toBe(false);
  });

  it('keeps nothing for max-age 0, and a later max-age 0 removes the listed entries', () => {
    expect(cachePreflightGrant([], { methods: ['PUT'], headerNames: [], maxAge: 0 }, key)).toEqual([]);
    const cache = cachePreflightGrant([], { methods: ['PUT', 'DELETE'], headerNames: ['X-A'], maxAge: 60 }, key);
    expect(cache).toHaveLength(3);
    const after = cachePreflightGrant(cache, { methods: ['PUT'], headerNames: ['x-a'], maxAge: 0 }, key);
    expect(after.map((entry) => entry.method ?? entry.headerName)).toEqual(['DELETE']);
  });

  it('does not store an entry twice', () => {
    const once = cachePreflightGrant([], { methods: ['PUT'], headerNames: ['X-A'], maxAge: 60 }, key);
    expect(cachePreflightGrant(once, { methods: ['PUT'], headerNames: ['x-a'], maxAge: 60 }, key)).toEqual(once);
  });

  it('clears the entries for an origin and URL', () => {
    const cache = [
      ...cachePreflightGrant([], { methods: ['PUT'], headerNames: [], maxAge: 60 }, key),
      ...cachePreflightGrant(
        [],
        { methods: ['PUT'], headerNames: [], maxAge: 60 },
        { ...key, url: 'https://api.localhost/y' },
      ),
    ];
    expect(clearCacheEntries(cache, ORIGIN, key.url).map((entry) => entry.url)).toEqual(['https://api.localhost/y']);
    expect(clearCacheEntries(cache, 'null', key.url)).toHaveLength(2);
  });
});
