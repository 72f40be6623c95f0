// The scenario format. Scenario files are data: YAML validated by this zod
// schema. `npm run schema` writes scenarios/scenario.schema.json from it for
// editors (yaml-language-server).
import { z } from 'zod';
import { ENGINE_FAMILIES, ENGINE_PROFILES } from '../engines/types.ts';
import { policySchema } from './policy.ts';

/** Header values are written verbatim to the wire, so CR, LF or NUL would inject headers. */
const NO_LINE_BREAKS = /^[^\r\n\0]*$/;
/** RFC 9110 token: what a header name or method may contain. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export const headerName = z.string().regex(TOKEN, {
  message: "a header name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~), without spaces or colons",
});

/** Longer values are no longer a CORS question: servers and browsers refuse whole header sections past 8-16 KiB. */
export const MAX_HEADER_VALUE_LENGTH = 8192;

export const headerValue = z
  .string()
  .regex(NO_LINE_BREAKS, {
    message:
      'header values must not contain CR, LF or NUL: they would inject extra headers. Put each value on one line',
  })
  .max(MAX_HEADER_VALUE_LENGTH, {
    message: `a header value may have at most ${MAX_HEADER_VALUE_LENGTH} characters: servers and browsers refuse larger header sections outright, which tests no CORS rule`,
  });

/** A request method: an RFC 9110 token. */
export const httpMethod = z
  .string()
  .regex(TOKEN, { message: 'a method must be an HTTP token such as GET, PUT or PATCH' });

/** A value, or a list of values sent as separate header lines (e.g. two ACAO headers). */
export const headerValues = z.union([headerValue, z.array(headerValue).min(1)]);
export const headerMap = z.record(headerName, headerValues);

/** One HTTP answer from a lab server; `defaultStatus` is what an answer declared without a status is sent with. */
const answerWithDefault = (defaultStatus: number) =>
  z
    .object({
      status: z
        .number()
        .int()
        .min(100)
        .max(599)
        .default(defaultStatus)
        .describe(`HTTP status code (default: ${defaultStatus})`),
      headers: headerMap
        .default({})
        .describe(
          'Response headers; {{origin.NAME}}, {{base.NAME}}, {{host.NAME}}, {{port.NAME}} and {{nonce}} are filled in',
        ),
      body: z.string().optional().describe('Response body (default: "ok")'),
      asset: z
        .enum(['png', 'otf', 'script', 'css', 'event-stream'])
        .optional()
        .describe(
          'Serve a built-in asset as the body with its Content-Type: "png" a 2x2 image, "otf" a font whose glyphs are 2 em wide, "script" a script that throws a known error, "css" one rule, "event-stream" one server-sent event',
        ),
      delayMs: z
        .number()
        .int()
        .min(0)
        .max(600_000)
        .optional()
        .describe('Wait this long before answering (a slow or hung server); the wait ends if the browser gives up'),
    })
    .strict();

export const answerSchema = answerWithDefault(200);
/** A preflight answer declared without a status is a 204, as CORS middlewares send it and as the lab answers an undeclared preflight. */
const preflightAnswerSchema = answerWithDefault(204);

/** One answer, or a sequence: the Nth request of a probe gets the Nth answer (the last one repeats). */
const answersOf = (answer: typeof answerSchema) => z.union([answer, z.array(answer).min(1)]);

export const routeSchema = z
  .object({
    preflight: answersOf(preflightAnswerSchema)
      .optional()
      .describe(
        'Answer to a CORS preflight (OPTIONS with Access-Control-Request-Method), or a list: the Nth preflight gets the Nth answer, the last repeats. Default: 204 with no CORS headers',
      ),
    actual: answersOf(answerSchema)
      .optional()
      .describe('Answer to every other request, or a list as for preflight. Default: 200 "ok" with no CORS headers'),
  })
  .strict();

