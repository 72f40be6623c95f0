// Redirects (Fetch § 4.5) and the origins they taint (Fetch § 2.2.5, § 3.2).
import { describe, expect, it } from 'vitest';
import {
  canonicalOrigin,
  includeCredentials,
  includesCredentials,
  isPotentiallyTrustworthy,
  isRedirectTainted,
  originHeaderValue,
  sameOrigin,
  serializeRequestOrigin,
  urlOrigin,
} from '../../harness/spec/origin.ts';
import {
  httpRedirectFetch,
  isRedirectStatus,
  locationURL,
  redirectMethod,
  withoutFragment,
} from '../../harness/spec/redirects.ts';
import type { RedirectRequest } from '../../harness/spec/redirects.ts';

const PAGE = 'https://app.site-a.localhost:4431';
const API = 'https://api.site-b.localhost:4432';
const OTHER = 'https://api.site-b.localhost:4433';

describe('redirect statuses and Location', () => {
  it('knows the five redirect statuses', () => {
    expect([301, 302, 303, 307, 308].every(isRedirectStatus)).toBe(true);
    expect([300, 304, 305, 306, 200].some(isRedirectStatus)).toBe(false);
  });

  it('resolves Location against the response URL and keeps the request fragment', () => {
    const base = new URL(`${API}/a/b#frag`);
    expect((locationURL(302, [['Location', '../c']], base) as URL).href).toBe(`${API}/c#frag`);
    expect((locationURL(302, [['Location', '/d#own']], base) as URL).href).toBe(`${API}/d#own`);
    expect(locationURL(200, [['Location', '/d']], base)).toBeNull();
    expect(locationURL(302, [], base)).toBeNull();
    expect(locationURL(302, [['Location', 'http://[::1']], base)).toBe('failure');
    expect(
      locationURL(
        302,
        [
          ['Location', '/x'],
          ['Location', '/y'],
        ],
        base,
      ),
    ).toBe('failure');
  });

  it('turns POST into GET on 301/302, everything but GET/HEAD into GET on 303', () => {
    expect(redirectMethod(301, 'POST')).toBe('GET');
    expect(redirectMethod(302, 'POST')).toBe('GET');
    expect(redirectMethod(301, 'PUT')).toBeUndefined();
    expect(redirectMethod(303, 'PUT')).toBe('GET');
    expect(redirectMethod(303, 'HEAD')).toBeUndefined();
    expect(redirectMethod(303, 'GET')).toBeUndefined();
    expect(redirectMethod(307, 'POST')).toBeUndefined();
    expect(redirectMethod(308, 'DELETE')).toBeUndefined();
  });

  it('drops the fragment on the wire', () => {
    expect(withoutFragment(new URL(`${API}/x?y=1#z`))).toBe(`${API}/x?y=1`);
  });
});

describe('HTTP-redirect fetch', () => {
  const request = (overrides: Partial<RedirectRequest> = {}): RedirectRequest => ({
    currentURL: new URL(`${API}/start`),
    origin: PAGE,
    method: 'POST',
    headers: [
      ['Content-Type', 'text/plain'],
      ['Authorization', 'Bearer t'],
      ['X-Keep', '1'],
    ],
    mode: 'cors',
    tainting: 'cors',
    redirectCount: 0,
    ...overrides,
  });

  it('follows to the new URL, rewriting POST and dropping body headers on 302', () => {
    const result = httpRedirectFetch(request(), 302, [['Location', '/next']]);
    expect(result).toMatchObject({ kind: 'follow', method: 'GET', redirectCount: 1 });
    if (result.kind !== 'follow') throw new Error('expected follow');
    expect(result.url.href).toBe(`${API}/next`);
    // Same origin: Authorization stays; Content-Type is a request-body header.
    expect(result.headers).toEqual([
      ['Authorization', 'Bearer t'],
      ['X-Keep', '1'],
    ]);
  });

  it('keeps method and body on 307, and removes Authorization across origins', () => {
    const result = httpRedirectFetch(request(), 307, [['Location', `${OTHER}/x`]]);
    if (result.kind !== 'follow') throw new Error('expected follow');
    expect(result.method).toBe('POST');
    expect(result.headers.map(([name]) => name)).toEqual(['Content-Type', 'X-Keep']);
    expect(result.steps.join(' ')).toContain('Authorization is removed');
  });

  it('returns the redirect itself when there is no Location', () => {
    expect(httpRedirectFetch(request(), 302, []).kind).toBe('final');
  });

  it('refuses a bad Location, a non-HTTP scheme, and a 21st redirect', () => {
    expect(httpRedirectFetch(request(), 302, [['Location', 'https://[bad']])).toMatchObject({
      kind: 'error',
      cite: 'Fetch § 4.5 HTTP-redirect fetch, step 5',
    });
    expect(httpRedirectFetch(request(), 302, [['Location', 'data:text/plain,hi']])).toMatchObject({
      kind: 'error',
      cite: 'Fetch § 4.5 HTTP-redirect fetch, step 6',
    });
    expect(httpRedirectFetch(request({ redirectCount: 19 }), 302, [['Location', '/x']])).toMatchObject({
      kind: 'follow',
      redirectCount: 20,
    });
    expect(httpRedirectFetch(request({ redirectCount: 20 }), 302, [['Location', '/x']])).toMatchObject({
      kind: 'error',
      reason: 'the request was redirected more than 20 times',
    });
  });

  // WPT cors/redirect-userinfo.htm.
  it.each(['test:test@', 'user:@', 'user@', ':pass@'])(
    'refuses a cross-origin Location with userinfo %j',
    (userinfo) => {
      const result = httpRedirectFetch(request({ currentURL: new URL(`${PAGE}/start`), tainting: 'basic' }), 302, [
        ['Location', `https://${userinfo}api.site-b.localhost:4432/x`],
      ]);
      expect(result).toMatchObject({ kind: 'error', cite: 'Fetch § 4.5 HTTP-redirect fetch, step 9' });
    },
  );

  // WPT expects "//:@" to fail too; the URL parser drops an empty userinfo, so
  // per the URL and Fetch standards it includes no credentials.
  it.each(['@', ':@'])('allows an empty userinfo %j, which the URL parser drops', (userinfo) => {
    expect(
      httpRedirectFetch(request(), 302, [['Location', `https://${userinfo}api.site-b.localhost:4432/x`]]).kind,
    ).toBe('follow');
  });

  it('refuses userinfo on a same-origin Location once the request is CORS, and allows it otherwise', () => {
    const sameOriginUserinfo = 'https://u:p@app.site-a.localhost:4431/x';
    expect(httpRedirectFetch(request(), 302, [['Location', sameOriginUserinfo]])).toMatchObject({
      kind: 'error',
      cite: 'Fetch § 4.5 HTTP-redirect fetch, step 10',
    });
    expect(
      httpRedirectFetch(request({ currentURL: new URL(`${PAGE}/a`), tainting: 'basic' }), 302, [
        ['Location', sameOriginUserinfo],
      ]).kind,
    ).toBe('follow');
    // no-cors is neither mode "cors" nor tainting "cors".
    expect(
      httpRedirectFetch(request({ mode: 'no-cors', tainting: 'opaque' }), 302, [
        ['Location', 'https://u:p@elsewhere.localhost/'],
      ]).kind,
    ).toBe('follow');
  });
});

