// Safelists (Fetch § 2.2.1, § 2.2.2), with the WPT cases of
// cors/cors-safelisted-request-header.any.js and
// fetch/api/cors/resources/not-cors-safelisted.json.
import { describe, expect, it } from 'vitest';
import {
  corsUnsafeReasons,
  corsUnsafeRequestHeaderNames,
  isCorsSafelistedMethod,
  isCorsSafelistedRequestHeader,
  isCorsSafelistedResponseHeaderName,
  isCorsUnsafeRequestHeaderByte,
  isForbiddenMethod,
  isForbiddenRequestHeader,
  isForbiddenResponseHeaderName,
  isNoCorsSafelistedRequestHeader,
  isRequestBodyHeaderName,
  normalizeMethod,
  parseMimeTypeEssence,
  parseSingleRangeHeaderValue,
  safelistedRequestHeaderVerdict,
} from '../../harness/spec/safelist.ts';

describe('methods (Fetch § 2.2.1)', () => {
  it('safelists GET, HEAD and POST byte-exactly', () => {
    expect(['GET', 'HEAD', 'POST'].every(isCorsSafelistedMethod)).toBe(true);
    expect(['get', 'Post', 'PUT', 'PATCH', 'OPTIONS'].some(isCorsSafelistedMethod)).toBe(false);
  });

  it('normalizes DELETE, GET, HEAD, OPTIONS, POST and PUT, but not PATCH or custom methods', () => {
    expect(['delete', 'get', 'head', 'options', 'post', 'put'].map(normalizeMethod)).toEqual([
      'DELETE',
      'GET',
      'HEAD',
      'OPTIONS',
      'POST',
      'PUT',
    ]);
    expect(normalizeMethod('patch')).toBe('patch');
    expect(normalizeMethod('Patch')).toBe('Patch');
    expect(normalizeMethod('chicken')).toBe('chicken');
  });

  it('forbids CONNECT, TRACE and TRACK in any case', () => {
    expect(['connect', 'Trace', 'TRACK'].every(isForbiddenMethod)).toBe(true);
    expect(isForbiddenMethod('PATCH')).toBe(false);
  });
});

