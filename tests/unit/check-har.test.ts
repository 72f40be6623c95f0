// Reading a HAR: which entries are CORS requests, from which origin, with
// which headers and credentials mode, and what is left out and why.
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointsFromHar, MAX_HAR_BYTES } from '../../harness/check/har.ts';
import { tempDir } from '../helpers.ts';

const APP = 'https://app.example.com';
const entry = (
  method: string,
  url: string,
  headers: Record<string, string>,
  response: { status?: number; headers?: Record<string, string> } = {},
  extra: Record<string, unknown> = {},
) => ({
  request: { method, url, headers: Object.entries(headers).map(([name, value]) => ({ name, value })), cookies: [] },
  response: {
    status: response.status ?? 200,
    headers: Object.entries(response.headers ?? {}).map(([name, value]) => ({ name, value })),
  },
  ...extra,
});

function read(entries: unknown[], excludeHosts: string[] = []) {
  const file = join(tempDir('har-unit'), 'app.har');
  writeFileSync(file, JSON.stringify({ log: { version: '1.2', entries } }));
  return endpointsFromHar(file, { excludeHosts });
}

describe('endpointsFromHar', () => {
  it('refuses a HAR over the size bound before reading it, saying its size, the bound and how to cut it', () => {
    // A sparse file: its size, not its bytes, is what is checked.
    const file = join(tempDir('har-size'), 'huge.har');
    writeFileSync(file, '');
    truncateSync(file, MAX_HAR_BYTES + 1024 * 1024);
    expect(() => endpointsFromHar(file, { excludeHosts: [] })).toThrow(
      `${file}: (file): the HAR is 257 MB; cors-lab reads HARs of up to 256 MB. Fix: save only the API's requests (DevTools' Network panel filtered to Fetch/XHR), or drop the response bodies: jq 'del(.log.entries[].response.content.text)' app.har > api.har`,
    );
  });

  it('takes CORS requests to other origins, with the headers the page set, and says what it left out', () => {
    const { endpoints, source } = read(
      [
        entry('GET', `${APP}/`, { Accept: 'text/html' }, {}, { _resourceType: 'document' }),
        entry('OPTIONS', 'https://api.example.com/v1/me', { Origin: APP, 'Access-Control-Request-Method': 'PUT' }),
        entry(
          'PUT',
          'https://api.example.com/v1/me?x=1',
          {
            Origin: APP,
            'Content-Type': 'application/json',
            'User-Agent': 'UA',
            'Cache-Control': 'no-cache',
            ':authority': 'api.example.com',
            'x-trace': 't1',
            Cookie: 'sid=1',
          },
          { headers: { 'Access-Control-Allow-Origin': APP } },
        ),
        entry('GET', 'https://cdn.analytics.test/p.gif', { Origin: APP }),
        entry('GET', 'https://eu.analytics.test/p.gif', { Origin: APP }),
        entry('GET', `${APP}/local`, { Origin: APP }),
      ],
      ['*.analytics.test'],
    );
    expect(endpoints).toEqual([
      {
        name: 'PUT https://api.example.com/v1/me with X-Trace with cookies',
        url: 'https://api.example.com/v1/me?x=1',
        method: 'PUT',
        // User-Agent and DevTools' Cache-Control are the browser's, the pseudo-header HTTP/2's, Cookie forbidden: none is replayed.
        headers: { 'Content-Type': 'application/json', 'X-Trace': 't1' },
        credentials: 'include',
        kind: 'fetch',
        origins: [{ origin: APP, expect: 'allowed' }],
      },
    ]);
    expect(source.read).toBe(6);
    expect(Object.fromEntries(source.skipped.map((entry) => [entry.reason, entry.count]))).toEqual({
      'no Origin header: not a CORS request (a navigation, script, style or image without crossorigin)': 1,
      'a preflight (the browser sends it for the request after it)': 1,
      'to an excluded host (--har-exclude-host)': 2,
      'same-origin': 1,
    });
  });

  it('a sanitized HAR (no Cookie header) whose answer allowed credentials is replayed with credentials; a refused fetch is posed from its Referer', () => {
    const { endpoints } = read([
      entry(
        'GET',
        'https://api.example.com/me',
        { Origin: APP },
        { headers: { 'Access-Control-Allow-Credentials': 'true' } },
      ),
      entry(
        'GET',
        'https://api.example.com/me',
        { Referer: `${APP}/settings`, 'X-Api-Key': 'k' },
        { status: 0 },
        { _resourceType: 'fetch' },
      ),
      entry(
        'GET',
        'https://fonts.example.net/a.woff2',
        { Origin: APP },
        {},
        { response: { status: 200, headers: [], content: { mimeType: 'font/woff2' } } },
      ),
    ]);
    expect(
      endpoints.map((endpoint) => [endpoint.name, endpoint.credentials, endpoint.kind, endpoint.origins[0]!.origin]),
    ).toEqual([
      ['GET https://api.example.com/me with cookies', 'include', 'fetch', APP],
      ['GET https://api.example.com/me with X-Api-Key', 'same-origin', 'fetch', APP],
      ['GET https://fonts.example.net/a.woff2', 'same-origin', 'font', APP],
    ]);
  });
});

