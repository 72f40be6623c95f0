// CORS preflights: when one is needed (Fetch § 4.1 main fetch and § 4.4 HTTP
// fetch), what it sends, how its answer is judged (Fetch § 4.8 CORS-preflight
// fetch), and the CORS-preflight cache within one fetch (Fetch § 4.9).
import { corsCheck } from './cors-check.ts';
import { extractHeaderListValues, getHeader } from './header-lists.ts';
import {
  corsUnsafeReasons,
  corsUnsafeRequestHeaderNames,
  isCorsNonWildcardRequestHeaderName,
  isCorsSafelistedMethod,
} from './safelist.ts';
import type { CredentialsMode, HeaderList, PreflightCacheEntry, Verdict } from './types.ts';

const CITE = 'Fetch § 4.8 CORS-preflight fetch';

// Fetch § 4.1 main fetch, step 12 (the CORS-with-preflight branch): with the
// unsafe-request flag set (fetch() and XHR), a preflight is needed when the
// use-CORS-preflight flag is set, the method is not CORS-safelisted, or some
// request header is CORS-unsafe. Returns the reasons; empty when none is needed.
export function preflightReasons(method: string, headers: HeaderList, useCorsPreflight: boolean): string[] {
  const reasons: string[] = [];
  if (useCorsPreflight) reasons.push('the use-CORS-preflight flag is set (e.g. upload listeners)');
  if (!isCorsSafelistedMethod(method)) reasons.push(`method '${method}' is not CORS-safelisted (GET, HEAD, POST)`);
  reasons.push(...corsUnsafeReasons(headers));
  return reasons;
}

// Fetch § 4.8 CORS-preflight fetch, steps 3-5: the Access-Control-Request-Method
// value (the request's method) and the Access-Control-Request-Headers value
// (the CORS-unsafe request-header names joined by "," without spaces; '' when
// the header is not sent).
export function preflightRequestHeaders(
  method: string,
  headers: HeaderList,
): { method: string; requestHeaders: string } {
  return { method, requestHeaders: corsUnsafeRequestHeaderNames(headers).join(',') };
}

export interface PreflightRequest {
  /** The request's method (normalized). */
  method: string;
  /** The request's header list. */
  headers: HeaderList;
  credentials: CredentialsMode;
  useCorsPreflight: boolean;
  /** The request's byte-serialized origin (Fetch § 2.2.5). */
  serializedOrigin: string;
}

export interface PreflightAnswer {
  status: number;
  headers: HeaderList;
}

/** A successful preflight: what the CORS-preflight cache stores (Fetch § 4.8 steps 7.8-7.15). */
export interface PreflightGrant {
  methods: string[];
  headerNames: string[];
  maxAge: number;
}

// Fetch § 2.2.3 ok status: 200 to 299.
export function isOkStatus(status: number): boolean {
  return status >= 200 && status <= 299;
}

