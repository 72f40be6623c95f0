// The request mode and credentials mode each request kind really uses.
import type { ProbeRequest } from '../probes/bundle.ts';
import type { RequestSpec } from '../scenario/schema.ts';

/**
 * An <img> with no crossorigin attribute is a no-cors request with
 * credentials; "anonymous" is cors with same-origin credentials;
 * "use-credentials" is cors with include. Other kinds say it themselves.
 */
export function effectiveModes(request: RequestSpec): Pick<ProbeRequest, 'mode' | 'credentials'> {
  if (request.kind !== 'img-canvas') return { mode: request.mode, credentials: request.credentials };
  const crossOrigin = request.crossOrigin ?? 'none';
  if (crossOrigin === 'none') return { mode: 'no-cors', credentials: 'include' };
  return { mode: 'cors', credentials: crossOrigin === 'use-credentials' ? 'include' : 'same-origin' };
}
