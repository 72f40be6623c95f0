// Types shared by the spec model. The model follows the WHATWG Fetch standard
// (https://fetch.spec.whatwg.org/, section numbers as of July 2026) for one
// request issued by fetch() from a page, and predicts what the page sees.

/** A header list (Fetch § 2.2.2): ordered (name, value) pairs; a name may repeat. */
export type HeaderList = [name: string, value: string][];

/** A response the model's HTTP cache holds (RFC 9111 § 3). */
export interface StoredResponse {
  /** The URL requested, without fragment. */
  url: string;
  status: number;
  headers: HeaderList;
}

export type CredentialsMode = 'omit' | 'same-origin' | 'include';
export type RequestMode = 'cors' | 'no-cors' | 'same-origin';
/** A request's response tainting (Fetch § 2.2.5). */
export type ResponseTainting = 'basic' | 'cors' | 'opaque';

/** The result of one spec check, worded for a developer. */
export interface Verdict {
  ok: boolean;
  /** One clause, e.g. "Access-Control-Allow-Origin '*' cannot be used with credentials mode 'include'". */
  reason: string;
  /** The section and step that decided, e.g. "Fetch § 4.10 CORS check, step 3". */
  cite: string;
  /** Where a server's answer failed the step: what the server changes so it passes (never widening trust to 'null'). */
  fix?: string;
}

/** One answer from a server, as raw header lines in the order they were sent. */
export interface SpecAnswer {
  status: number;
  /** Raw header lines in order; repeated names are separate entries. */
  headers: [string, string][];
}

/** The request as the page wrote it: fetch(url, { method, headers, mode, credentials, body }). */
export interface SpecRequest {
  /** Absolute URL of the first request. */
  url: string;
  /** Serialized origin of the page, e.g. "https://app.site-a.localhost:4431", or "null" for an opaque origin. */
  origin: string;
  /**
   * The origin of the page that embeds an opaque-origin document (a
   * sandboxed or data: URL iframe): an https ancestor still forbids mixed
   * content (Mixed Content § 4.3). Not used when `origin` is not "null".
   */
  embedderOrigin?: string;
  /** As the page wrote it (case kept). */
  method: string;
  /** Author request headers in the order the page set them (each is a Headers append). */
  headers: [string, string][];
  mode: RequestMode;
  credentials: CredentialsMode;
  /** A string body, if any. Without an author Content-Type it adds `text/plain;charset=UTF-8`. */
  body?: string;
  /** The use-CORS-preflight flag, e.g. XMLHttpRequest with upload listeners. */
  useCorsPreflight?: boolean;
  /** The outcome depends on whether this response header is readable by the page. */
  readHeader?: string;
}

/** What the spec sends on one hop, for servers whose answer depends on it (e.g. echoing Origin). */
export interface SentRequest {
  /** The method on the wire: OPTIONS for a preflight. */
  method: string;
  /**
   * The headers that matter to CORS, in order: Origin (when sent), then for a
   * preflight Accept, Access-Control-Request-Method and -Headers, otherwise
   * the author headers after the Headers guards and any redirect changes.
   */
  headers: [string, string][];
  /** Whether credentials (cookies, HTTP auth) are included. */
  credentials: boolean;
}

/**
 * One entry of the user agent's CORS-preflight cache (Fetch § 4.9), without
 * the network partition key (one page) and without a clock: an entry lives
 * until removed (max-age 0 is never stored).
 */
export interface PreflightCacheEntry {
  /** The byte-serialized request origin the preflight was made for. */
  serializedOrigin: string;
  /** The URL preflighted, without fragment. */
  url: string;
  /** Made for a request with credentials mode "include". */
  credentials: boolean;
  method: string | null;
  headerName: string | null;
}

export interface PredictInput {
  request: SpecRequest;
  /**
   * The user agent's CORS-preflight cache, shared by the fetches of one
   * browser context (e.g. a request repeated). predict() reads it and updates
   * it in place. Omitted: this fetch starts with an empty cache of its own.
   */
  preflightCache?: PreflightCacheEntry[];
  /** The HTTP cache, shared and updated the same way (see http-cache.ts). */
  httpCache?: StoredResponse[];
  /**
   * What the server answers at `url` (absolute, without fragment). `kind` says
   * whether this is a CORS preflight (OPTIONS) or the request itself; `sent`
   * is what the request carries.
   */
  answer(url: string, kind: 'preflight' | 'request', sent: SentRequest): SpecAnswer;
}

export interface Hop {
  /** The URL requested, without fragment. */
  url: string;
  kind: 'preflight' | 'request';
  /** The method on the wire: OPTIONS for a preflight. */
  method: string;
  /** The status the server answered. */
  status: number;
  /** The Origin request header the spec sends on this hop; absent when none is sent. */
  origin?: string;
  /** Whether the spec includes credentials (cookies, HTTP auth) on this hop. */
  credentials: boolean;
  /**
   * The request's mode, which Sec-Fetch-Mode names (Fetch Metadata § 2.4):
   * "cors" for a preflight (Fetch § 4.8 step 1), else the request's own.
   */
  mode: string;
  /** A preflight's Access-Control-Request-Method and -Headers (Fetch § 4.8 steps 2-5): the headers as the spec serializes them, lowercase, sorted, comma-separated; '' when there are none. */
  asks?: { method: string; headers: string };
}

/**
 * What the standard predicts. The model's servers always answer, so there is
 * no "error" here (that outcome is for the lab's infrastructure: DNS, TLS,
 * a stopped server, a timeout).
 * - allowed: the page reads the response (and `readHeader`, when asked).
 * - blocked: the page does not get the response: a network error after an
 *   answer (failed CORS check, failed preflight, bad redirect, too many
 *   redirects; the harness reports the last as an error, since no CORS rule
 *   decides it), an opaque response (no-cors), `readHeader` not readable; or,
 *   with no hops at all, a request never sent: fetch() throws a TypeError
 *   (e.g. mode 'no-cors' with PUT, a forbidden method, URL with credentials)
 *   or main fetch refuses before the network (mode 'same-origin' to another
 *   origin, a bad port). The harness shows the same case as "blocked" when a
 *   reachability control proves the engine could reach the server.
 */
export interface Prediction {
  outcome: 'allowed' | 'blocked';
  /** A preflight is sent for the first URL. */
  preflight: boolean;
  /**
   * Access-Control-Request-Method / -Headers of the first preflight sent
   * (lowercased, sorted, comma-joined, no spaces; '' when no
   * Access-Control-Request-Headers header is sent).
   */
  preflightHeaders?: { method: string; requestHeaders: string };
  /** Every request the spec sends, in order, with the status answered. */
  hops: Hop[];
  /** Response header names the page can read, lowercased and sorted, when a response reaches the page. */
  exposedHeaders?: string[];
  /** One sentence for a developer. */
  explanation: string;
  /** Blocked by a server's answer: what the server changes (Verdict.fix). */
  fix?: string;
  /** The spec steps taken, each naming its section. */
  steps: string[];
}
