// Origins: same-origin tests, the redirect-taint that turns the Origin header
// into `null`, and the Origin header each request carries. URLs are parsed
// with the WHATWG URL parser (the global URL class, pure and standard).
import type { CredentialsMode, RequestMode, ResponseTainting } from './types.ts';

// HTML § 7.1.1 ASCII serialization of a URL's origin, as used by Fetch
// § 4.1 main fetch step 12 ("current URL's origin"): "scheme://host[:port]"
// with the default port omitted; "null" for schemes with opaque origins.
export function urlOrigin(url: URL): string {
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : 'null';
}

// HTML § 7.1.1 origin serialization, for the page's origin as given: "null",
// or a tuple origin re-serialized (lowercase scheme and host, no default
// port). Returns undefined when `origin` is neither.
export function canonicalOrigin(origin: string): string | undefined {
  if (origin === 'null') return 'null';
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
}

// HTML § 7.1.1 same origin, for serialized origins: tuple origins are the same
// when their serializations are; an opaque origin ("null") is never the same
// as a URL's origin.
export function sameOrigin(a: string, b: string): boolean {
  return a !== 'null' && a === b;
}

// URL § 4.4 "includes credentials", as checked by Fetch § 4.5 HTTP-redirect
// fetch, steps 9-10: a non-empty username or password.
export function includesCredentials(url: URL): boolean {
  return url.username !== '' || url.password !== '';
}

// Fetch § 2.2.5 redirect-taint of a request, steps 1-5, reduced to whether it
// is "same-origin": it is not once some hop moves from a URL that is not the
// request's origin to a URL of a different origin (A → B → C, or A → B → A).
// Same-site versus cross-site is not distinguished here.
export function isRedirectTainted(requestOrigin: string, urlList: readonly URL[]): boolean {
  for (let i = 1; i < urlList.length; i++) {
    const last = urlOrigin(urlList[i - 1]!);
    const next = urlOrigin(urlList[i]!);
    if (!sameOrigin(next, last) && !sameOrigin(requestOrigin, last)) return true;
  }
  return false;
}

// Fetch § 2.2.5 serializing a request origin, steps 1-3: "null" once the
// request is redirect-tainted, otherwise the request's origin serialized.
export function serializeRequestOrigin(requestOrigin: string, urlList: readonly URL[]): string {
  return isRedirectTainted(requestOrigin, urlList) ? 'null' : requestOrigin;
}

export interface OriginHeaderInput {
  requestOrigin: string;
  urlList: readonly URL[];
  method: string;
  mode: RequestMode;
  tainting: ResponseTainting;
}

// Fetch § 3.2 append a request `Origin` header, steps 1-4, assuming the
// default referrer policy "strict-origin-when-cross-origin": always for
// response tainting "cors"; otherwise only for methods other than GET and
// HEAD. Returns the header value, or undefined when none is sent.
export function originHeaderValue(input: OriginHeaderInput): string | undefined {
  const serialized = serializeRequestOrigin(input.requestOrigin, input.urlList);
  // Step 3.
  if (input.tainting === 'cors') return serialized;
  // Step 4.
  if (input.method === 'GET' || input.method === 'HEAD') return undefined;
  const current = input.urlList.at(-1)!;
  // Step 4.1: strict-origin-when-cross-origin sends `null` from https to a non-https URL.
  if (input.mode !== 'cors' && input.requestOrigin.startsWith('https:') && current.protocol !== 'https:') return 'null';
  return serialized;
}

// Fetch § 4.6 HTTP-network-or-cache fetch, step 8.3: credentials are included
// for credentials mode "include", or "same-origin" with response tainting "basic".
export function includeCredentials(credentials: CredentialsMode, tainting: ResponseTainting): boolean {
  return credentials === 'include' || (credentials === 'same-origin' && tainting === 'basic');
}

// Secure Contexts § 3.1 "is origin potentially trustworthy", for a URL's
// origin, as Mixed Content uses it (reached from Fetch § 4.1 main fetch step 7):
// https, loopback addresses, and localhost names.
export function isPotentiallyTrustworthy(url: URL): boolean {
  if (url.protocol === 'https:' || url.protocol === 'wss:') return true;
  return isLoopbackHost(url.hostname);
}

/** Loopback addresses (IPv6 bare, as a CONNECT names it, or bracketed, as a URL does) and localhost names. */
export function isLoopbackHost(host: string): boolean {
  if (/^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]' || host === '::1') return true;
  return host === 'localhost' || host.endsWith('.localhost');
}
