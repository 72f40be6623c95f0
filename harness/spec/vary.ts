// Fetch § 3.2.5 CORS protocol and HTTP caches: when a server's CORS answer
// depends on the request's Origin (an allowlist that answers one origin and
// not another, or reflection), the answer must list Origin in Vary
// (RFC 9110 § 12.5.5). Otherwise an HTTP cache may hand the answer stored for
// one origin to a request from another: a page that should be refused reads
// an answer allowed for someone else, or an allowed page gets a refusal.
export const VARY_STEP = 'Fetch § 3.2.5 CORS protocol and HTTP caches (Vary, RFC 9110 § 12.5.5)';

/** Whether a Vary value lists the request header `name` (or `*`, which varies on everything). */
export function varyLists(vary: string | undefined, name: string): boolean {
  const tokens = (vary ?? '')
    .toLowerCase()
    .split(',')
    .map((token) => token.trim());
  return tokens.includes(name.toLowerCase()) || tokens.includes('*');
}

/** An Access-Control-Allow-Origin that echoes the request's own Origin (not `*`): the answer depends on the Origin. */
export function echoesOrigin(allowOrigin: string | undefined, origin: string | undefined): boolean {
  return allowOrigin !== undefined && allowOrigin !== '*' && allowOrigin === origin;
}