/**
 * A lab origin: scheme, a loopback hostname and a port slot. `:alt` and `:third` pick
 * the lab's second and third port for that scheme, for same-host
 * different-port origins (and for studies that give each port its own
 * address space).
 */
export const ORIGIN_PATTERN =
  /^(https?):\/\/(localhost|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3})(:(main|alt|third))?$/;

const ORIGIN_SHAPE =
  'an origin must look like https://app.site-a.localhost or http://api.site-b.localhost:alt (scheme http/https, a *.localhost or 127.x hostname, optional :main, :alt or :third port slot, no path). The lab only serves loopback';

/** The JSON Schema keeps the pattern; the loader's message also says why a numeric port is refused and what to write instead. */
const originUrl = z.string().regex(ORIGIN_PATTERN, {
  error: (issue) =>
    /:\d+\/?$/.test(String(issue.input))
      ? `${JSON.stringify(issue.input)}: a port cannot be pinned, since the lab picks free ports each run (several runs and engines share the machine). Fix: drop the number and pick a port slot, :main (the default), :alt or :third; values refer to the port actually used as {{port.NAME}}`
      : ORIGIN_SHAPE,
});

export const originSchema = z.union([
  originUrl,
  z
    .object({
      url: originUrl,
      certificate: z
        .enum(['lab', 'untrusted'])
        .default('lab')
        .describe('"untrusted": served with a certificate from a CA no browser trusts'),
      state: z.enum(['running', 'stopped']).default('running').describe('"stopped": nothing listens on its port'),
    })
    .strict(),
]);

/** "." and ".." segments, also percent-encoded: the URL parser of every browser removes them. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * A request path as the browser will send it. A dot segment would be
 * normalised away before sending, so the request would not go where the
 * scenario says and the lab could not match it to its probe.
 */
