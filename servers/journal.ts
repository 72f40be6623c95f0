// The request journal: every request a lab server receives, with all its
// headers, the time and the probe nonce, plus the answer the server sent.
// It answers what no browser API can: was a preflight sent, did the actual
// request reach the server, were cookies sent.

/**
 * preflight and request: probe traffic (/x/<nonce>/...); control: a top-level
 * navigation that checks the engine can reach a server at all (see
 * session/reachability.ts); lab: the runner page and other lab pages.
 */
export type JournalKind = 'preflight' | 'request' | 'control' | 'lab' | 'tls-error';

export interface JournalEntry {
  seq: number;
  /** ISO time the request arrived. */
  time: string;
  /** Milliseconds since the lab started (monotonic), for time windows. */
  at: number;
  /** Which lab server saw it, e.g. "https-main". */
  server: string;
  kind: JournalKind;
  method?: string;
  /** Scheme, Host header and path as received. */
  url?: string;
  /** Request headers, lower-cased names; repeated headers joined with ", ". */
  headers?: Record<string, string>;
  nonce?: string;
  /** Filled in when the server has sent its answer. */
  status?: number;
  responseHeaders?: Record<string, string | string[]>;
  /** For tls-error entries: the handshake failure as Node reported it; for a
   *  request the lab's proxy forwarded (check mode): why the target gave no answer. */
  error?: string;
}

export class Journal {
  readonly entries: JournalEntry[] = [];
  /** Entries by probe nonce: looked up on every probe request, so not a scan. */
  readonly #byNonce = new Map<string, JournalEntry[]>();
  readonly #startedAt = performance.now();
  #seq = 0;

  now(): number {
    return performance.now() - this.#startedAt;
  }

  add(entry: Omit<JournalEntry, 'seq' | 'time' | 'at'>): JournalEntry {
    const full: JournalEntry = { seq: ++this.#seq, time: new Date().toISOString(), at: this.now(), ...entry };
    this.entries.push(full);
    if (full.nonce !== undefined) {
      const list = this.#byNonce.get(full.nonce);
      if (list) list.push(full);
      else this.#byNonce.set(full.nonce, [full]);
    }
    return full;
  }

  forNonce(nonce: string): JournalEntry[] {
    return [...(this.#byNonce.get(nonce) ?? [])];
  }

  /** TLS handshake failures on one server between two `now()` readings. */
  tlsErrors(server: string, from: number, to: number): JournalEntry[] {
    return this.entries.filter(
      (entry) => entry.kind === 'tls-error' && entry.server === server && entry.at >= from && entry.at <= to,
    );
  }
}

/** Turns Node's rawHeaders list into lower-cased names, keeping repeats. */
export function headersFromRaw(rawHeaders: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

/** Journal form of response headers from raw lines: lower-cased names, repeats as arrays. */
export function responseHeadersFromLines(lines: [string, string][]): Record<string, string | string[]> {
  const grouped: Record<string, string | string[]> = {};
  for (const [rawName, value] of lines) {
    const name = rawName.toLowerCase();
    const existing = grouped[name];
    grouped[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return grouped;
}

/** One response header of a journal entry as a single value (repeats joined with ", "), or undefined. */
export function responseHeader(entry: JournalEntry, name: string): string | undefined {
  const value = entry.responseHeaders?.[name.toLowerCase()];
  return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : value;
}