describe('origins and the redirect-taint', () => {
  const urls = (...list: string[]) => list.map((u) => new URL(u));

  // WPT fetch/api/cors/cors-redirect.any.js: the Origin after a redirect.
  it.each([
    ['cors to same cors', [`${API}/r`, `${API}/p`], PAGE],
    ['cors to another cors', [`${API}/r`, `${OTHER}/p`], 'null'],
    ['same origin to cors', [`${PAGE}/r`, `${API}/p`], PAGE],
    ['cors to same origin', [`${API}/r`, `${PAGE}/p`], 'null'],
    ['same origin, cors, same cors', [`${PAGE}/r`, `${API}/r`, `${API}/p`], PAGE],
  ] as [string, string[], string][])('%s → Origin %s', (_name, list, expected) => {
    expect(serializeRequestOrigin(PAGE, urls(...list))).toBe(expected);
    expect(isRedirectTainted(PAGE, urls(...list))).toBe(expected === 'null');
  });

  it('sends Origin for CORS, and for other requests only with methods other than GET/HEAD', () => {
    const list = urls(`${API}/x`);
    expect(
      originHeaderValue({ requestOrigin: PAGE, urlList: list, method: 'GET', mode: 'cors', tainting: 'cors' }),
    ).toBe(PAGE);
    expect(
      originHeaderValue({
        requestOrigin: PAGE,
        urlList: urls(`${PAGE}/x`),
        method: 'GET',
        mode: 'cors',
        tainting: 'basic',
      }),
    ).toBeUndefined();
    expect(
      originHeaderValue({
        requestOrigin: PAGE,
        urlList: urls(`${PAGE}/x`),
        method: 'POST',
        mode: 'cors',
        tainting: 'basic',
      }),
    ).toBe(PAGE);
    expect(
      originHeaderValue({ requestOrigin: PAGE, urlList: list, method: 'HEAD', mode: 'no-cors', tainting: 'opaque' }),
    ).toBeUndefined();
    expect(
      originHeaderValue({ requestOrigin: PAGE, urlList: list, method: 'POST', mode: 'no-cors', tainting: 'opaque' }),
    ).toBe(PAGE);
    // strict-origin-when-cross-origin: https page to an http URL sends `null` outside CORS.
    expect(
      originHeaderValue({
        requestOrigin: PAGE,
        urlList: urls('http://api.localhost/x'),
        method: 'POST',
        mode: 'no-cors',
        tainting: 'opaque',
      }),
    ).toBe('null');
  });

  it('includes credentials for include, or same-origin with basic tainting', () => {
    expect(includeCredentials('include', 'cors')).toBe(true);
    expect(includeCredentials('same-origin', 'basic')).toBe(true);
    expect(includeCredentials('same-origin', 'cors')).toBe(false);
    expect(includeCredentials('omit', 'basic')).toBe(false);
  });

  it('serializes and compares origins', () => {
    expect(canonicalOrigin('HTTPS://App.Site-A.localhost:443')).toBe('https://app.site-a.localhost');
    expect(canonicalOrigin('null')).toBe('null');
    expect(canonicalOrigin('not an origin')).toBeUndefined();
    expect(canonicalOrigin('ftp://x.localhost')).toBeUndefined();
    expect(urlOrigin(new URL('https://a.localhost:443/x'))).toBe('https://a.localhost');
    expect(urlOrigin(new URL('data:text/plain,x'))).toBe('null');
    expect(sameOrigin('null', 'null')).toBe(false);
    expect(sameOrigin(PAGE, PAGE)).toBe(true);
    expect(includesCredentials(new URL('https://u@x.localhost/'))).toBe(true);
    expect(includesCredentials(new URL('https://x.localhost/'))).toBe(false);
  });

  it('treats https, loopback and localhost names as potentially trustworthy', () => {
    expect(
      [
        'https://example.com',
        'http://localhost:8080',
        'http://api.site-b.localhost',
        'http://127.0.0.1',
        'http://[::1]:80',
      ].every((u) => isPotentiallyTrustworthy(new URL(u))),
    ).toBe(true);
    expect(isPotentiallyTrustworthy(new URL('http://example.com'))).toBe(false);
  });
});