const requestPath = z
  .string()
  .regex(/^\/[^\s#]*$/, { message: 'a path starts with "/" and has no spaces or "#"' })
  .refine(
    (path) =>
      !path
        .split('?')[0]!
        .split('/')
        .some((segment) => DOT_SEGMENT.test(segment)),
    {
      message:
        'a path must not have "." or ".." segments: the browser removes them before sending, so the request would not reach this path. Fix: write the path the browser requests (/a/../b is /b)',
    },
  );

export const REQUEST_KINDS = ['fetch', 'xhr', 'img-canvas', 'font', 'script', 'stylesheet', 'event-source'] as const;

export const requestSchema = z
  .object({
    kind: z.enum(REQUEST_KINDS).default('fetch'),
    target: z.string().describe('Name of the origin (under origins) the request goes to'),
    path: requestPath.default('/'),
    method: httpMethod.default('GET'),
    headers: z.record(headerName, headerValue).default({}),
    credentials: z.enum(['omit', 'same-origin', 'include']).default('same-origin'),
    mode: z.enum(['cors', 'no-cors']).default('cors'),
    body: z.string().optional(),
    readHeader: headerName
      .optional()
      .describe('When set, the outcome is "allowed" only if this response header is readable by the page'),
    repeat: z
      .number()
      .int()
      .min(1)
      .max(5)
      .default(1)
      .describe(
        'fetch/xhr: make the same request this many times in a row; the outcome is the last one (e.g. to see a cached preflight)',
      ),
    then: z
      .object({
        credentials: z.enum(['omit', 'same-origin', 'include']).optional(),
        headers: z.record(headerName, headerValue).optional(),
        context: z.enum(['page', 'sandboxed-iframe', 'data-url-iframe']).optional(),
      })
      .strict()
      .optional()
      .describe(
        'With repeat: what the requests after the first change (credentials, headers, context), e.g. to show the preflight cache is keyed by credentials mode or by origin',
      ),
    keepalive: z.boolean().optional().describe('fetch only: the keepalive flag'),
    context: z
      .enum(['page', 'sandboxed-iframe', 'data-url-iframe'])
      .default('page')
      .describe('Where the request is made: the runner page, or an iframe with an opaque origin (Origin: null)'),
    uploadListener: z
      .boolean()
      .optional()
      .describe('xhr only: register an upload progress listener, which makes the request need a preflight'),
    crossOrigin: z
      .enum(['none', 'anonymous', 'use-credentials'])
      .optional()
      .describe('img-canvas, script and stylesheet: the crossorigin attribute; default "none" (no attribute)'),
    drawVia: z
      .enum(['image', 'imageBitmap'])
      .optional()
      .describe('img-canvas only: draw the <img> itself (default) or createImageBitmap(img)'),
    requireCookie: z
      .string()
      .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, { message: 'a cookie name is an HTTP token' })
      .optional()
      .describe('The outcome is "allowed" only if this cookie reached the server with the (last) actual request'),
    fontVia: z
      .enum(['font-face-rule', 'font-face-api'])
      .optional()
      .describe('font only: a CSS @font-face rule (default) or the FontFace API'),
  })
  .strict()
  .superRefine((request, context) => {
    const onlyFor: [keyof typeof request, string[]][] = [
      ['crossOrigin', ['img-canvas', 'script', 'stylesheet']],
      ['drawVia', ['img-canvas']],
      ['fontVia', ['font']],
    ];
    for (const [field, kinds] of onlyFor) {
      if (request[field] !== undefined && !kinds.includes(request.kind)) {
        context.addIssue({
          code: 'custom',
          path: [field],
          message: `${field} applies to kind ${kinds.map((kind) => `"${kind}"`).join(', ')} only. Fix: remove it or change kind`,
        });
      }
    }
    // Element loads are GETs the browser makes itself; an EventSource may only choose credentials.
    const elementLoad = ['img-canvas', 'font', 'script', 'stylesheet', 'event-source'].includes(request.kind);
    const credentialsFixed = request.kind !== 'event-source' && request.credentials !== 'same-origin';
    if (
      elementLoad &&
      (request.method !== 'GET' ||
        Object.keys(request.headers).length > 0 ||
        request.body !== undefined ||
        request.mode !== 'cors' ||
        credentialsFixed ||
        request.credentials === 'omit')
    ) {
      context.addIssue({
        code: 'custom',
        path: ['kind'],
        message: `a ${request.kind} load is always a GET the browser makes itself, without author headers, body, mode or credentials. Fix: remove method, headers, body, mode and credentials`,
      });
    }
    if (request.kind !== 'fetch' && request.keepalive !== undefined) {
      context.addIssue({ code: 'custom', path: ['keepalive'], message: 'keepalive applies to kind "fetch" only' });
    }
    if (request.then !== undefined && request.repeat < 2) {
      context.addIssue({
        code: 'custom',
        path: ['then'],
        message: 'then changes the repeated requests, so it needs repeat: 2 or more',
      });
    }
    if (request.kind === 'img-canvas' && request.repeat !== 1) {
      context.addIssue({ code: 'custom', path: ['repeat'], message: 'repeat applies to fetch and xhr only' });
    }
    if (request.kind !== 'xhr') {
      if (request.uploadListener !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['uploadListener'],
          message: 'uploadListener applies to kind "xhr" only. Fix: remove it or set kind: xhr',
        });
      }
      return;
    }
    // XMLHttpRequest has no "omit" and no no-cors mode.
    if (request.credentials === 'omit') {
      context.addIssue({
        code: 'custom',
        path: ['credentials'],
        message:
          'XMLHttpRequest cannot omit credentials: use "same-origin" (withCredentials false) or "include" (withCredentials true)',
      });
    }
    if (request.mode !== 'cors') {
      context.addIssue({
        code: 'custom',
        path: ['mode'],
        message: 'XMLHttpRequest always uses mode "cors". Fix: remove mode or use kind: fetch',
      });
    }
  });

