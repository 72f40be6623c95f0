// Reading a HAR: which entries are CORS requests, from which origin, with
// which headers and credentials mode, and what is left out and why.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointsFromHar } from '../../harness/check/har.ts';
import { tempDir } from '../helpers.ts';

const APP = 'https://app.example.com';
const entry = (method: string, url: string, headers: Record<string, string>, response: { status?: number; headers?: Record<string, string> } = {}, extra: Record<string, unknown> = {}) => ({
  request: { method, url, headers: Object.entries(headers).map(([name, value]) => ({ name, value })), cookies: [] },
  response: { status: response.status ?? 200, headers: Object.entries(response.headers ?? {}).map(([name, value]) => ({ name, value })) },
  ...extra,
});

function read(entries: unknown[], excludeHosts: string[] = []) {
  const file = join(tempDir('har-unit'), 'app.har');
  writeFileSync(file, JSON.stringify({ log: { version: '1.2', entries } }));
  return endpointsFromHar(file, { excludeHosts });
}

describe('endpointsFromHar', () => {
  it('takes CORS requests to other origins, with the headers the page set, and says what it left out', () => {
    const { endpoints, source } = read([
      entry('GET', `${APP}/`, { Accept: 'text/html' }, {}, { _resourceType: 'document' }),
      entry('OPTIONS', 'https://api.example.com/v1/me', { Origin: APP, 'Access-Control-Request-Method': 'PUT' }),
      entry('PUT', 'https://api.example.com/v1/me?x=1', { Origin: APP, 'Content-Type': 'application/json', 'User-Agent': 'UA', 'Cache-Control': 'no-cache', ':authority': 'api.example.com', 'x-trace': 't1', Cookie: 'sid=1' }, { headers: { 'Access-Control-Allow-Origin': APP } }),
      entry('GET', 'https://cdn.analytics.test/p.gif', { Origin: APP }),
      entry('GET', 'https://eu.analytics.test/p.gif', { Origin: APP }),
      entry('GET', `${APP}/local`, { Origin: APP }),
    ], ['*.analytics.test']);
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
      entry('GET', 'https://api.example.com/me', { Origin: APP }, { headers: { 'Access-Control-Allow-Credentials': 'true' } }),
      entry('GET', 'https://api.example.com/me', { Referer: `${APP}/settings`, 'X-Api-Key': 'k' }, { status: 0 }, { _resourceType: 'fetch' }),
      entry('GET', 'https://fonts.example.net/a.woff2', { Origin: APP }, {}, { response: { status: 200, headers: [], content: { mimeType: 'font/woff2' } } }),
    ]);
    expect(endpoints.map((endpoint) => [endpoint.name, endpoint.credentials, endpoint.kind, endpoint.origins[0]!.origin])).toEqual([
      ['GET https://api.example.com/me with cookies', 'include', 'fetch', APP],
      ['GET https://api.example.com/me with X-Api-Key', 'same-origin', 'fetch', APP],
      ['GET https://fonts.example.net/a.woff2', 'same-origin', 'font', APP],
    ]);
  });
});