// Fetch § 4.8 CORS-preflight fetch, steps 7-8: judge the preflight answer for
// `request`. On success, also the methods, header names and max-age to cache.
export function checkPreflightAnswer(
  request: PreflightRequest,
  answer: PreflightAnswer,
): { verdict: Verdict; grant?: PreflightGrant } {
  // Step 7: the CORS check (with the request's credentials mode) and an ok status.
  const cors = corsCheck(answer.headers, request.serializedOrigin, request.credentials);
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!isOkStatus(answer.status)) {
    const redirect = [301, 302, 303, 307, 308].includes(answer.status) ? '; a preflight never follows redirects' : '';
    problems.push(`has status ${answer.status}, not an ok status (200-299)${redirect}`);
    fixes.push(
      `answer the OPTIONS preflight itself with a 2xx status such as 204${redirect ? ', not a redirect' : ''}`,
    );
  }
  if (!cors.ok) {
    problems.push(`fails the CORS check: ${cors.reason}`);
    if (cors.fix) fixes.push(cors.fix);
  }
  if (problems.length > 0)
    return {
      verdict: {
        ok: false,
        reason: `the preflight answer ${problems.join(', and ')}`,
        cite: `${CITE}, steps 7-8`,
        ...(fixes.length > 0 ? { fix: `on the preflight answer: ${fixes.join(', and ')}` } : {}),
      },
    };

  // Steps 7.1-7.3.
  let methods = extractHeaderListValues('access-control-allow-methods', answer.headers);
  const headerNames = extractHeaderListValues('access-control-allow-headers', answer.headers);
  if (methods === 'failure') {
    return malformed(
      'Access-Control-Allow-Methods',
      getHeader(answer.headers, 'access-control-allow-methods'),
      'method',
    );
  }
  if (headerNames === 'failure') {
    return malformed(
      'Access-Control-Allow-Headers',
      getHeader(answer.headers, 'access-control-allow-headers'),
      'header name',
    );
  }
  // Step 7.4.
  if (methods === null && request.useCorsPreflight) methods = [request.method];
  const methodList = methods ?? [];
  const nameList = headerNames ?? [];
  const wildcardsCount = request.credentials !== 'include';

  // Step 7.5: a byte-exact method match, a safelisted method, or '*' without credentials.
  const method = request.method;
  if (
    !methodList.includes(method) &&
    !isCorsSafelistedMethod(method) &&
    (!wildcardsCount || !methodList.includes('*'))
  ) {
    return {
      verdict: {
        ok: false,
        reason: methodReason(method, methodList, methods === null, wildcardsCount),
        cite: `${CITE}, step 7.5`,
        fix: `list ${method} (exactly so: methods are case-sensitive) in the preflight answer's Access-Control-Allow-Methods`,
      },
    };
  }
  // Step 7.6: Authorization must be listed by name; '*' does not cover it.
  const listed = (name: string) => nameList.some((item) => item.toLowerCase() === name.toLowerCase());
  const authorization = request.headers.find(([name]) => isCorsNonWildcardRequestHeaderName(name));
  if (authorization && !listed(authorization[0])) {
    const star = nameList.includes('*') ? " ('*' never covers Authorization)" : '';
    return {
      verdict: {
        ok: false,
        reason: `the preflight answer's Access-Control-Allow-Headers does not list 'authorization'${star}`,
        cite: `${CITE}, step 7.6`,
        fix: "list Authorization by name in the preflight answer's Access-Control-Allow-Headers ('*' never covers it)",
      },
    };
  }
  // Step 7.7: every CORS-unsafe name listed (case-insensitively), or '*' without credentials.
  for (const unsafeName of corsUnsafeRequestHeaderNames(request.headers)) {
    if (!listed(unsafeName) && (!wildcardsCount || !nameList.includes('*'))) {
      const why =
        headerNames === null
          ? ' (the answer has no Access-Control-Allow-Headers header)'
          : nameList.includes('*')
            ? " ('*' does not count with credentials mode 'include')"
            : '';
      return {
        verdict: {
          ok: false,
          reason: `the preflight answer's Access-Control-Allow-Headers does not list '${unsafeName}'${why}`,
          cite: `${CITE}, step 7.7`,
          fix: `list ${displayName(request.headers, unsafeName)} in the preflight answer's Access-Control-Allow-Headers`,
        },
      };
    }
  }
  // Steps 7.8-7.10: Access-Control-Max-Age, 5 seconds when absent or malformed.
  const maxAgeValues = extractHeaderListValues('access-control-max-age', answer.headers);
  const maxAge = maxAgeValues === null || maxAgeValues === 'failure' ? 5 : Number(maxAgeValues[0]);
  return {
    verdict: {
      ok: true,
      reason: `the preflight answer (status ${answer.status}) allows method '${method}'${describeHeaders(request.headers)}`,
      cite: `${CITE}, steps 7.1-7.16`,
    },
    grant: { methods: methodList, headerNames: nameList, maxAge },
  };
}

function describeHeaders(headers: HeaderList): string {
  const names = corsUnsafeRequestHeaderNames(headers);
  return names.length === 0 ? '' : ` and headers ${names.map((name) => `'${name}'`).join(', ')}`;
}

function malformed(header: string, value: string | null, item: string): { verdict: Verdict } {
  return {
    verdict: {
      ok: false,
      reason: `the preflight answer's ${header} '${value}' is malformed (each comma-separated item must be a ${item} token)`,
      cite: `${CITE}, step 7.3`,
      fix: `send ${header} as a comma-separated list of ${item}s`,
    },
  };
}

/** A request header's name as the page wrote it (the spec compares lowercased names; a developer looks for their own spelling). */
function displayName(headers: HeaderList, lowercased: string): string {
  return headers.find(([name]) => name.toLowerCase() === lowercased)?.[0] ?? lowercased;
}

function methodReason(method: string, methods: readonly string[], absent: boolean, wildcardsCount: boolean): string {
  const base = `the preflight answer's Access-Control-Allow-Methods does not list '${method}'`;
  if (absent) return `${base} (the answer has no Access-Control-Allow-Methods header)`;
  const caseOnly = methods.find((item) => item !== method && item.toLowerCase() === method.toLowerCase());
  if (caseOnly !== undefined) return `${base}: it lists '${caseOnly}', and methods are compared case-sensitively`;
  if (!wildcardsCount && methods.includes('*')) return `${base}: '*' does not count with credentials mode 'include'`;
  return base;
}

