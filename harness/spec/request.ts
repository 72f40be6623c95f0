// What the page's fetch() call becomes before anything is sent: the Request
// constructor (Fetch § 5.4) with its Headers guards (Fetch § 5.1), and the
// checks main fetch makes before the network (Fetch § 4.1 step 7).
import { contains, isHeaderValue, isToken, normalizeHeaderValue } from './header-lists.ts';
import { isPotentiallyTrustworthy } from './origin.ts';
import {
  isCorsSafelistedMethod,
  isForbiddenMethod,
  isForbiddenRequestHeader,
  isNoCorsSafelistedRequestHeader,
  isPrivilegedNoCorsRequestHeaderName,
  normalizeMethod,
} from './safelist.ts';
import type { HeaderList, RequestMode, ResponseTainting, SpecRequest, Verdict } from './types.ts';

const CTOR = 'Fetch § 5.4 Request constructor';
const APPEND = 'Fetch § 5.1 Headers append';

export interface CreatedRequest {
  url: URL;
  /** The normalized method. */
  method: string;
  /** The request's header list after the Headers guards. */
  headers: HeaderList;
}

export type CreateResult =
  { ok: true; request: CreatedRequest; steps: string[] } | { ok: false; reason: string; cite: string; steps: string[] };

// Fetch § 5.4 new Request(input, init), steps 5, 25, 31-33, 35 and 37, as
// fetch() runs it: parse the URL, check and normalize the method, refuse
// non-safelisted methods in mode "no-cors", and fill the headers through the
// "request" (or "request-no-cors") guard. A failure is the TypeError fetch()
// rejects with, before any request is sent.
export function createRequest(spec: SpecRequest): CreateResult {
  const steps: string[] = [];
  const fail = (reason: string, cite: string): CreateResult => ({ ok: false, reason, cite, steps });

  // Steps 5.1-5.3.
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return fail(`'${spec.url}' is not a valid URL`, `${CTOR}, step 5.2`);
  }
  if (url.username !== '' || url.password !== '')
    return fail(`the URL '${spec.url}' includes credentials (user:password@)`, `${CTOR}, step 5.3`);

  // Steps 25.2-25.3.
  if (!isToken(spec.method)) return fail(`'${spec.method}' is not a method token`, `${CTOR}, step 25.2`);
  if (isForbiddenMethod(spec.method)) return fail(`'${spec.method}' is a forbidden method`, `${CTOR}, step 25.2`);
  const method = normalizeMethod(spec.method);
  if (method !== spec.method) steps.push(`${CTOR}, step 25.3: method '${spec.method}' is normalized to '${method}'`);
  else if (method !== method.toUpperCase()) {
    steps.push(
      `${CTOR}, step 25.3: method '${method}' is sent as written: only DELETE, GET, HEAD, OPTIONS, POST and PUT are normalized`,
    );
  }

  // Step 32.1.
  if (spec.mode === 'no-cors' && !isCorsSafelistedMethod(method)) {
    return fail(`mode 'no-cors' allows only GET, HEAD and POST, not '${method}'`, `${CTOR}, step 32.1`);
  }
  // Step 35: a body with GET or HEAD.
  if (spec.body !== undefined && (method === 'GET' || method === 'HEAD'))
    return fail(`a ${method} request cannot have a body`, `${CTOR}, step 35`);

  // Steps 31-33: fill the headers through the guard.
  const guard = spec.mode === 'no-cors' ? 'request-no-cors' : 'request';
  let headers: HeaderList = [];
  for (const [name, value] of spec.headers) {
    const appended = appendRequestHeader(headers, name, value, guard);
    if (!appended.verdict.ok && appended.headers === undefined)
      return fail(appended.verdict.reason, appended.verdict.cite);
    if (!appended.verdict.ok) steps.push(`${appended.verdict.cite}: ${appended.verdict.reason}`);
    headers = appended.headers ?? headers;
  }
  // Step 37.4: a string body adds Content-Type text/plain;charset=UTF-8 unless the page set one.
  if (spec.body !== undefined && !contains(headers, 'content-type')) {
    headers = appendRequestHeader(headers, 'Content-Type', 'text/plain;charset=UTF-8', guard).headers ?? headers;
    steps.push(`${CTOR}, step 37.4: the string body adds Content-Type 'text/plain;charset=UTF-8'`);
  }
  return { ok: true, request: { url, method, headers }, steps };
}

