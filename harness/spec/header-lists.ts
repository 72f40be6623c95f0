// Header lists and the CORS header-value syntax: getting combined values,
// "get, decode, and split", and "extract header list values" with the ABNF of
// the CORS headers (Fetch § 3.3.4). Header values are JavaScript strings whose
// code units are bytes (isomorphic decoding), as fetch()'s ByteString is.
import type { HeaderList } from './types.ts';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// Fetch § 2.2.1 method and § 2.2.2 header name: both are the RFC 9110 `token` production.
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

// Fetch § 2.2.2 header value: no leading or trailing HTTP tab or space, no NUL,
// CR or LF; every code unit is a byte (0x00-0xFF).
export function isHeaderValue(value: string): boolean {
  return !/^[\t ]|[\t ]$|[\0\r\n]|[^\0-\xff]/.test(value);
}

// Fetch § 2.2.2 "normalize" a potential header value: remove leading and
// trailing HTTP whitespace bytes (tab, LF, CR, space).
export function normalizeHeaderValue(value: string): string {
  return value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
}

// Fetch § 2.2.2 header value, as HTTP/1.1 field parsing delivers it to fetch:
// the OWS around a field value is not part of it (RFC 9112 § 5), so a raw line
// "ACAO:  *  " has the value "*".
export function headerListFromWire(lines: readonly [string, string][]): HeaderList {
  return lines.map(([name, value]) => [name, value.replace(/^[\t ]+|[\t ]+$/g, '')]);
}

// Fetch § 2.2.2 header list "contains": a byte-case-insensitive name match.
export function contains(list: HeaderList, name: string): boolean {
  const lower = name.toLowerCase();
  return list.some(([n]) => n.toLowerCase() === lower);
}

// Fetch § 2.2.2 header list "get", step 2 without the joining: every value
// for `name`, in order (used to explain repeated headers).
export function getAll(list: HeaderList, name: string): string[] {
  const lower = name.toLowerCase();
  return list.filter(([n]) => n.toLowerCase() === lower).map(([, value]) => value);
}

// Fetch § 2.2.2 header list "get", steps 1-2: null, or all values for `name`
// joined by ", " (0x2C 0x20) in order.
export function getHeader(list: HeaderList, name: string): string | null {
  const values = getAll(list, name);
  return values.length === 0 ? null : values.join(', ');
}

// Fetch § 2.2.2 header list "delete": remove every header named `name`.
export function deleteHeader(list: HeaderList, name: string): HeaderList {
  const lower = name.toLowerCase();
  return list.filter(([n]) => n.toLowerCase() !== lower);
}

// Fetch § 2.2.2 "get, decode, and split" a header value, steps 1-5: split on
// commas outside quoted strings, trimming HTTP tab or space from each item.
export function decodeAndSplit(value: string): string[] {
  const values: string[] = [];
  let position = 0;
  let temporary = '';
  for (;;) {
    // Step 5.1: collect code points that are not '"' or ','.
    while (position < value.length && value[position] !== '"' && value[position] !== ',')
      temporary += value[position++];
    // Step 5.2: a quoted string is kept whole, quotes and escapes included.
    if (position < value.length && value[position] === '"') {
      const end = collectQuotedString(value, position);
      temporary += value.slice(position, end);
      position = end;
      if (position < value.length) continue;
    }
    // Steps 5.3-5.6.
    values.push(temporary.replace(/^[\t ]+|[\t ]+$/g, ''));
    temporary = '';
    if (position >= value.length) return values;
    // Steps 5.7-5.8: the code point at position is ','.
    position++;
  }
}

/** Fetch § 2.2.2 "collect an HTTP quoted string" with extract-value false: the end position. */
function collectQuotedString(input: string, start: number): number {
  let position = start + 1;
  while (position < input.length) {
    const c = input[position++];
    if (c === '\\') {
      if (position >= input.length) return position;
      position++;
    } else if (c === '"') {
      return position;
    }
  }
  return position;
}

// Fetch § 2.2.2 header list "get, decode, and split": null when `name` is
// absent, otherwise the combined value split into items.
export function getDecodeSplit(list: HeaderList, name: string): string[] | null {
  const value = getHeader(list, name);
  return value === null ? null : decodeAndSplit(value);
}

/** Headers whose values "extract header list values" knows how to parse (lowercase names). */
export type ExtractableHeader =
  | 'access-control-allow-methods'
  | 'access-control-allow-headers'
  | 'access-control-expose-headers'
  | 'access-control-request-headers'
  | 'access-control-max-age'
  | 'location';

/** Headers whose ABNF allows a single header (Fetch § 2.2.2 extract header list values, step 2). */
const SINGLE: ReadonlySet<ExtractableHeader> = new Set(['access-control-max-age', 'location']);

// Fetch § 2.2.2 "extract header list values", steps 1-5, with the ABNF of
// Fetch § 3.3.4: Access-Control-Allow-Methods = #method; -Allow-Headers,
// -Expose-Headers, -Request-Headers = #field-name; -Max-Age = delta-seconds;
// Location (single header, its value left to the URL parser). `#` is the
// RFC 9110 § 5.6.1 list: items separated by "," with optional spaces around;
// empty items are ignored; any other item must be a token. Each header line is
// parsed on its own, and the items are concatenated in order.
// Returns null (absent), 'failure' (malformed or repeated single header), or the values.
export function extractHeaderListValues(name: ExtractableHeader, list: HeaderList): string[] | null | 'failure' {
  const lines = getAll(list, name);
  // Step 1.
  if (lines.length === 0) return null;
  // Step 2.
  if (SINGLE.has(name) && lines.length > 1) return 'failure';
  // Steps 3-5.
  const values: string[] = [];
  for (const line of lines) {
    const extracted = extractHeaderValues(name, line);
    if (extracted === 'failure') return 'failure';
    values.push(...extracted);
  }
  return values;
}

// Fetch § 2.2.2 "extract header values" for one header of `name`: parse its
// value per the ABNF (Fetch § 3.3.4), failure if it does not match.
export function extractHeaderValues(name: ExtractableHeader, value: string): string[] | 'failure' {
  if (name === 'location') return [value];
  if (name === 'access-control-max-age') return /^[0-9]+$/.test(value) ? [value] : 'failure';
  const items: string[] = [];
  for (const raw of value.split(',')) {
    const item = raw.replace(/^[\t ]+|[\t ]+$/g, '');
    if (item === '') continue;
    if (!isToken(item)) return 'failure';
    items.push(item);
  }
  return items;
}

// Fetch § 2.2.2 "convert header names to a sorted-lowercase set", steps 1-3:
// byte-lowercase, drop duplicates, sort by byte order.
export function sortedLowercaseSet(names: readonly string[]): string[] {
  const set = [...new Set(names.map((name) => name.toLowerCase()))];
  return set.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
