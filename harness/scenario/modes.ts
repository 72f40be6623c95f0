// The request mode and credentials mode each request kind really uses.
import type { ProbeRequest } from '../probes/bundle.ts';
import type { RequestSpec } from './schema.ts';

/**
 * An <img> with no crossorigin attribute is a no-cors request with
 * credentials; "anonymous" is cors with same-origin credentials;
 * "use-credentials" is cors with include. Fonts are cors with same-origin
 * credentials. fetch and XHR say it themselves.
 */
export function effectiveModes(request: RequestSpec): Pick<ProbeRequest, 'mode' | 'credentials'> {
  // Fonts are always fetched in cors mode with same-origin credentials (CSS Fonts § 4.8.2).
  if (request.kind === 'font') return { mode: 'cors', credentials: 'same-origin' };
  // EventSource is cors mode; withCredentials means include (HTML § 9.2.2).
  if (request.kind === 'event-source')
    return { mode: 'cors', credentials: request.credentials === 'include' ? 'include' : 'same-origin' };
  if (request.kind === 'fetch' || request.kind === 'xhr')
    return { mode: request.mode, credentials: request.credentials };
  // <img>, <script> and <link rel=stylesheet>: the crossorigin attribute decides (HTML "CORS settings attributes").
  const crossOrigin = request.crossOrigin ?? 'none';
  if (crossOrigin === 'none') return { mode: 'no-cors', credentials: 'include' };
  return { mode: 'cors', credentials: crossOrigin === 'use-credentials' ? 'include' : 'same-origin' };
}