// Fetch § 5.1 Headers append, steps 1-5 (with "validate"): normalize the
// value; a name or value that is not valid throws a TypeError (headers
// undefined); a forbidden request-header, or in "request-no-cors" a header
// that is not no-CORS-safelisted, is silently dropped (verdict not ok, headers
// unchanged); Range is removed in "request-no-cors".
export function appendRequestHeader(
  headers: HeaderList,
  name: string,
  rawValue: string,
  guard: 'request' | 'request-no-cors',
): { verdict: Verdict; headers?: HeaderList } {
  // Step 1.
  const value = normalizeHeaderValue(rawValue);
  // Validate, step 1.
  if (!isToken(name))
    return {
      verdict: { ok: false, reason: `'${name}' is not a header name`, cite: `Fetch § 5.1 Headers validate, step 1` },
    };
  if (!isHeaderValue(value))
    return {
      verdict: {
        ok: false,
        reason: `the value of '${name}' is not a header value`,
        cite: `Fetch § 5.1 Headers validate, step 1`,
      },
    };
  // Validate, step 3.
  if (isForbiddenRequestHeader(name, value)) {
    return {
      verdict: {
        ok: false,
        reason: `'${name.toLowerCase()}' is a forbidden request-header, so the browser drops it`,
        cite: 'Fetch § 5.1 Headers validate, step 3',
      },
      headers,
    };
  }
  // Step 3.
  if (guard === 'request-no-cors') {
    const existing = headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
    const temporary = [...existing, value].join(', ');
    if (!isNoCorsSafelistedRequestHeader(name, temporary)) {
      return {
        verdict: {
          ok: false,
          reason: `'${name.toLowerCase()}' is not no-CORS-safelisted, so mode 'no-cors' drops it`,
          cite: `${APPEND}, step 3.4`,
        },
        headers,
      };
    }
  }
  // Step 4: the first existing header's name casing is reused.
  const first = headers.find(([n]) => n.toLowerCase() === name.toLowerCase());
  let next: HeaderList = [...headers, [first ? first[0] : name, value]];
  // Step 5.
  if (guard === 'request-no-cors') next = next.filter(([n]) => !isPrivilegedNoCorsRequestHeaderName(n));
  return {
    verdict: { ok: true, reason: `'${name.toLowerCase()}' appended`, cite: `${APPEND}, step 4` },
    headers: next,
  };
}

const BAD_PORTS = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

// Fetch § 2.9 port blocking: a bad port is one of the listed ports.
export function isBadPort(port: number): boolean {
  return BAD_PORTS.has(port);
}

// Fetch § 4.1 main fetch, step 7, for the request's current URL: a bad port
// (Fetch § 2.9) or mixed content (an https page fetching an http URL that is
// not potentially trustworthy; Mixed Content § 4.1) is a network error before
// the network. Returns null when neither applies. CSP and Integrity Policy are
// not modelled. `embedder` is the origin of the page embedding an
// opaque-origin document: Mixed Content § 4.3 "does settings prohibit mixed
// security contexts?", step 2, asks each ancestor, so an https page's
// sandboxed iframe may not fetch http either.
export function blockedBeforeNetwork(url: URL, origin: string, embedder?: string): Verdict | null {
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if ((url.protocol === 'http:' || url.protocol === 'https:') && isBadPort(port)) {
    return {
      ok: false,
      reason: `port ${port} is a bad port that browsers never connect to`,
      cite: 'Fetch § 4.1 main fetch, step 7 (§ 2.9 port blocking)',
    };
  }
  // Mixed Content § 4.3 step 1: the settings object's own origin; step 2: an ancestor's.
  const secureOwn = origin.startsWith('https:');
  const secureAncestor = !secureOwn && origin === 'null' && embedder?.startsWith('https:') === true;
  if ((secureOwn || secureAncestor) && url.protocol === 'http:' && !isPotentiallyTrustworthy(url)) {
    return {
      ok: false,
      reason: secureAncestor
        ? `a frame in an https page may not fetch the http URL '${url.href}' (mixed content, though the frame's origin is opaque)`
        : `an https page may not fetch the http URL '${url.href}' (mixed content)`,
      cite: secureAncestor
        ? 'Fetch § 4.1 main fetch, step 7 (Mixed Content § 4.1, § 4.3 step 2: an https ancestor)'
        : 'Fetch § 4.1 main fetch, step 7 (Mixed Content § 4.1)',
      fix: `serve ${url.host} over https: an https page fetches only https URLs (and http ones on loopback)`,
    };
  }
  return null;
}

// Fetch § 4.1 main fetch, step 12: which branch a request takes, given the
// response tainting so far. "basic": same-origin, no CORS; "network-error":
// mode "same-origin" to another origin; "opaque": mode "no-cors";
// "cors-preflight" / "cors": the CORS protocol, with the preflight question
// still to ask HTTP fetch (Fetch § 4.4 step 4.1). The URL is HTTP(S): the
// model does not fetch other schemes.
export function mainFetchBranch(input: {
  sameOrigin: boolean;
  tainting: ResponseTainting;
  mode: RequestMode;
  needsPreflight: boolean;
}): 'basic' | 'network-error' | 'opaque' | 'cors-preflight' | 'cors' {
  if (input.sameOrigin && input.tainting === 'basic') return 'basic';
  if (input.mode === 'same-origin') return 'network-error';
  if (input.mode === 'no-cors') return 'opaque';
  return input.needsPreflight ? 'cors-preflight' : 'cors';
}