describe('requests of one shape', () => {
  it('a paginated list of 3,000 requests is one row, with the 2,999 others listed as covered by it', () => {
    const entries = Array.from({ length: 3000 }, (_, index) =>
      entry(
        'GET',
        `https://api.example.com/item/${index}?page=${index}`,
        { Origin: APP, Accept: 'application/json' },
        { headers: { 'Access-Control-Allow-Origin': APP } },
      ),
    );
    const { endpoints, source } = read(entries);
    expect(endpoints.map((endpoint) => [endpoint.name, endpoint.url])).toEqual([
      ['GET https://api.example.com/item/{number} (3000 requests in the HAR)', 'https://api.example.com/item/0?page=0'],
    ]);
    expect(source).toMatchObject({
      read: 3000,
      taken: 1,
      covered: [
        {
          row: 'GET https://api.example.com/item/{number}',
          checked: '/item/0?page=0',
          count: 2999,
          examples: ['/item/1?page=1', '/item/2?page=2', '/item/3?page=3'],
        },
      ],
    });
  });

  it('collapses numeric, UUID and long hex segments only, and keeps requests apart that differ in method, header names, credentials or body type', () => {
    const { endpoints } = read([
      entry('GET', 'https://api.example.com/users/7f3c1a2b-9d4e-4f6a-8b1c-2d3e4f5a6b7c/photos/9f8e7d6c5b4a3921', {
        Origin: APP,
      }),
      entry('GET', 'https://api.example.com/users/0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/photos/a1b2c3d4e5f60718', {
        Origin: APP,
      }),
      entry('GET', 'https://api.example.com/users/me/photos/latest', { Origin: APP }),
      entry('GET', 'https://api.example.com/users/deadbeefcafe/photos/1', { Origin: APP }),
      entry('DELETE', 'https://api.example.com/item/1', { Origin: APP }),
      entry('DELETE', 'https://api.example.com/item/2', { Origin: APP, 'X-Trace': 't' }),
      entry(
        'POST',
        'https://api.example.com/item/3',
        { Origin: APP, 'Content-Type': 'application/json' },
        {},
        {
          request: {
            method: 'POST',
            url: 'https://api.example.com/item/3',
            headers: [
              { name: 'Origin', value: APP },
              { name: 'Content-Type', value: 'application/json' },
            ],
            postData: { text: '{}' },
          },
        },
      ),
      entry(
        'POST',
        'https://api.example.com/item/4',
        { Origin: APP, 'Content-Type': 'text/plain' },
        {},
        {
          request: {
            method: 'POST',
            url: 'https://api.example.com/item/4',
            headers: [
              { name: 'Origin', value: APP },
              { name: 'Content-Type', value: 'text/plain' },
            ],
            postData: { text: 'x' },
          },
        },
      ),
    ]);
    expect(endpoints.map((endpoint) => endpoint.name)).toEqual([
      'GET https://api.example.com/users/{uuid}/photos/{hex} (2 requests in the HAR)',
      'GET https://api.example.com/users/me/photos/latest',
      // "deadbeefcafe" has no digit: a word, not an id.
      'GET https://api.example.com/users/deadbeefcafe/photos/{number}',
      'DELETE https://api.example.com/item/{number}',
      'DELETE https://api.example.com/item/{number} with X-Trace',
      'POST https://api.example.com/item/{number}',
      'POST https://api.example.com/item/{number}',
    ]);
  });
});
