// Which cookies the standard sends with a request (RFC 6265bis, "Cookies:
// HTTP State Management Mechanism", draft 20; CHIPS for Partitioned). Pure:
// it parses the Set-Cookie values a first-party visit stored and applies the
// retrieval rules. Third-party cookie blocking is browser policy, which the
// standard leaves open, so it is not modelled here.
import type { Verdict } from './types.ts';

export interface StoredCookie {
  name: string;
  /** Host the cookie was set by (host-only) or the Domain attribute's value. */
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  sameSite: 'strict' | 'lax' | 'none' | 'default';
  /** CHIPS: the top-level site the cookie is keyed by, when Partitioned. */
  partitionKey?: string;
}

/**
 * A site under the public-suffix default rule "*": the registrable domain is
 * the last two labels (so app.site-a.localhost and api.site-a.localhost share
 * the site site-a.localhost); IP addresses and single labels stand alone.
 * (HTML § 7.1.1 "obtain a site", with the scheme: schemeful same-site.)
 */
export function siteOf(url: URL): string {
  const host = url.hostname;
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  const labels = host.split('.');
  const registrable = isIp || labels.length <= 2 ? host : labels.slice(-2).join('.');
  return `${url.protocol}//${registrable}`;
}

// RFC 6265bis § 5.1.4: the default path is the set-URL's path up to its last "/".
function defaultPath(url: URL): string {
  const path = url.pathname;
  if (!path.startsWith('/') || path.lastIndexOf('/') === 0) return '/';
  return path.slice(0, path.lastIndexOf('/'));
}

/** RFC 6265bis § 5.6 "Storage Model": a Set-Cookie value received at `setUrl` on a top-level visit. */
export function storeCookie(setCookie: string, setUrl: URL): StoredCookie | null {
  const [pair, ...attributes] = setCookie.split(';');
  const equals = pair!.indexOf('=');
  if (equals <= 0) return null;
  const cookie: StoredCookie = {
    name: pair!.slice(0, equals).trim(),
    domain: setUrl.hostname,
    hostOnly: true,
    path: defaultPath(setUrl),
    secure: false,
    sameSite: 'default',
  };
  let partitioned = false;
  for (const attribute of attributes) {
    const [rawName, ...rest] = attribute.split('=');
    const name = rawName!.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (name === 'path' && value.startsWith('/')) cookie.path = value;
    if (name === 'domain' && value !== '') {
      cookie.domain = value.replace(/^\./, '').toLowerCase();
      cookie.hostOnly = false;
    }
    if (name === 'secure') cookie.secure = true;
    if (name === 'partitioned') partitioned = true;
    if (name === 'samesite') {
      const mode = value.toLowerCase();
      cookie.sameSite = mode === 'strict' || mode === 'lax' || mode === 'none' ? mode : 'default';
    }
  }
  // § 5.6 step 15: SameSite=None requires Secure. CHIPS: Partitioned requires Secure.
  if (cookie.sameSite === 'none' && !cookie.secure) return null;
  if (partitioned) {
    if (!cookie.secure) return null;
    cookie.partitionKey = siteOf(setUrl); // set on a top-level visit: keyed by that site
  }
  return cookie;
}

export interface RetrievalContext {
  /** The request's URL. */
  url: URL;
  /** Whether the fetch includes credentials on this request (Fetch § 4.6 step 8.12). */
  credentials: boolean;
  /** The page's top-level site, e.g. "https://site-a.localhost". */
  topLevelSite: string;
}

/** RFC 6265bis § 5.8.3 "Retrieval Algorithm", for one stored cookie and one request. */
export function cookieSent(cookie: StoredCookie, context: RetrievalContext): Verdict {
  const cite = 'RFC 6265bis § 5.8.3 retrieval algorithm';
  const no = (reason: string, step = cite): Verdict => ({
    ok: false,
    reason: `cookie '${cookie.name}' is not sent: ${reason}`,
    cite: step,
  });
  if (!context.credentials)
    return no("the request's credentials mode excludes cookies", 'Fetch § 4.6 HTTP-network-or-cache fetch, step 8.12');
  const host = context.url.hostname;
  const domainMatches = cookie.hostOnly
    ? host === cookie.domain
    : host === cookie.domain || host.endsWith(`.${cookie.domain}`);
  if (!domainMatches)
    return no(`${cookie.hostOnly ? 'it is host-only for' : 'its Domain is'} ${cookie.domain}, not ${host}`);
  const path = context.url.pathname;
  const pathMatches =
    path === cookie.path ||
    (path.startsWith(cookie.path) && (cookie.path.endsWith('/') || path[cookie.path.length] === '/'));
  if (!pathMatches) return no(`its Path ${cookie.path} does not match ${path} (set Path=/ to send it everywhere)`);
  if (cookie.secure && context.url.protocol !== 'https:') return no('it is Secure and the request is not https');
  const sameSite = siteOf(context.url) === context.topLevelSite;
  if (!sameSite && (cookie.sameSite === 'lax' || cookie.sameSite === 'strict')) {
    return no(
      `SameSite=${cookie.sameSite === 'lax' ? 'Lax' : 'Strict'} cookies are withheld from cross-site subresource requests`,
      'RFC 6265bis § 5.8.3 step 2 (same-site requests)',
    );
  }
  if (cookie.partitionKey !== undefined && cookie.partitionKey !== context.topLevelSite) {
    return no(
      `it is Partitioned by ${cookie.partitionKey}, and the page's top-level site is ${context.topLevelSite}`,
      'CHIPS: partitioned cookie retrieval',
    );
  }
  return { ok: true, reason: `cookie '${cookie.name}' is sent`, cite };
}