describe('CORS-safelisted request-header (Fetch § 2.2.2)', () => {
  // WPT cors/cors-safelisted-request-header.any.js, Content-Type cases: [value, preflight].
  const contentTypes: [string, boolean][] = [
    ['text /plain', true],
    ['text\t/\tplain', true],
    ['text/plain;', false],
    ['text/plain;garbage', false],
    ['text/plain;garbage\u0001\u0002', true],
    ['text/plain,', true],
    [',text/plain', true],
    ['text/plain,text/plain', true],
    ['text/plain,x/x', true],
    ['text/plain\u000B', true],
    ['text/plain\u000C', true],
    ['application/www-form-urlencoded', true],
    ['application/x-www-form-urlencoded;\u007F', true],
    ['multipart/form-data', false],
    ['multipart/form-data;"', true],
    ['text/html', true],
    ['TEXT/Plain; charset=utf-8', false],
    [
      'text/plain; long=0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901',
      true,
    ],
  ];
  it.each(contentTypes)('content-type %j needs a preflight: %s', (value, preflight) => {
    expect(isCorsSafelistedRequestHeader('Content-Type', value)).toBe(!preflight);
  });

  // WPT cors/cors-safelisted-request-header.any.js, Range cases.
  const ranges: [string, boolean][] = [
    ['100-200', true],
    ['MB=100-200', true],
    ['bytes=100-200', false],
    ['bytes =100-200', true],
    ['bytes\t=100-200', true],
    ['bytes=  100-200', true],
    ['bytes=\t\t100-200', true],
    ['bytes= \t100-200', true],
    ['bytes=100 -200', true],
    ['bytes=100\t-200', true],
    ['bytes=100- 200', true],
    ['bytes=100-\t200', true],
    ['bytes=100-200hello', true],
    ['bytes=abc-def', true],
    ['bytes=100-200,300-400', true],
    ['bytes=-200', true],
    ['bytes=200-', false],
    ['bytes=200-100', true],
    [`bytes=1${'0'.repeat(60)}-2${'0'.repeat(60)}`, true],
    ['bytes 100-200', true],
    ['bytes = 100-200', true],
    [',bytes=100-200', true],
    ['bytes=,100-200', true],
  ];
  it.each(ranges)('range %j needs a preflight: %s', (value, preflight) => {
    expect(isCorsSafelistedRequestHeader('range', value)).toBe(!preflight);
  });

  it('explains why a range is not simple', () => {
    expect(safelistedRequestHeaderVerdict('Range', 'bytes=-500').reason).toMatch(/no start/);
    expect(safelistedRequestHeaderVerdict('Range', 'bytes 0-').reason).toMatch(/not a single range/);
  });

  it("refuses a '\"' in Accept, and takes other punctuation", () => {
    expect(isCorsSafelistedRequestHeader('Accept', '"')).toBe(false);
    expect(safelistedRequestHeaderVerdict('accept', 'text/"html"').reason).toBe(
      `accept: its value contains the CORS-unsafe byte '"'`,
    );
    expect(isCorsSafelistedRequestHeader('Accept', 'text/html, application/json;q=0.9, */*')).toBe(true);
  });

  it('limits a value to 128 bytes', () => {
    expect(isCorsSafelistedRequestHeader('accept', 'a'.repeat(128))).toBe(true);
    expect(isCorsSafelistedRequestHeader('accept', 'a'.repeat(129))).toBe(false);
    expect(safelistedRequestHeaderVerdict('accept', 'a'.repeat(129))).toMatchObject({
      ok: false,
      cite: 'Fetch § 2.2.2 CORS-safelisted request-header, step 1',
    });
  });

  it('allows only letters, digits, space and *,-.;= in Accept-Language and Content-Language', () => {
    expect(isCorsSafelistedRequestHeader('Accept-Language', 'en-US,en;q=0.9, *')).toBe(true);
    expect(isCorsSafelistedRequestHeader('accept-language', '\u0001')).toBe(false);
    expect(isCorsSafelistedRequestHeader('content-language', '@')).toBe(false);
    expect(isCorsSafelistedRequestHeader('content-language', 'de_DE')).toBe(false);
  });

  it('does not safelist other names, Last-Event-ID and Authorization included', () => {
    expect(isCorsSafelistedRequestHeader('last-event-id', 'abc123')).toBe(false);
    expect(isCorsSafelistedRequestHeader('authorization', 'basics')).toBe(false);
    expect(safelistedRequestHeaderVerdict('X-Test', 'hi').reason).toBe(
      'x-test is not a CORS-safelisted request-header name',
    );
  });

  it('classifies CORS-unsafe request-header bytes', () => {
    for (const c of '"():<>?@[\\]{}\u007f\u0000\u001f')
      expect(isCorsUnsafeRequestHeaderByte(c.charCodeAt(0))).toBe(true);
    for (const c of '\t ,/;=*-a0') expect(isCorsUnsafeRequestHeaderByte(c.charCodeAt(0))).toBe(false);
  });
});

describe('CORS-unsafe request-header names (Fetch § 2.2.2)', () => {
  it('are lowercased, sorted and without duplicates', () => {
    const names = corsUnsafeRequestHeaderNames([
      ['X-B', '1'],
      ['x-a', '2'],
      ['X-A', '3'],
      ['Content-Type', 'application/json'],
      ['Accept', 'ok'],
    ]);
    expect(names).toEqual(['content-type', 'x-a', 'x-b']);
  });

  it('judge each header line on its own', () => {
    expect(
      corsUnsafeRequestHeaderNames([
        ['Content-Type', 'text/plain'],
        ['Content-Type', 'application/json'],
      ]),
    ).toEqual(['content-type']);
    expect(
      corsUnsafeRequestHeaderNames([
        ['Accept', 'a'],
        ['Accept', 'b'],
      ]),
    ).toEqual([]);
  });

  it('make every safelisted header unsafe once their values pass 1024 bytes in total', () => {
    const nine = Array.from({ length: 9 }, (_, i): [string, string] => [
      i % 2 ? 'Accept' : 'Accept-Language',
      'a'.repeat(114),
    ]);
    // 9 × 114 = 1026 bytes: each header is safelisted, together they are not.
    expect(corsUnsafeRequestHeaderNames(nine)).toEqual(['accept', 'accept-language']);
    expect(corsUnsafeRequestHeaderNames(nine.slice(1))).toEqual([]);
  });

  it('count 1024 bytes exactly as still safe', () => {
    const eight = Array.from({ length: 8 }, (): [string, string] => ['Accept', 'a'.repeat(128)]);
    expect(corsUnsafeRequestHeaderNames(eight)).toEqual([]);
    const plusOne: [string, string][] = [...eight, ['Content-Language', 'x']];
    expect(corsUnsafeRequestHeaderNames(plusOne)).toEqual(['accept', 'content-language']);
    expect(corsUnsafeReasons(plusOne)).toEqual([
      "the safelisted headers' values total 1025 bytes, over the 1024-byte limit",
    ]);
  });
});