export interface CacheKey {
  serializedOrigin: string;
  url: string;
  credentials: CredentialsMode;
}

// Fetch § 4.9 cache entry match: same origin serialization and URL, and an
// entry made with credentials, or a request without them.
function entryMatches(entry: PreflightCacheEntry, key: CacheKey): boolean {
  return (
    entry.serializedOrigin === key.serializedOrigin &&
    entry.url === key.url &&
    (entry.credentials || key.credentials !== 'include')
  );
}

// Fetch § 4.9 method cache entry match: an entry whose method is `method` or `*`.
export function methodCacheMatch(cache: readonly PreflightCacheEntry[], method: string, key: CacheKey): boolean {
  return cache.some((entry) => entryMatches(entry, key) && (entry.method === method || entry.method === '*'));
}

// Fetch § 4.9 header-name cache entry match: an entry whose header name is
// `name` (case-insensitively), or `*` when `name` is not Authorization.
export function headerNameCacheMatch(cache: readonly PreflightCacheEntry[], name: string, key: CacheKey): boolean {
  return cache.some(
    (entry) =>
      entryMatches(entry, key) &&
      entry.headerName !== null &&
      (entry.headerName.toLowerCase() === name.toLowerCase() ||
        (entry.headerName === '*' && !isCorsNonWildcardRequestHeaderName(name))),
  );
}

// Fetch § 4.4 HTTP fetch, step 4.1: within the CORS-with-preflight branch, a
// preflight is sent unless the cache covers the method (when it needs
// covering) and every CORS-unsafe header name.
export function preflightNeeded(
  cache: readonly PreflightCacheEntry[],
  method: string,
  headers: HeaderList,
  useCorsPreflight: boolean,
  key: CacheKey,
): boolean {
  if (!methodCacheMatch(cache, method, key) && (!isCorsSafelistedMethod(method) || useCorsPreflight)) return true;
  return corsUnsafeRequestHeaderNames(headers).some((name) => !headerNameCacheMatch(cache, name, key));
}

// Fetch § 4.8 CORS-preflight fetch, steps 7.11-7.15: store what a successful
// preflight allowed. Entries already there for a listed method or header name
// (compared exactly) get the new max-age; max-age 0 removes them, since an
// entry is removed once its max-age has passed (§ 4.9). Returns the new cache.
export function cachePreflightGrant(
  cache: readonly PreflightCacheEntry[],
  grant: PreflightGrant,
  key: CacheKey,
): PreflightCacheEntry[] {
  const listed = (entry: PreflightCacheEntry) =>
    (entry.method !== null && grant.methods.includes(entry.method)) ||
    (entry.headerName !== null &&
      grant.headerNames.some((name) => name.toLowerCase() === entry.headerName!.toLowerCase()));
  // Steps 7.12 and 7.14: matching entries take the new max-age.
  const kept = cache.filter((entry) => grant.maxAge > 0 || !(entryMatches(entry, key) && listed(entry)));
  if (grant.maxAge <= 0) return kept;
  // Steps 7.13 and 7.15: new entries for the rest.
  const base = { serializedOrigin: key.serializedOrigin, url: key.url, credentials: key.credentials === 'include' };
  const has = (method: string | null, headerName: string | null) =>
    kept.some(
      (entry) =>
        entryMatches(entry, key) &&
        entry.method === method &&
        (entry.headerName?.toLowerCase() ?? null) === (headerName?.toLowerCase() ?? null),
    );
  return [
    ...kept,
    ...grant.methods.filter((method) => !has(method, null)).map((method) => ({ ...base, method, headerName: null })),
    ...grant.headerNames
      .filter((headerName) => !has(null, headerName))
      .map((headerName) => ({ ...base, method: null, headerName })),
  ];
}

// Fetch § 4.9 clear cache entries, as main fetch step 12 does when a request
// that took the CORS-with-preflight branch ends in a network error: remove the
// entries for this serialized origin and URL. Returns the new cache.
export function clearCacheEntries(
  cache: readonly PreflightCacheEntry[],
  serializedOrigin: string,
  url: string,
): PreflightCacheEntry[] {
  return cache.filter((entry) => entry.serializedOrigin !== serializedOrigin || entry.url !== url);
}
