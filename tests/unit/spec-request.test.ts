// The Request constructor and Headers guards (Fetch § 5.4, § 5.1), and the
// checks main fetch makes before the network (Fetch § 4.1 step 7).
import { describe, expect, it } from 'vitest';
import {
  appendRequestHeader,
  blockedBeforeNetwork,
  createRequest,
  isBadPort,
  mainFetchBranch,
} from '../../harness/spec/request.ts';
import type { SpecRequest } from '../../harness/spec/types.ts';

const base: SpecRequest = {
  url: 'https://api.site-b.localhost:4432/x',
  origin: 'https://app.site-a.localhost:4431',
  method: 'GET',
  headers: [],
  mode: 'cors',
  credentials: 'same-origin',
};

describe('createRequest', () => {
  it('normalizes the method, but not patch', () => {
    const put = createRequest({ ...base, method: 'put' });
    expect(put.ok && put.request.method).toBe('PUT');
    const patch = createRequest({ ...base, method: 'patch' });
    expect(patch.ok && patch.request.method).toBe('patch');
    expect(patch.steps.join(' ')).toContain("method 'patch' is sent as written");
  });

  it('throws (no request) for forbidden methods, invalid methods, bad URLs and URLs with credentials', () => {
    expect(createRequest({ ...base, method: 'TRACE' })).toMatchObject({
      ok: false,
      reason: "'TRACE' is a forbidden method",
    });
    expect(createRequest({ ...base, method: 'GE T' })).toMatchObject({
      ok: false,
      cite: 'Fetch § 5.4 Request constructor, step 25.2',
    });
    expect(createRequest({ ...base, url: 'not a url' })).toMatchObject({
      ok: false,
      cite: 'Fetch § 5.4 Request constructor, step 5.2',
    });
    expect(createRequest({ ...base, url: 'https://u:p@api.localhost/' })).toMatchObject({
      ok: false,
      cite: 'Fetch § 5.4 Request constructor, step 5.3',
    });
  });

  it("throws for mode 'no-cors' with a method that is not safelisted", () => {
    expect(createRequest({ ...base, mode: 'no-cors', method: 'PUT' })).toMatchObject({
      ok: false,
      reason: "mode 'no-cors' allows only GET, HEAD and POST, not 'PUT'",
      cite: 'Fetch § 5.4 Request constructor, step 32.1',
    });
  });

  it('throws for a GET with a body, and adds text/plain for a string body', () => {
    expect(createRequest({ ...base, body: 'x' }).ok).toBe(false);
    const post = createRequest({ ...base, method: 'POST', body: 'x' });
    expect(post.ok && post.request.headers).toEqual([['Content-Type', 'text/plain;charset=UTF-8']]);
    const typed = createRequest({
      ...base,
      method: 'POST',
      body: 'x',
      headers: [['content-type', 'application/json']],
    });
    expect(typed.ok && typed.request.headers).toEqual([['content-type', 'application/json']]);
  });

  it('drops forbidden headers, and in no-cors also unsafe headers and Range', () => {
    const cors = createRequest({
      ...base,
      headers: [
        ['Origin', 'https://evil'],
        ['X-Api-Key', 'k'],
        ['Range', 'bytes=0-'],
      ],
    });
    expect(cors.ok && cors.request.headers).toEqual([
      ['X-Api-Key', 'k'],
      ['Range', 'bytes=0-'],
    ]);
    expect(cors.steps).toContain(
      "Fetch § 5.1 Headers validate, step 3: 'origin' is a forbidden request-header, so the browser drops it",
    );
    const noCors = createRequest({
      ...base,
      mode: 'no-cors',
      headers: [
        ['X-Api-Key', 'k'],
        ['Accept', 'text/html'],
        ['Range', 'bytes=0-'],
        ['Content-Type', 'application/json'],
      ],
    });
    expect(noCors.ok && noCors.request.headers).toEqual([['Accept', 'text/html']]);
  });

  it('throws for an invalid header name or value', () => {
    expect(createRequest({ ...base, headers: [['X Bad', '1']] })).toMatchObject({
      ok: false,
      reason: "'X Bad' is not a header name",
    });
    expect(createRequest({ ...base, headers: [['X-Bad', 'a\nb']] })).toMatchObject({
      ok: false,
      reason: "the value of 'X-Bad' is not a header value",
    });
    expect(createRequest({ ...base, headers: [['X-Bad', '€']] }).ok).toBe(false);
  });
});

