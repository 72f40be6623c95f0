// Redirects as they affect CORS: Fetch § 4.5 HTTP-redirect fetch with
// redirect mode "follow" (fetch()'s default). Each redirect response has
// already passed the CORS check when the request is CORS (Fetch § 4.4 step
// 4.4); the new URL then goes through main fetch again, which may need a new
// preflight and makes the Origin `null` once the redirect-taint says so.
import { deleteHeader, extractHeaderListValues } from './header-lists.ts';
import { includesCredentials, sameOrigin, urlOrigin } from './origin.ts';
import { isRequestBodyHeaderName } from './safelist.ts';
import type { HeaderList, RequestMode, ResponseTainting } from './types.ts';

/** Fetch § 4.5 step 7: at most 20 redirects are followed. */
export const REDIRECT_LIMIT = 20;

const CITE = 'Fetch § 4.5 HTTP-redirect fetch';

// Fetch § 2.2.3 redirect status: 301, 302, 303, 307 or 308.
export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

// Fetch § 2.2.6 a response's location URL, steps 1-5: null without a redirect
// status or a Location header; failure for two Location headers or a value the
// URL parser rejects; the URL resolved against the response's URL, with the
// request's fragment when it has none.
export function locationURL(status: number, headers: HeaderList, responseURL: URL): URL | null | 'failure' {
  if (!isRedirectStatus(status)) return null;
  const location = extractHeaderListValues('location', headers);
  if (location === null) return null;
  if (location === 'failure') return 'failure';
  let url: URL;
  try {
    url = new URL(location[0]!, responseURL);
  } catch {
    return 'failure';
  }
  if (url.hash === '' && !location[0]!.includes('#')) url.hash = responseURL.hash;
  return url;
}

// Fetch § 4.5 HTTP-redirect fetch, step 12: 301 and 302 turn POST into GET;
// 303 turns every method but GET and HEAD into GET. Returns the new method, or
// undefined when it is unchanged.
export function redirectMethod(status: number, method: string): string | undefined {
  if (
    ((status === 301 || status === 302) && method === 'POST') ||
    (status === 303 && method !== 'GET' && method !== 'HEAD')
  )
    return 'GET';
  return undefined;
}

export interface RedirectRequest {
  /** The request's current URL (the one that answered with a redirect). */
  currentURL: URL;
  /** The request's origin, serialized ("null" when opaque). */
  origin: string;
  method: string;
  headers: HeaderList;
  mode: RequestMode;
  tainting: ResponseTainting;
  redirectCount: number;
}

export type RedirectResult =
  | { kind: 'final'; steps: string[] }
  | { kind: 'error'; reason: string; cite: string; steps: string[] }
  | { kind: 'follow'; url: URL; method: string; headers: HeaderList; redirectCount: number; steps: string[] };

// Fetch § 4.5 HTTP-redirect fetch, steps 3-14 and 18: decide whether the
// redirect is followed, and the request (method, headers) sent to its location.
// `final` means there is no Location: the redirect response itself is the answer.
export function httpRedirectFetch(
  request: RedirectRequest,
  status: number,
  responseHeaders: HeaderList,
): RedirectResult {
  const steps: string[] = [];
  // Steps 3-5.
  const location = locationURL(status, responseHeaders, request.currentURL);
  if (location === null)
    return {
      kind: 'final',
      steps: [`${CITE}, step 4: the ${status} answer has no Location header, so it is the response`],
    };
  if (location === 'failure') {
    return {
      kind: 'error',
      reason: `the ${status} answer's Location is not one parsable URL`,
      cite: `${CITE}, step 5`,
      steps,
    };
  }
  // Step 6.
  if (location.protocol !== 'http:' && location.protocol !== 'https:') {
    return {
      kind: 'error',
      reason: `the redirect goes to '${location.href}', which is not an http(s) URL`,
      cite: `${CITE}, step 6`,
      steps,
    };
  }
  // Steps 7-8.
  if (request.redirectCount === REDIRECT_LIMIT) {
    return {
      kind: 'error',
      reason: `the request was redirected more than ${REDIRECT_LIMIT} times`,
      cite: `${CITE}, step 7`,
      steps,
    };
  }
  const redirectCount = request.redirectCount + 1;
  // Step 9.
  if (request.mode === 'cors' && includesCredentials(location) && !sameOrigin(request.origin, urlOrigin(location))) {
    return {
      kind: 'error',
      reason: `the redirect's Location '${location.href}' includes credentials (user:password@) and is cross-origin`,
      cite: `${CITE}, step 9`,
      steps,
    };
  }
  // Step 10.
  if (request.tainting === 'cors' && includesCredentials(location)) {
    return {
      kind: 'error',
      reason: `the redirect's Location '${location.href}' includes credentials (user:password@) and the request is already CORS`,
      cite: `${CITE}, step 10`,
      steps,
    };
  }
  // Step 11 concerns stream bodies, which this model does not have.
  // Step 12.
  let method = request.method;
  let headers = request.headers;
  const newMethod = redirectMethod(status, method);
  if (newMethod !== undefined) {
    steps.push(`${CITE}, step 12: ${status} turns ${method} into GET, drops the body and the request-body headers`);
    method = newMethod;
    headers = headers.filter(([name]) => !isRequestBodyHeaderName(name));
  }
  // Step 13.
  if (urlOrigin(request.currentURL) !== urlOrigin(location)) {
    const kept = deleteHeader(headers, 'authorization');
    if (kept.length !== headers.length)
      steps.push(`${CITE}, step 13: the redirect changes origin, so Authorization is removed`);
    headers = kept;
  }
  // Step 18.
  steps.push(`${CITE}, steps 18-22: redirect ${redirectCount} (${status}) to ${withoutFragment(location)}`);
  return { kind: 'follow', url: location, method, headers, redirectCount, steps };
}

// RFC 9112 § 3.2 request-target, as Fetch § 4.7 HTTP-network fetch sends a
// request's current URL: the URL without its fragment.
export function withoutFragment(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = '';
  return copy.href;
}
