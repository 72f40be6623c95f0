// check --har: the front end's own cross-origin requests, from a HAR 1.2
// file exported by a browser's DevTools (or recorded by Playwright). Each
// CORS request the page made (one with an Origin header, or a fetch or XHR
// the browser refused before sending, to another origin) becomes an
// endpoint, posed from the page's origin, with the headers a
// page can set, its body, and credentials when it carried cookies (or the
// answer allowed them: a "sanitized" HAR drops the Cookie header).
// Requests of one shape are checked once: the same method, origin, kind and
// credentials, the same header names and body type, and the same path once
// its numeric, UUID and long hex segments are collapsed (/item/0 ... /item/2999
// is /item/{number}); the source lists what each checked row covers.
import { readFileSync } from 'node:fs';
import { sizeProblem } from './input-size.ts';
import { resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { zodProblems, type ScenarioProblem } from '../scenario/loader.ts';
import { headerName, headerValue } from '../scenario/schema.ts';
import { isForbiddenRequestHeader } from '../spec/safelist.ts';
import type { CheckSource } from '../result/check.ts';
import { SkippedInputs } from './skipped.ts';
import { CheckInputError, originProblem, type CheckEndpoint, type CheckKind } from './plan.ts';

const harHeader = z.object({ name: z.string(), value: z.string() }).passthrough();
const harEntry = z
  .object({
    request: z
      .object({
        method: z.string(),
        url: z.string(),
        headers: z.array(harHeader),
        cookies: z.array(z.object({ name: z.string() }).passthrough()).optional(),
        postData: z.object({ text: z.string().optional() }).passthrough().optional(),
      })
      .passthrough(),
    response: z
      .object({
        status: z.number(),
        headers: z.array(harHeader),
        content: z.object({ mimeType: z.string().optional() }).passthrough().optional(),
      })
      .passthrough(),
    /** Chromium's DevTools: document, fetch, xhr, image, font, script... */
    _resourceType: z.string().optional(),
  })
  .passthrough();
const harSchema = z.object({ log: z.object({ entries: z.array(harEntry) }).passthrough() }).passthrough();
type HarEntry = z.infer<typeof harEntry>;

/**
 * Headers the browser adds by itself (not page-set), dropped from the replay:
 * besides the forbidden ones, those a browser sends unasked. Cache-Control and
 * Pragma are DevTools' "Disable cache", and If-None-Match and If-Modified-Since
 * the HTTP cache revalidating: replayed, each would add a preflight the app
 * never causes.
 */
const BROWSER_SET = [
  'user-agent',
  'accept-language',
  'cache-control',
  'pragma',
  'priority',
  'upgrade-insecure-requests',
  'if-none-match',
  'if-modified-since',
];

/** A body larger than this is not replayed (the request's headers still are). */
const MAX_BODY = 64 * 1024;

/**
 * The largest HAR read: parsed, a HAR takes about four times its size in
 * memory on top of cors-lab's own (npm run bench measures it), so this bound
 * keeps the peak near 1.2 GB, well inside Node's heap.
 */
export const MAX_HAR_BYTES = 256 * 1024 * 1024;

export interface HarOptions {
  /** Hosts not to check (third parties): exact, or *.example.com for it and every subdomain. */
  excludeHosts: string[];
}

export function endpointsFromHar(
  path: string,
  options: HarOptions,
): { endpoints: CheckEndpoint[]; source: CheckSource } {
  const file = resolvePath(path);
  const tooLarge = sizeProblem(
    file,
    MAX_HAR_BYTES,
    'HAR',
    "save only the API's requests (DevTools' Network panel filtered to Fetch/XHR), or drop the response bodies: jq 'del(.log.entries[].response.content.text)' app.har > api.har",
  );
  if (tooLarge) throw new CheckInputError([tooLarge]);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CheckInputError([
      {
        file,
        field: '',
        message: `cannot read a HAR: ${(error as Error).message.split('\n')[0]}. Fix: export it from the browser's DevTools (Network, "Save all as HAR")`,
      },
    ]);
  }
  const parsed = harSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw new CheckInputError(zodProblems(file, '', parsed.error, harSchema));
  const entries = parsed.data.log.entries;

  const skipped = new SkippedInputs();
  const skip = (reason: string, example: string) => skipped.add(reason, example);
  const problems: ScenarioProblem[] = [];
  const byKey = new Map<string, CheckEndpoint & { seen: number; checkedPath: string; others: string[] }>();
  entries.forEach((entry, index) => {
    const { request } = entry;
    const label = `${request.method} ${request.url}`;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return skip('not an http(s) URL', label);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return skip('not an http(s) URL', label.slice(0, 80));
    if (request.method.toUpperCase() === 'OPTIONS' && headerOf(entry, 'access-control-request-method'))
      return skip('a preflight (the browser sends it for the request after it)', label);
    const origin = originOf(entry);
    if (origin === undefined)
      return skip(
        'no Origin header: not a CORS request (a navigation, script, style or image without crossorigin)',
        label,
      );
    if (origin === url.origin) return skip('same-origin', label);
    if (origin === 'null' || originProblem(origin))
      return skip(`from an origin cors-lab cannot pose as (${origin})`, label);
    if (isExcluded(url.hostname, options.excludeHosts)) return skip('to an excluded host (--har-exclude-host)', label);

    const headers: Record<string, string> = {};
    for (const { name, value } of request.headers) {
      const lower = name.toLowerCase();
      if (lower.startsWith(':') || BROWSER_SET.includes(lower) || isForbiddenRequestHeader(lower, value)) continue;
      if (!headerName.safeParse(name).success || !headerValue.safeParse(value).success) {
        problems.push({
          file,
          field: `log.entries[${index}].request.headers`,
          message: `'${name}' cannot be replayed (not a header name, or its value has line breaks or is over the limit)`,
        });
        continue;
      }
      headers[canonical(name)] = value;
    }
    const cookies = (request.cookies?.length ?? 0) > 0 || headerOf(entry, 'cookie') !== undefined;
    const credentials =
      cookies || /^true$/i.test(responseHeaderOf(entry, 'access-control-allow-credentials') ?? '')
        ? 'include'
        : 'same-origin';
    const kind = kindOf(entry);
    const body = request.postData?.text;
    const template = pathTemplate(url.pathname);
    const bodyType =
      body === undefined ? 'none' : (headers['Content-Type'] ?? '').split(';')[0]!.trim().toLowerCase() || 'unlabelled';
    const key = JSON.stringify([
      request.method.toUpperCase(),
      `${url.origin}${template}`,
      Object.keys(headers)
        .map((name) => name.toLowerCase())
        .sort(),
      credentials,
      kind,
      origin,
      bodyType,
    ]);
    const known = byKey.get(key);
    if (known) {
      known.seen++;
      const path = `${url.pathname}${url.search}`;
      if (known.others.length < 3 && path !== known.checkedPath && !known.others.includes(path))
        known.others.push(path);
      return;
    }
    // Named by what tells requests to one URL apart: the headers the page set, and cookies.
    const setHeaders = Object.keys(headers).filter((name) => !['accept', 'content-type'].includes(name.toLowerCase()));
    byKey.set(key, {
      name: `${request.method.toUpperCase()} ${url.origin}${template}${setHeaders.length > 0 ? ` with ${setHeaders.join(', ')}` : ''}${credentials === 'include' ? ' with cookies' : ''}`,
      checkedPath: `${url.pathname}${url.search}`,
      others: [],
      url: url.href,
      method: request.method,
      headers: kind === 'fetch' || kind === 'xhr' ? headers : {},
      ...(body !== undefined && body.length <= MAX_BODY && !['GET', 'HEAD'].includes(request.method.toUpperCase())
        ? { body }
        : {}),
      credentials,
      kind,
      origins: [{ origin, expect: 'allowed' }],
      seen: 1,
    });
  });
  if (problems.length > 0) throw new CheckInputError(problems);
  const rows = [...byKey.values()];
  const endpoints = rows.map(({ seen, checkedPath, others, ...endpoint }) => ({
    ...endpoint,
    name: seen > 1 ? `${endpoint.name} (${seen} requests in the HAR)` : endpoint.name,
  }));
  // What each checked row stands for: said in the report, never silently lost.
  const covered = rows
    .filter((row) => row.seen > 1)
    .map((row) => ({ row: row.name, checked: row.checkedPath, count: row.seen - 1, examples: row.others }));
  if (endpoints.length === 0) {
    const reasons = skipped
      .list()
      .map((found) => `${found.count} ${found.reason}`)
      .join('; ');
    throw new CheckInputError([
      {
        file,
        field: 'log.entries',
        message: `no cross-origin CORS request to check among ${entries.length} entries (${reasons || 'none'}). Fix: record the HAR while the front end talks to the API, from the front end's own origin`,
      },
    ]);
  }
  return {
    endpoints,
    source: {
      kind: 'har',
      file,
      read: entries.length,
      taken: endpoints.length,
      skipped: skipped.list(),
      ...(covered.length > 0 ? { covered } : {}),
    },
  };
}

