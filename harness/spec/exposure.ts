// Which response headers the page can read: the CORS-exposed header-name list
// (Fetch § 4.1 main fetch step 14.1) and the filtered responses of Fetch
// § 2.2.6 (basic, CORS, opaque).
import { extractHeaderListValues, getHeader, sortedLowercaseSet } from './header-lists.ts';
import { isCorsSafelistedResponseHeaderName, isForbiddenResponseHeaderName } from './safelist.ts';
import type { CredentialsMode, HeaderList, ResponseTainting, Verdict } from './types.ts';

export interface ExposedList {
  /** The CORS-exposed header-name list, as names (may hold '*', which then only matches a header named '*'). */
  names: string[];
  /** Access-Control-Expose-Headers '*' counted as a wildcard. */
  wildcard: boolean;
  /** Access-Control-Expose-Headers was present and malformed: nothing beyond the safelist is exposed. */
  malformed: boolean;
}

// Fetch § 4.1 main fetch, steps 14.1.1-14.1.3: the response's CORS-exposed
// header-name list. With credentials mode other than "include", `*` exposes
// every header name in the response; otherwise it is taken literally.
export function corsExposedHeaderNames(headers: HeaderList, credentials: CredentialsMode): ExposedList {
  const headerNames = extractHeaderListValues('access-control-expose-headers', headers);
  if (headerNames === 'failure') return { names: [], wildcard: false, malformed: true };
  if (headerNames === null) return { names: [], wildcard: false, malformed: false };
  if (credentials !== 'include' && headerNames.includes('*')) {
    return { names: headers.map(([name]) => name), wildcard: true, malformed: false };
  }
  return { names: headerNames, wildcard: false, malformed: false };
}

// Fetch § 2.2.6 basic / CORS / opaque filtered response: the header names the
// page can read, lowercased and sorted. Basic: all but Set-Cookie and
// Set-Cookie2. CORS: CORS-safelisted response-header names given the exposed
// list. Opaque: none.
export function readableHeaderNames(
  headers: HeaderList,
  tainting: ResponseTainting,
  exposed: readonly string[],
): string[] {
  if (tainting === 'opaque') return [];
  const names = sortedLowercaseSet(headers.map(([name]) => name));
  if (tainting === 'basic') return names.filter((name) => !isForbiddenResponseHeaderName(name));
  return names.filter((name) => isCorsSafelistedResponseHeaderName(name, exposed));
}

// Fetch § 2.2.6 CORS filtered response and § 5.1 Headers get(): whether the
// page reads a non-null value for `name`, and why not.
export function headerReadability(
  name: string,
  headers: HeaderList,
  tainting: ResponseTainting,
  exposed: ExposedList,
  credentials: CredentialsMode,
): Verdict {
  const lower = name.toLowerCase();
  const readable = readableHeaderNames(headers, tainting, exposed.names).includes(lower);
  const cite = tainting === 'basic' ? 'Fetch § 2.2.6 basic filtered response' : 'Fetch § 2.2.6 CORS filtered response';
  if (readable) return { ok: true, reason: `header '${lower}' is readable`, cite };
  if (getHeader(headers, lower) === null)
    return { ok: false, reason: `the response has no '${lower}' header`, cite: 'Fetch § 5.1 Headers get()' };
  if (isForbiddenResponseHeaderName(lower))
    return {
      ok: false,
      reason: `'${lower}' is a forbidden response-header name, never exposed to a page`,
      cite: 'Fetch § 2.2.2 forbidden response-header name',
    };
  const aceh = getHeader(headers, 'access-control-expose-headers');
  let why: string;
  if (aceh === null) why = 'the response has no Access-Control-Expose-Headers header and it is not CORS-safelisted';
  else if (exposed.malformed)
    why = `Access-Control-Expose-Headers '${aceh}' is malformed, so only CORS-safelisted headers are exposed`;
  else if (credentials === 'include' && exposed.names.includes('*'))
    why = "Access-Control-Expose-Headers '*' does not count with credentials mode 'include'";
  else why = `Access-Control-Expose-Headers '${aceh}' does not list it`;
  return {
    ok: false,
    reason: `header '${lower}' is not exposed: ${why}`,
    cite: `${cite} and Fetch § 4.1 main fetch, step 14.1`,
  };
}
