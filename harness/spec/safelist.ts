// Safelists and forbidden lists: which methods and request headers need no
// preflight, which response headers a page may read, which headers a page may
// not set at all. Fetch § 2.2.1 Methods and § 2.2.2 Headers.
import { decodeAndSplit, sortedLowercaseSet } from './header-lists.ts';
import type { HeaderList, Verdict } from './types.ts';

// Fetch § 2.2.1 CORS-safelisted method: `GET`, `HEAD` or `POST`, byte-exact.
export function isCorsSafelistedMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'POST';
}

// Fetch § 2.2.1 forbidden method: byte-case-insensitive CONNECT, TRACE or TRACK.
export function isForbiddenMethod(method: string): boolean {
  return ['connect', 'trace', 'track'].includes(method.toLowerCase());
}

const NORMALIZED = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];

// Fetch § 2.2.1 normalize a method: byte-uppercase DELETE, GET, HEAD, OPTIONS,
// POST and PUT in any case. Everything else (PATCH included) keeps its case.
export function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALIZED.includes(upper) ? upper : method;
}

// Fetch § 2.2.2 CORS-unsafe request-header byte: a control byte other than
// tab, one of "():<>?@[\]{}, or DEL.
export function isCorsUnsafeRequestHeaderByte(byte: number): boolean {
  return (
    (byte < 0x20 && byte !== 0x09) ||
    [0x22, 0x28, 0x29, 0x3a, 0x3c, 0x3e, 0x3f, 0x40, 0x5b, 0x5c, 0x5d, 0x7b, 0x7d, 0x7f].includes(byte)
  );
}

function firstUnsafeByte(value: string): string | undefined {
  return [...value].find((c) => isCorsUnsafeRequestHeaderByte(c.charCodeAt(0)));
}

function describeByte(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f ? `0x${code.toString(16).padStart(2, '0').toUpperCase()}` : `'${c}'`;
}

const SAFE_ESSENCES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
const LANGUAGE_VALUE = /^[0-9A-Za-z *,\-.;=]*$/;

// Fetch § 2.2.2 CORS-safelisted request-header, steps 1-3, with the reason a
// header is not safelisted.
export function safelistedRequestHeaderVerdict(name: string, value: string): Verdict {
  const lower = name.toLowerCase();
  const cite = 'Fetch § 2.2.2 CORS-safelisted request-header';
  // Step 1.
  if (value.length > 128)
    return {
      ok: false,
      reason: `${lower}: its value is ${value.length} bytes, over the 128-byte limit`,
      cite: `${cite}, step 1`,
    };
  // Step 2.
  switch (lower) {
    case 'accept': {
      const bad = firstUnsafeByte(value);
      if (bad !== undefined)
        return {
          ok: false,
          reason: `accept: its value contains the CORS-unsafe byte ${describeByte(bad)}`,
          cite: `${cite}, step 2 (accept)`,
        };
      break;
    }
    case 'accept-language':
    case 'content-language':
      if (!LANGUAGE_VALUE.test(value)) {
        return {
          ok: false,
          reason: `${lower}: only letters, digits, space and *,-.;= are safelisted in its value`,
          cite: `${cite}, step 2 (${lower})`,
        };
      }
      break;
    case 'content-type': {
      const bad = firstUnsafeByte(value);
      if (bad !== undefined)
        return {
          ok: false,
          reason: `content-type: its value contains the CORS-unsafe byte ${describeByte(bad)}`,
          cite: `${cite}, step 2 (content-type) 1`,
        };
      const essence = parseMimeTypeEssence(value);
      if (essence === null)
        return {
          ok: false,
          reason: `content-type: '${value}' does not parse as a MIME type`,
          cite: `${cite}, step 2 (content-type) 3`,
        };
      if (!SAFE_ESSENCES.includes(essence)) {
        return {
          ok: false,
          reason: `content-type: '${essence}' is not application/x-www-form-urlencoded, multipart/form-data or text/plain`,
          cite: `${cite}, step 2 (content-type) 4`,
        };
      }
      break;
    }
    case 'range': {
      const range = parseSingleRangeHeaderValue(value, false);
      if (range === null)
        return {
          ok: false,
          reason: `range: '${value}' is not a single range of the form bytes=START-[END]`,
          cite: `${cite}, step 2 (range) 2`,
        };
      if (range[0] === null)
        return {
          ok: false,
          reason: `range: '${value}' has no start (suffix ranges are not safelisted)`,
          cite: `${cite}, step 2 (range) 3`,
        };
      break;
    }
    default:
      return {
        ok: false,
        reason: `${lower} is not a CORS-safelisted request-header name`,
        cite: `${cite}, step 2 (otherwise)`,
      };
  }
  // Step 3.
  return { ok: true, reason: `${lower}: safelisted`, cite: `${cite}, step 3` };
}

// Fetch § 2.2.2 CORS-safelisted request-header.
export function isCorsSafelistedRequestHeader(name: string, value: string): boolean {
  return safelistedRequestHeaderVerdict(name, value).ok;
}

// Fetch § 2.2.2 CORS-unsafe request-header names, steps 1-6: names of headers
// that are not safelisted, plus every safelisted one when their values total
// more than 1024 bytes; sorted, lowercased, without duplicates.
export function corsUnsafeRequestHeaderNames(headers: HeaderList): string[] {
  const unsafeNames: string[] = [];
  const potentiallyUnsafeNames: string[] = [];
  let safelistValueSize = 0;
  for (const [name, value] of headers) {
    if (!isCorsSafelistedRequestHeader(name, value)) unsafeNames.push(name);
    else {
      potentiallyUnsafeNames.push(name);
      safelistValueSize += value.length;
    }
  }
  if (safelistValueSize > 1024) unsafeNames.push(...potentiallyUnsafeNames);
  return sortedLowercaseSet(unsafeNames);
}

