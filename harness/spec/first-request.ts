// How the standard makes the first request of a fetch, read off a
// prediction: whether a CORS preflight goes first (Fetch § 4.8 HTTP fetch,
// step 4.1), and the Origin header the request carries (Fetch § 3.1 "append
// a request `Origin` header": always for CORS tainting, else only for
// methods other than GET and HEAD). With the request mode, which
// `Sec-Fetch-Mode` names (Fetch Metadata § 2.4), this is what an engine's
// request can be held against.
import type { Prediction } from './types.ts';

export interface FirstRequest {
  /** A preflight is sent before the first request. */
  preflight: boolean;
  /** The Origin header on the first request itself; null when the spec sends none. */
  origin: string | null;
  /** The spec sends the request at all (a failed preflight or a refusal before the network sends none). */
  sent: boolean;
}

export function firstRequestOf(prediction: Prediction): FirstRequest {
  const request = prediction.hops.find((hop) => hop.kind === 'request');
  return {
    preflight: prediction.hops[0]?.kind === 'preflight',
    origin: request?.origin ?? null,
    sent: request !== undefined,
  };
}
