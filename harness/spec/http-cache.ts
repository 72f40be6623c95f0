// The HTTP cache, as far as CORS can see it: a 304 answer to a revalidation
// is not what the page gets. Fetch § 4.6 HTTP-network-or-cache fetch hands on
// the stored response instead, its headers updated from the 304 (RFC 9111
// § 4.3.4), and the CORS check and the exposed headers then apply to that.
//
// Simplified on purpose: a stored response is always revalidated (as with
// Cache-Control: no-cache), and the cache key is the URL alone (one page, one
// network partition key).
import { contains, getHeader } from './header-lists.ts';
import type { HeaderList, StoredResponse } from './types.ts';

const STORE = 'RFC 9111 § 3 storing responses in caches';
const FRESHEN =
  'Fetch § 4.6 HTTP-network-or-cache fetch (a 304 to a revalidation) and RFC 9111 § 4.3.4 freshening stored responses upon validation';

/**
 * RFC 9111 § 3: this model stores a 200 answer to GET that carries a
 * validator (ETag or Last-Modified), so that it can be revalidated, unless
 * Cache-Control has no-store (§ 5.2.2.5).
 */
export function isStorable(method: string, status: number, headers: HeaderList): boolean {
  if (method !== 'GET' || status !== 200) return false;
  const cacheControl = (getHeader(headers, 'Cache-Control') ?? '').toLowerCase();
  if (/(^|,)\s*no-store\s*(,|$)/.test(cacheControl)) return false;
  return contains(headers, 'ETag') || contains(headers, 'Last-Modified');
}

/**
 * RFC 9111 § 3.2 updating stored header fields: every field the 304 carries
 * replaces the stored field of the same name; the others are kept.
 */
export function freshen(stored: HeaderList, notModified: HeaderList): HeaderList {
  const replaced = new Set(notModified.map(([name]) => name.toLowerCase()));
  return [...stored.filter(([name]) => !replaced.has(name.toLowerCase())), ...notModified];
}

/**
 * The response HTTP fetch continues with, for an answer from the network:
 * a 304 with a stored response for the URL becomes the stored response with
 * freshened headers; a storable answer is stored. `cache` is updated in place.
 */
export function throughHttpCache(
  cache: StoredResponse[],
  request: { url: string; method: string },
  answer: { status: number; headers: HeaderList },
): { status: number; headers: HeaderList; step?: string } {
  const index = cache.findIndex((entry) => entry.url === request.url);
  const stored = index === -1 ? undefined : cache[index]!;
  if (answer.status === 304 && stored) {
    const headers = freshen(stored.headers, answer.headers);
    cache[index] = { ...stored, headers };
    return {
      status: stored.status,
      headers,
      step: `${FRESHEN}: the 304 updates the stored ${stored.status} response's headers (${answer.headers.map(([name]) => name).join(', ') || 'none'}), and the stored response is used`,
    };
  }
  if (isStorable(request.method, answer.status, answer.headers)) {
    const entry = { url: request.url, status: answer.status, headers: answer.headers };
    if (stored) cache[index] = entry;
    else cache.push(entry);
    return {
      ...answer,
      step: `${STORE}: the ${answer.status} response has a validator, so it is stored and later requests revalidate it`,
    };
  }
  return answer;
}