// Fetch § 2.2.2 CORS-unsafe request-header names, with one reason per name
// (for explanations): why each header needs a preflight.
export function corsUnsafeReasons(headers: HeaderList): string[] {
  const reasons: string[] = [];
  let safelistValueSize = 0;
  for (const [name, value] of headers) {
    const verdict = safelistedRequestHeaderVerdict(name, value);
    if (!verdict.ok) reasons.push(verdict.reason);
    else safelistValueSize += value.length;
  }
  if (safelistValueSize > 1024)
    reasons.push(`the safelisted headers' values total ${safelistValueSize} bytes, over the 1024-byte limit`);
  return reasons;
}

// Fetch § 2.2.2 CORS non-wildcard request-header name: `Authorization`, which
// `Access-Control-Allow-Headers: *` never covers.
export function isCorsNonWildcardRequestHeaderName(name: string): boolean {
  return name.toLowerCase() === 'authorization';
}

// Fetch § 2.2.2 privileged no-CORS request-header name: `Range`.
export function isPrivilegedNoCorsRequestHeaderName(name: string): boolean {
  return name.toLowerCase() === 'range';
}

const SAFELISTED_RESPONSE = [
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
];

// Fetch § 2.2.2 CORS-safelisted response-header name, given the CORS-exposed
// header-name list: the seven safelisted names, or a listed name that is not a
// forbidden response-header name.
export function isCorsSafelistedResponseHeaderName(name: string, exposed: readonly string[]): boolean {
  const lower = name.toLowerCase();
  if (SAFELISTED_RESPONSE.includes(lower)) return true;
  return exposed.some((item) => item.toLowerCase() === lower) && !isForbiddenResponseHeaderName(lower);
}

// Fetch § 2.2.2 no-CORS-safelisted request-header name.
export function isNoCorsSafelistedRequestHeaderName(name: string): boolean {
  return ['accept', 'accept-language', 'content-language', 'content-type'].includes(name.toLowerCase());
}

// Fetch § 2.2.2 no-CORS-safelisted request-header, steps 1-2.
export function isNoCorsSafelistedRequestHeader(name: string, value: string): boolean {
  return isNoCorsSafelistedRequestHeaderName(name) && isCorsSafelistedRequestHeader(name, value);
}

const FORBIDDEN_REQUEST = [
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
];

// Fetch § 2.2.2 forbidden request-header, steps 1-4: names the user agent
// controls, `Proxy-` and `Sec-` prefixes, and method-override headers naming a
// forbidden method.
export function isForbiddenRequestHeader(name: string, value: string): boolean {
  const lower = name.toLowerCase();
  if (FORBIDDEN_REQUEST.includes(lower)) return true;
  if (lower.startsWith('proxy-') || lower.startsWith('sec-')) return true;
  if (['x-http-method', 'x-http-method-override', 'x-method-override'].includes(lower)) {
    // Steps 3.1-3.2: get, decode, and split the value; any forbidden method forbids the header.
    return decodeAndSplit(value).some(isForbiddenMethod);
  }
  return false;
}

// Fetch § 2.2.2 forbidden response-header name: `Set-Cookie`, `Set-Cookie2`.
export function isForbiddenResponseHeaderName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'set-cookie' || lower === 'set-cookie2';
}

// Fetch § 2.2.2 request-body-header name: removed when a redirect turns the
// request into a GET (Fetch § 4.5 step 12.2).
export function isRequestBodyHeaderName(name: string): boolean {
  return ['content-encoding', 'content-language', 'content-location', 'content-type'].includes(name.toLowerCase());
}

// Fetch § 2.2.2 parse a single range header value, steps 1-19:
// `bytes=START-END`, either end may be empty but not both, START <= END.
// Returns [start, end] (null for an omitted end), or null for failure.
export function parseSingleRangeHeaderValue(
  value: string,
  allowWhitespace: boolean,
): [bigint | null, bigint | null] | null {
  const skip = allowWhitespace ? '[\\t ]*' : '';
  const match = new RegExp(`^bytes${skip}=${skip}([0-9]*)${skip}-${skip}([0-9]*)$`).exec(value);
  if (!match) return null;
  const start = match[1] === '' ? null : BigInt(match[1]!);
  const end = match[2] === '' ? null : BigInt(match[2]!);
  if (start === null && end === null) return null;
  if (start !== null && end !== null && start > end) return null;
  return [start, end];
}

const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// MIME Sniffing § 4.4 "parse a MIME type", steps 1-10 (type and subtype), as
// used by Fetch § 2.2.2 CORS-safelisted request-header (content-type, step 2).
// Parameters can never make parsing fail, so they are skipped. Returns the
// essence ("type/subtype", ASCII-lowercased) or null for failure.
export function parseMimeTypeEssence(input: string): string | null {
  // Step 1: remove leading and trailing HTTP whitespace.
  const trimmed = input.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  // Steps 2-6: type up to "/", a non-empty token.
  const slash = trimmed.indexOf('/');
  if (slash === -1) return null;
  const type = trimmed.slice(0, slash);
  if (!HTTP_TOKEN.test(type)) return null;
  // Steps 7-9: subtype up to ";", trailing whitespace removed, a non-empty token.
  const rest = trimmed.slice(slash + 1);
  const semicolon = rest.indexOf(';');
  const subtype = (semicolon === -1 ? rest : rest.slice(0, semicolon)).replace(/[\t\n\r ]+$/, '');
  if (!HTTP_TOKEN.test(subtype)) return null;
  // Step 10: the essence is lowercased.
  return `${type.toLowerCase()}/${subtype.toLowerCase()}`;
}