describe('response and no-CORS lists (Fetch § 2.2.2)', () => {
  it('safelists the seven response headers and listed names, never Set-Cookie', () => {
    for (const name of [
      'Cache-Control',
      'content-language',
      'Content-Length',
      'content-type',
      'Expires',
      'Last-Modified',
      'Pragma',
    ]) {
      expect(isCorsSafelistedResponseHeaderName(name, [])).toBe(true);
    }
    expect(isCorsSafelistedResponseHeaderName('X-Total', [])).toBe(false);
    expect(isCorsSafelistedResponseHeaderName('x-total', ['X-TOTAL'])).toBe(true);
    expect(isCorsSafelistedResponseHeaderName('Set-Cookie', ['set-cookie'])).toBe(false);
    expect(isCorsSafelistedResponseHeaderName('set-cookie2', ['Set-Cookie2'])).toBe(false);
    expect(isForbiddenResponseHeaderName('SET-COOKIE')).toBe(true);
  });

  it('no-CORS-safelists only Accept, Accept-Language, Content-Language and Content-Type with safe values', () => {
    expect(isNoCorsSafelistedRequestHeader('Content-Type', 'text/plain')).toBe(true);
    expect(isNoCorsSafelistedRequestHeader('Content-Type', 'application/json')).toBe(false);
    expect(isNoCorsSafelistedRequestHeader('Range', 'bytes=0-')).toBe(false);
    expect(isNoCorsSafelistedRequestHeader('X-Test', 'a')).toBe(false);
  });

  it('forbids the headers the browser controls', () => {
    expect(isForbiddenRequestHeader('Origin', 'https://evil.example')).toBe(true);
    expect(isForbiddenRequestHeader('Cookie', 'a=b')).toBe(true);
    expect(isForbiddenRequestHeader('Sec-Fetch-Mode', 'cors')).toBe(true);
    expect(isForbiddenRequestHeader('Proxy-Authorization', 'x')).toBe(true);
    expect(isForbiddenRequestHeader('X-HTTP-Method-Override', 'GET, trace')).toBe(true);
    expect(isForbiddenRequestHeader('X-HTTP-Method-Override', 'PATCH')).toBe(false);
    expect(isForbiddenRequestHeader('Authorization', 'Bearer x')).toBe(false);
  });

  it('names the request-body headers a method-changing redirect removes', () => {
    expect(
      ['Content-Encoding', 'content-language', 'Content-Location', 'content-type'].every(isRequestBodyHeaderName),
    ).toBe(true);
    expect(isRequestBodyHeaderName('content-length')).toBe(false);
  });
});

describe('parsers', () => {
  it('parses a MIME type essence, lowercased, ignoring parameters', () => {
    expect(parseMimeTypeEssence(' Text/Plain ; charset=utf-8')).toBe('text/plain');
    expect(parseMimeTypeEssence('text/plain;')).toBe('text/plain');
    expect(parseMimeTypeEssence('text')).toBeNull();
    expect(parseMimeTypeEssence('/plain')).toBeNull();
    expect(parseMimeTypeEssence('text/')).toBeNull();
    expect(parseMimeTypeEssence('text/pl ain')).toBeNull();
  });

  it('parses a single range, with whitespace only when allowed', () => {
    expect(parseSingleRangeHeaderValue('bytes=0-499', false)).toEqual([0n, 499n]);
    expect(parseSingleRangeHeaderValue('bytes=500-', false)).toEqual([500n, null]);
    expect(parseSingleRangeHeaderValue('bytes=-500', false)).toEqual([null, 500n]);
    expect(parseSingleRangeHeaderValue('bytes=-', false)).toBeNull();
    expect(parseSingleRangeHeaderValue('bytes = 1 - 2', false)).toBeNull();
    expect(parseSingleRangeHeaderValue('bytes = 1 - 2', true)).toEqual([1n, 2n]);
  });
});