/**
 * The page's origin: the Origin the request carried. A request the browser
 * refused before sending it (status 0 or -1 in the HAR, often the very one
 * that matters) was recorded without one, so for a fetch or an XHR the
 * Referer's origin stands in.
 */
function originOf(entry: HarEntry): string | undefined {
  const sent = headerOf(entry, 'origin');
  if (sent !== undefined) return sent;
  const type = entry._resourceType?.toLowerCase();
  const referer = headerOf(entry, 'referer');
  if ((type !== 'fetch' && type !== 'xhr') || !referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/** Path segments that name one item among many: all digits, a UUID, or a long hex id. */
const ID_SEGMENTS: [RegExp, string][] = [
  [/^\d+$/, '{number}'],
  [/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, '{uuid}'],
  [/^(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}$/i, '{hex}'],
];

/** "/item/42/photos/9f8e7d6c5b4a3921" → "/item/{number}/photos/{hex}": the shape requests to one endpoint share. */
export function pathTemplate(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => ID_SEGMENTS.find(([pattern]) => pattern.test(segment))?.[1] ?? segment)
    .join('/');
}

function headerOf(entry: HarEntry, name: string): string | undefined {
  return entry.request.headers.find((header) => header.name.toLowerCase() === name)?.value;
}

function responseHeaderOf(entry: HarEntry, name: string): string | undefined {
  return entry.response.headers.find((header) => header.name.toLowerCase() === name)?.value;
}

/** HTTP/2 HARs have lower-case names; the replay sends them as a page would write them. */
function canonical(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => `${dash}${letter.toUpperCase()}`);
}

/** What made the request: DevTools says so; otherwise the answer's type tells a font or an image from a fetch. */
function kindOf(entry: HarEntry): CheckKind {
  const type = entry._resourceType?.toLowerCase();
  if (type === 'xhr') return 'xhr';
  if (type === 'font') return 'font';
  if (type === 'image') return 'img-canvas';
  if (type === 'fetch') return 'fetch';
  const mime = entry.response.content?.mimeType?.toLowerCase() ?? '';
  if (/^font\/|application\/(x-)?font/.test(mime)) return 'font';
  if (mime.startsWith('image/')) return 'img-canvas';
  return 'fetch';
}

function isExcluded(host: string, excluded: string[]): boolean {
  return excluded.some((pattern) =>
    pattern.startsWith('*.') ? host === pattern.slice(2) || host.endsWith(pattern.slice(1)) : host === pattern,
  );
}
