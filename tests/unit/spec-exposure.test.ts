// Exposed response headers (Fetch § 4.1 step 14.1, § 2.2.6), with the WPT
// cases of fetch/api/cors/cors-expose-star.js.
import { describe, expect, it } from 'vitest';
import { corsExposedHeaderNames, headerReadability, readableHeaderNames } from '../../harness/spec/exposure.ts';
import type { CredentialsMode, HeaderList } from '../../harness/spec/types.ts';

const response: HeaderList = [
  ['Content-Type', 'text/plain'],
  ['Content-Language', 'mkay'],
  ['Test', 'X'],
  ['Set-Cookie', 'a=b'],
  ['Set-Cookie', 'c=d'],
  ['*', 'whoa'],
  ['X-Total', '3'],
];

function readable(aceh: string[], credentials: CredentialsMode): string[] {
  const headers: HeaderList = [...response, ...aceh.map((v): [string, string] => ['Access-Control-Expose-Headers', v])];
  return readableHeaderNames(headers, 'cors', corsExposedHeaderNames(headers, credentials).names);
}

describe('Access-Control-Expose-Headers', () => {
  it("'*' exposes every header but Set-Cookie without credentials", () => {
    expect(readable(['*'], 'omit')).toEqual([
      '*',
      'access-control-expose-headers',
      'content-language',
      'content-type',
      'test',
      'x-total',
    ]);
  });

  it("'*' is taken literally with credentials: only a header named '*'", () => {
    expect(readable(['*'], 'include')).toEqual(['*', 'content-language', 'content-type']);
  });

  it("'*' can be one of several values, and Set-Cookie stays hidden even when listed", () => {
    expect(readable(['*', 'set-cookie'], 'same-origin')).toContain('test');
    expect(readable(['*', 'set-cookie'], 'same-origin')).not.toContain('set-cookie');
    expect(readable(['Set-Cookie, x-total'], 'include')).toEqual(['content-language', 'content-type', 'x-total']);
  });

  it('exposes only the safelist when absent or malformed', () => {
    expect(readable([], 'omit')).toEqual(['content-language', 'content-type']);
    expect(readable(['x-total test'], 'omit')).toEqual(['content-language', 'content-type']);
    expect(corsExposedHeaderNames([['Access-Control-Expose-Headers', 'a b']], 'omit')).toEqual({
      names: [],
      wildcard: false,
      malformed: true,
    });
  });

  it('basic responses show all but Set-Cookie; opaque responses show nothing', () => {
    expect(readableHeaderNames(response, 'basic', [])).toEqual([
      '*',
      'content-language',
      'content-type',
      'test',
      'x-total',
    ]);
    expect(readableHeaderNames(response, 'opaque', ['*'])).toEqual([]);
  });
});

describe('headerReadability explains a null header', () => {
  const cases: [string[], CredentialsMode, string, string][] = [
    [
      [],
      'omit',
      'x-total',
      "header 'x-total' is not exposed: the response has no Access-Control-Expose-Headers header and it is not CORS-safelisted",
    ],
    [
      ['x-other'],
      'omit',
      'X-Total',
      "header 'x-total' is not exposed: Access-Control-Expose-Headers 'x-other' does not list it",
    ],
    [
      ['*'],
      'include',
      'x-total',
      "header 'x-total' is not exposed: Access-Control-Expose-Headers '*' does not count with credentials mode 'include'",
    ],
    [
      ['x total'],
      'omit',
      'x-total',
      "header 'x-total' is not exposed: Access-Control-Expose-Headers 'x total' is malformed, so only CORS-safelisted headers are exposed",
    ],
    [['*'], 'omit', 'set-cookie', "'set-cookie' is a forbidden response-header name, never exposed to a page"],
    [['*'], 'omit', 'x-missing', "the response has no 'x-missing' header"],
  ];
  it.each(cases)('ACEH %j, credentials %s, %s', (aceh, credentials, name, reason) => {
    const headers: HeaderList = [
      ...response,
      ...aceh.map((v): [string, string] => ['Access-Control-Expose-Headers', v]),
    ];
    const verdict = headerReadability(name, headers, 'cors', corsExposedHeaderNames(headers, credentials), credentials);
    expect(verdict).toMatchObject({ ok: false, reason });
  });

  it('is ok for an exposed header', () => {
    const headers: HeaderList = [...response, ['Access-Control-Expose-Headers', 'X-TOTAL']];
    expect(
      headerReadability('x-total', headers, 'cors', corsExposedHeaderNames(headers, 'include'), 'include').ok,
    ).toBe(true);
    expect(
      headerReadability('test', response, 'basic', { names: [], wildcard: false, malformed: false }, 'omit').cite,
    ).toBe('Fetch § 2.2.6 basic filtered response');
  });
});
