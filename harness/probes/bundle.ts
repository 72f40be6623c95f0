// Serves the browser-side probe code as one script. Probe files are plain
// browser JavaScript (they run in the page, not in Node), read once.
import { readFileSync } from 'node:fs';

const FILES = ['runtime.js', 'fetch.js', 'xhr.js', 'image.js', 'font.js', 'elements.js'];
let cached: string | undefined;

export function probeScript(): string {
  cached ??= FILES.map((file) => readFileSync(new URL(file, import.meta.url), 'utf8')).join('\n');
  return cached;
}

/** What a probe in a batch carries into the page. */
export interface ProbeRequest {
  nonce: string;
  kind: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  mode: 'cors' | 'no-cors';
  credentials: 'omit' | 'same-origin' | 'include';
  body?: string;
  readHeader?: string;
  /** XHR only: add an upload progress listener (forces a preflight). */
  uploadListener?: boolean;
  /** Make the request this many times in a row; the last result counts. */
  repeat?: number;
  /** With repeat: fields the requests after the first change. */
  then?: {
    credentials?: 'omit' | 'same-origin' | 'include';
    headers?: Record<string, string>;
    context?: 'page' | 'sandboxed-iframe' | 'data-url-iframe';
  };
  /** fetch only: the keepalive flag. */
  keepalive?: boolean;
  /** fetch only: the cache mode (check uses "no-store", so one origin's cached answer never serves another's probe). */
  cache?: 'no-store';
  /** Where the request is made from: the runner page, or an opaque-origin iframe. */
  context?: 'page' | 'sandboxed-iframe' | 'data-url-iframe';
  /** img-canvas, script, stylesheet: the crossorigin attribute, absent for none. */
  crossOrigin?: 'anonymous' | 'use-credentials';
  /** img-canvas only: draw the <img> itself or an ImageBitmap made from it. */
  drawVia?: 'image' | 'imageBitmap';
  /** font only: a CSS @font-face rule or the FontFace API. */
  fontVia?: 'font-face-rule' | 'font-face-api';
  timeoutMs: number;
}

/** What the page reports back for one probe. */
export interface ProbeResult {
  nonce: string;
  settled: 'resolved' | 'rejected' | 'timeout';
  type?: string;
  status?: number;
  readableHeaders?: Record<string, string>;
  body?: string;
  readHeader?: { name: string; value: string | null };
  error?: { name: string; message: string };
  /** The resource loaded but its content was kept from the page (e.g. a tainted canvas). */
  withheld?: string;
  /** With repeat: how the earlier requests ended. */
  earlier?: { settled: string; status?: number; error?: string }[];
  durationMs?: number;
}