describe('appendRequestHeader', () => {
  it('normalizes the value and reuses the first name casing', () => {
    const first = appendRequestHeader([], 'X-A', '  1 \t', 'request');
    expect(first.headers).toEqual([['X-A', '1']]);
    expect(appendRequestHeader(first.headers!, 'x-a', '2', 'request').headers).toEqual([
      ['X-A', '1'],
      ['X-A', '2'],
    ]);
  });

  it('judges the combined value in no-cors', () => {
    const once = appendRequestHeader([], 'Accept', 'a'.repeat(100), 'request-no-cors').headers!;
    // 100 + ", " + 30 = 132 bytes: no longer safelisted, so dropped.
    const twice = appendRequestHeader(once, 'Accept', 'b'.repeat(30), 'request-no-cors');
    expect(twice.verdict.ok).toBe(false);
    expect(twice.headers).toEqual(once);
  });
});

describe('before the network', () => {
  it('blocks bad ports', () => {
    expect(isBadPort(6000)).toBe(true);
    expect(isBadPort(4431)).toBe(false);
    expect(blockedBeforeNetwork(new URL('https://api.localhost:6000/'), 'null')?.reason).toBe(
      'port 6000 is a bad port that browsers never connect to',
    );
    expect(blockedBeforeNetwork(new URL('https://api.localhost/'), 'null')).toBeNull();
  });

  it('blocks mixed content, except to potentially trustworthy URLs', () => {
    expect(blockedBeforeNetwork(new URL('http://api.example.com/'), 'https://app.example.com')?.reason).toContain(
      'mixed content',
    );
    expect(
      blockedBeforeNetwork(new URL('http://api.site-b.localhost:8080/'), 'https://app.site-a.localhost'),
    ).toBeNull();
    expect(blockedBeforeNetwork(new URL('http://api.example.com/'), 'http://app.example.com')).toBeNull();
  });

  it('blocks mixed content from an opaque-origin frame in an https page, as from the page (an ancestor decides)', () => {
    const fromFrame = blockedBeforeNetwork(new URL('http://api.example.com/'), 'null', 'https://app.example.com');
    expect(fromFrame?.reason).toContain('a frame in an https page may not fetch the http URL');
    expect(fromFrame?.cite).toContain('Mixed Content § 4.1, § 4.3 step 2');
    expect(blockedBeforeNetwork(new URL('http://api.example.com/'), 'null', 'http://app.example.com')).toBeNull();
    expect(blockedBeforeNetwork(new URL('http://api.example.com/'), 'null')).toBeNull();
    // Only an opaque origin looks to its embedder: a page's own http origin is not made secure by one.
    expect(
      blockedBeforeNetwork(new URL('http://api.example.com/'), 'http://app.example.com', 'https://x.example'),
    ).toBeNull();
  });

  it('picks the main fetch branch', () => {
    const b = (
      sameOrigin: boolean,
      tainting: 'basic' | 'cors' | 'opaque',
      mode: 'cors' | 'no-cors' | 'same-origin',
      needsPreflight = false,
    ) => mainFetchBranch({ sameOrigin, tainting, mode, needsPreflight });
    expect(b(true, 'basic', 'same-origin')).toBe('basic');
    expect(b(true, 'cors', 'cors')).toBe('cors');
    expect(b(false, 'basic', 'same-origin')).toBe('network-error');
    expect(b(false, 'basic', 'no-cors')).toBe('opaque');
    expect(b(true, 'opaque', 'no-cors')).toBe('opaque');
    expect(b(false, 'basic', 'cors', true)).toBe('cors-preflight');
  });
});