export const outcomeSchema = z.enum(['allowed', 'blocked']);

export const deviationSchema = z
  .object({
    outcome: z.enum(['allowed', 'blocked', 'error']),
    source: z.string().min(1).describe('Where this engine difference is documented (bug tracker URL or spec issue)'),
    profiles: z
      .array(z.enum(ENGINE_PROFILES))
      .min(1)
      .optional()
      .describe(
        'The engine profiles in which the deviation shows (for example, a cookie difference that a stricter cookie policy hides). Default: every profile',
      ),
    note: z.string().optional(),
  })
  .strict();

export const expectSchema = z
  .object({
    spec: outcomeSchema
      .optional()
      .describe(
        'What the Fetch standard predicts. Optional: the spec model predicts it; when given, a disagreement with the model is reported',
      ),
    cookiePolicy: z
      .boolean()
      .optional()
      .describe(
        'Whether the cookie is sent depends on the engine\'s third-party cookie policy: a cell where only the cookie was withheld is reported as "cookie policy", not as a deviation',
      ),
    deviations: z
      .partialRecord(z.enum(ENGINE_FAMILIES as [string, ...string[]]), deviationSchema)
      .optional()
      .describe('Known per-engine differences from the spec, each with a source'),
  })
  .strict()
  .default({});

const ID = /^[a-z0-9][a-z0-9-]*$/;

export const scenarioSchema = z
  .object({
    id: z.string().regex(ID, { message: 'an id is lowercase letters, digits and dashes, e.g. "simple-get-star"' }),
    title: z.string().min(1),
    description: z.string().optional(),
    tags: z.array(z.string()).default([]),
    isolation: z
      .string()
      .optional()
      .describe('Scenarios with the same isolation group share a browser context; default "shared"'),
    origins: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), originSchema).default({}),
    request: requestSchema,
    server: z.record(z.string(), z.record(z.string().regex(/^\//), routeSchema)).default({}),
    cookies: z
      .object({
        on: z.string().describe('Origin whose page sets the cookies in a first-party visit before the probe'),
        set: z.array(headerValue).min(1).describe('Set-Cookie values, e.g. "sid=1; SameSite=None; Secure; Path=/"'),
      })
      .strict()
      .optional()
      .describe(
        'Cookies set by a first-party visit before the request; the scenario starts with an empty cookie jar (cookie scenarios share one browser context, cleared of every cookie between them)',
      ),
    middleware: z
      .object({
        on: z
          .string()
          .optional()
          .describe('Origin whose probe requests a real middleware answers; default: the request target'),
        use: z
          .string()
          .min(1)
          .optional()
          .describe(
            'The middleware for this scenario when none is given with --middleware: cors, @fastify/cors, hono, @koa/cors, or a path to an adapter module (relative to this file)',
          ),
        policy: policySchema,
        passPreflights: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe(
            'With repeat: only the first N preflights reach the middleware; the lab answers later ones 403, so a repeated request succeeds only from the preflight cache (shows Max-Age)',
          ),
      })
      .strict()
      .optional()
      .describe(
        'Run with --middleware: a real CORS middleware, configured from this policy, answers the origin instead of `server` declarations',
      ),
    expect: expectSchema,
  })
  .strict();

/** A file holds one scenario, or a list sharing file-level origins and tags. */
export const scenarioFileSchema = z.union([
  z
    .object({
      origins: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), originSchema).default({}),
      tags: z.array(z.string()).default([]),
      scenarios: z.array(z.unknown()).min(1),
    })
    .strict(),
  z.record(z.string(), z.unknown()),
]);

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioData = z.output<typeof scenarioSchema>;
export type Answer = z.output<typeof answerSchema>;
export type Route = z.output<typeof routeSchema>;
export type RequestSpec = z.output<typeof requestSchema>;
export type Outcome = 'allowed' | 'blocked' | 'error';
export type Deviation = z.output<typeof deviationSchema>;
