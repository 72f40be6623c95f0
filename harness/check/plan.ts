// What a check does, from the command line or a config file (YAML, or
// cors-lab.config.ts with defineConfig): endpoints of the user's server, the
// front-end origins to pose as with the outcome expected for each, and how to
// reach the server (--resolve, --ca). Validation errors name the file (or the
// flag), the field and the fix.
import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { BUILD_NAME } from '../engines/builds/names.ts';
import type { EngineId } from '../engines/types.ts';
import { MAX_PROBE_TIMEOUT_MS } from '../session/page.ts';
import { parseResolveRule, type ResolveRule } from '../../servers/upstream.ts';
import { importUserModule } from '../package/user-module.ts';
import { yamlFileValue } from '../scenario/yaml-value.ts';
import { parseOriginPattern, type OriginPattern } from './origin-pattern.ts';
import type { CheckSource } from '../result/check.ts';
import { zodProblems, type ScenarioProblem } from '../scenario/loader.ts';
import { headerName, headerValue, httpMethod, MAX_HEADER_VALUE_LENGTH } from '../scenario/schema.ts';

export const CHECK_KINDS = ['fetch', 'xhr', 'img-canvas', 'font'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];
export type Expectation = 'allowed' | 'blocked';

/** The page origins cors-lab can pose as: http(s), a host, an optional port, nothing else. */
const originString = z.string().superRefine((value, context) => {
  const problem = originProblem(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

const endpointSchema = z
  .object({
    name: z.string().min(1).optional().describe('Shown in the report; default "METHOD url"'),
    url: z.string().min(1).describe('Absolute, or relative to baseUrl'),
    method: httpMethod.default('GET'),
    headers: z
      .record(headerName, headerValue)
      .default({})
      .describe('Request headers the page sets, e.g. { X-Api-Key: k1, Content-Type: application/json }'),
    body: z
      .string()
      .optional()
      .describe(
        'The request body, sent as a page sends a string: Content-Type text/plain;charset=UTF-8 unless headers set one',
      ),
    credentials: z.enum(['omit', 'same-origin', 'include']).default('same-origin'),
    kind: z.enum(CHECK_KINDS).default('fetch'),
    origins: z
      .record(originString, z.enum(['allowed', 'blocked']))
      .refine((origins) => Object.keys(origins).length > 0, {
        message: 'list at least one origin, e.g. "https://app.example.com": allowed',
      })
      .describe(
        'Page origins to pose as, each with the outcome expected in every engine, e.g. { "https://app.example.com": allowed }',
      ),
  })
  .strict();

export const configSchema = z
  .object({
    baseUrl: z.string().url().optional().describe('Endpoint URLs may be relative to this, e.g. a preview deployment'),
    resolve: z
      .array(z.string())
      .default([])
      .describe(
        "curl's host:port:address[:port], to point a hostname at another server, e.g. api.example.com:443:127.0.0.1:8443",
      ),
    ca: z
      .array(z.string())
      .default([])
      .describe('PEM files of CAs to trust for the target (relative to the config file)'),
    browsers: z
      .array(
        z
          .string()
          .regex(
            BUILD_NAME,
            'a local engine or build: chromium, firefox, webkit, chromium-headless-shell, or a major version such as chromium@143, chromium-headless-shell@150, firefox@140',
          ),
      )
      .optional()
      .describe(
        'Engines to run (default: every engine found): chromium, firefox, webkit, or builds such as chromium@143 and firefox@140 (cors-lab install-browsers fetches them)',
      ),
    sweep: z
      .boolean()
      .default(true)
      .describe('Derive hostile origins from each allowed one and check the server refuses them'),
    allowOriginPatterns: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Origins you mean to allow, as a glob (https://*.example.com) or an anchored regex (^https://[a-z0-9-]+\\.example\\.com$): the sweep never poses one they admit, and tries look-alikes of them',
      ),
    missingPath: z
      .boolean()
      .default(true)
      .describe(
        'Also request a path that does not exist beside each endpoint, and report when error answers lack the CORS headers success answers carry',
      ),
    errorPaths: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Paths (or URLs) known to fail, e.g. /api/boom, requested like the endpoints to see whether their error answers carry CORS headers',
      ),
    timeout: z
      .number()
      .int()
      .min(100)
      .max(MAX_PROBE_TIMEOUT_MS)
      .optional()
      .describe('Per probe, in milliseconds (100 ms to 10 minutes)'),
    endpoints: z.array(endpointSchema).min(1),
  })
  .strict();

export type CheckConfig = z.input<typeof configSchema>;

/** Typed helper for cors-lab.config.ts: `export default defineConfig({ ... })`. */
export function defineConfig(config: CheckConfig): CheckConfig {
  return config;
}

export interface CheckEndpoint {
  name: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  credentials: 'omit' | 'same-origin' | 'include';
  kind: CheckKind;
  origins: { origin: string; expect: Expectation }[];
}

export interface CheckPlan {
  endpoints: CheckEndpoint[];
  resolve: ResolveRule[];
  /** CA certificates (PEM text) trusted for the target, with the files they came from. */
  ca: { file: string; pem: string }[];
  browsers?: EngineId[];
  sweep: boolean;
  allowOriginPatterns: OriginPattern[];
  missingPath: boolean;
  /** Paths or URLs known to fail, resolved against each endpoint's URL. */
  errorPaths: string[];
  timeoutMs?: number;
  /** Set when the endpoints were read from a HAR or an OpenAPI document. */
  source?: CheckSource;
}

export class CheckInputError extends Error {
  readonly problems: ScenarioProblem[];
  constructor(problems: ScenarioProblem[]) {
    super(problems.map((problem) => `${problem.file}: ${problem.field || '(file)'}: ${problem.message}`).join('\n'));
    this.problems = problems;
  }
}

/** Why `value` is not an origin cors-lab can pose as, or undefined. */
export function originProblem(value: string): string | undefined {
  const expectation = /^([^=]+)=(allowed|blocked)$/.exec(value);
  if (expectation)
    return `'${value}' holds an expectation, which is not part of the origin. Fix: --origin ${expectation[1]} --expect ${value} (in a config: origins: { "${expectation[1]}": ${expectation[2]} })`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `'${value}' is not an origin. Fix: scheme://host[:port], e.g. https://app.example.com`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `'${value}' must be http or https`;
  if (url.username || url.password || url.search || url.hash || !/^[a-z]+:\/\/[^/]+\/?$/i.test(value)) {
    return `'${value}' has more than scheme, host and port. Fix: drop the path, query or credentials`;
  }
  // The URL parser lets '*' and '=' into a host name; a browser then refuses the lab certificate that names it, for every origin of the run.
  if (url.hostname.includes('*'))
    return `'${value}' is a pattern, not an origin: a page has one origin. Fix: pose as an origin it admits (e.g. ${url.protocol}//app${url.hostname.slice(url.hostname.indexOf('*') + 1)}) and declare the policy with --allow-origin-pattern '${value}' (allowOriginPatterns in a config)`;
  if (!url.hostname.startsWith('[') && !DNS_NAME.test(url.hostname))
    return `'${value}': '${url.hostname}' is not a host name (letters, digits and hyphens, in labels of at most 63 between dots). Fix: write the host as a browser reaches it, e.g. app.example.com`;
  return undefined;
}

/** A host name as DNS and certificates have it (the URL parser has lowercased and punycoded it): labels of letters, digits and inner hyphens. */
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Serialized origin, as the browser will report it (a default port is dropped). */
export function serializeOrigin(value: string): string {
  return new URL(value).origin;
}

/** The command line's check flags, as commander names them. */
export interface CliCheckInput {
  origin: string[];
  expect: string[];
  method: string;
  header: string[];
  body?: string;
  credentials: 'omit' | 'same-origin' | 'include';
  kind: CheckKind;
  resolve: string[];
  ca: string[];
  sweep: boolean;
  /** Default none. */
  allowOriginPattern?: string[];
  /** Default true. */
  missingPath?: boolean;
  /** Default none. */
  errorPath?: string[];
}

/** The default page origin when none is given: a lab origin. */
export const DEFAULT_ORIGIN = 'https://app.site-a.localhost';

/** A plan from command-line flags; problems name the flag. */
export function planFromCli(url: string, input: CliCheckInput): CheckPlan {
  const problems: ScenarioProblem[] = [];
  const flag = (field: string, message: string) => problems.push({ file: 'command line', field, message });
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      flag('<url>', `'${url}' must be an http or https URL`);
  } catch {
    flag('<url>', `'${url}' is not a URL. Fix: give an absolute URL, e.g. https://api.example.com/users`);
  }
  const origins = originsFromCli(input.origin.length > 0 ? input.origin : [DEFAULT_ORIGIN], input.expect, flag);
  const headers: Record<string, string> = {};
  for (const line of input.header) {
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).trim();
    const value = colon === -1 ? '' : line.slice(colon + 1).trim();
    if (!headerName.safeParse(name).success || !headerValue.safeParse(value).success) {
      flag(
        '--header',
        `'${line.length > 80 ? `${line.slice(0, 80)}…` : line}' is not 'Name: value' (one header, no line breaks, a value of at most ${MAX_HEADER_VALUE_LENGTH} characters)`,
      );
    } else {
      headers[name] = value;
    }
  }
  const method = httpMethod.safeParse(input.method);
  if (!method.success) flag('--method', `${JSON.stringify(input.method)}: ${method.error.issues[0]!.message}`);
  const options = optionsFromCli(input, url, flag);
  if (problems.length > 0) throw new CheckInputError(problems);
  return {
    endpoints: [
      {
        name: `${input.method.toUpperCase()} ${url}`,
        url,
        method: input.method,
        headers,
        ...(input.body !== undefined ? { body: input.body } : {}),
        credentials: input.credentials,
        kind: input.kind,
        origins,
      },
    ],
    ...options,
  };
}

/**
 * A plan for endpoints read from a file (a HAR, an OpenAPI document) with the
 * command line's options. --origin, when given, replaces each endpoint's
 * origins (with --expect as for a URL); `originsRequired` says why there is
 * no origin without it.
 */
export function planForEndpoints(
  endpoints: CheckEndpoint[],
  source: CheckSource,
  input: CliCheckInput,
  originsRequired?: string,
): CheckPlan {
  const problems: ScenarioProblem[] = [];
  const flag = (field: string, message: string) => problems.push({ file: 'command line', field, message });
  if (input.origin.length === 0 && originsRequired)
    flag('--origin', `missing: ${originsRequired}. Fix: --origin https://app.example.com (repeatable)`);
  if (input.origin.length === 0 && input.expect.length > 0)
    flag('--expect', 'only with --origin: the requests are expected to be allowed from the origins they came from');
  const origins = input.origin.length > 0 ? originsFromCli(input.origin, input.expect, flag) : undefined;
  const options = optionsFromCli(input, endpoints[0]?.url, flag);
  if (problems.length > 0) throw new CheckInputError(problems);
  return {
    endpoints: origins ? endpoints.map((endpoint) => ({ ...endpoint, origins })) : endpoints,
    source,
    ...options,
  };
}

/** --origin values with their --expect outcomes, serialized as the browser reports them. */
function originsFromCli(
  origins: string[],
  expect: string[],
  flag: (field: string, message: string) => void,
): CheckEndpoint['origins'] {
  for (const origin of origins) {
    const problem = originProblem(origin);
    if (problem) flag('--origin', problem);
  }
  const expectations = parseExpectations(expect, origins, (message) => flag('--expect', message));
  return origins.map((origin, index) => ({
    origin: originProblem(origin) ? origin : serializeOrigin(origin),
    expect: expectations[index]!,
  }));
}

/** What every plan from the command line takes besides its endpoints: reaching the target, the sweep, patterns and error paths. */
function optionsFromCli(
  input: CliCheckInput,
  example: string | undefined,
  flag: (field: string, message: string) => void,
): Omit<CheckPlan, 'endpoints'> {
  return {
    resolve: parseResolveRules(input.resolve, (message) => flag('--resolve', message)),
    ca: readCaFiles(input.ca, process.cwd(), (message) => flag('--ca', message)),
    sweep: input.sweep,
    allowOriginPatterns: parsePatterns(input.allowOriginPattern ?? [], (message) =>
      flag('--allow-origin-pattern', message),
    ),
    missingPath: input.missingPath ?? true,
    errorPaths: checkErrorPaths(input.errorPath ?? [], example, (message) => flag('--error-path', message)),
  };
}

function parsePatterns(values: string[], problem: (message: string) => void): OriginPattern[] {
  return parseEach(values, parseOriginPattern, problem);
}

/** Each value parsed, or its problem (a parser's string answer) reported. */
function parseEach<T>(values: string[], parse: (value: string) => T | string, problem: (message: string) => void): T[] {
  const parsed: T[] = [];
  for (const value of values) {
    const result = parse(value);
    if (typeof result === 'string') problem(result);
    else parsed.push(result);
  }
  return parsed;
}

/** Error paths resolve against an endpoint's URL: a path (/api/boom) or an absolute http(s) URL. */
function checkErrorPaths(values: string[], example: string | undefined, problem: (message: string) => void): string[] {
  for (const value of values) {
    let resolved: URL | undefined;
    try {
      resolved = new URL(value, example ?? 'https://api.example.com/');
    } catch {
      resolved = undefined;
    }
    if (
      !resolved ||
      (resolved.protocol !== 'http:' && resolved.protocol !== 'https:') ||
      !/^(\/|https?:\/\/)/i.test(value)
    ) {
      problem(`'${value}' is not a path or an http(s) URL. Fix: give a path that fails on your server, e.g. /api/boom`);
    }
  }
  return values;
}

/**
 * --expect, once for every origin, once per origin in order, or as
 * ORIGIN=OUTCOME. Without it every origin given is expected to be allowed.
 */
function parseExpectations(values: string[], origins: string[], problem: (message: string) => void): Expectation[] {
  const outcome = (text: string): Expectation | undefined =>
    text === 'allowed' || text === 'blocked' ? text : undefined;
  const byOrigin = new Map<string, Expectation>();
  const positional: Expectation[] = [];
  for (const value of values) {
    const equals = value.lastIndexOf('=');
    const named = equals > 0 ? outcome(value.slice(equals + 1)) : undefined;
    if (named) {
      byOrigin.set(value.slice(0, equals), named);
    } else if (outcome(value)) {
      positional.push(outcome(value)!);
    } else {
      problem(`'${value}' is not allowed, blocked or ORIGIN=allowed|blocked`);
    }
  }
  if (positional.length > 1 && positional.length !== origins.length) {
    problem(
      `${positional.length} expectations for ${origins.length} origins: give one for all, one per --origin in order, or ORIGIN=OUTCOME`,
    );
  }
  for (const origin of byOrigin.keys()) {
    if (!origins.includes(origin)) problem(`'${origin}' is not among the --origin values`);
  }
  return origins.map(
    (origin, index) =>
      byOrigin.get(origin) ?? (positional.length === 1 ? positional[0]! : positional[index]) ?? 'allowed',
  );
}

function parseResolveRules(values: string[], problem: (message: string) => void): ResolveRule[] {
  return parseEach(values, parseResolveRule, problem);
}

function readCaFiles(
  paths: string[],
  base: string,
  problem: (message: string) => void,
): { file: string; pem: string }[] {
  const found: { file: string; pem: string }[] = [];
  for (const path of paths) {
    const file = resolvePath(base, path);
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problem(
        code === 'ENOENT'
          ? `${file} does not exist. Fix: give the path of your CA's certificate (PEM), e.g. rootCA.pem`
          : `cannot read ${file}: ${code ?? (error as Error).message}. Fix: make it readable, or give another path`,
      );
      continue;
    }
    const notPem = caPemProblem(file, pem);
    if (notPem) problem(notPem);
    else found.push({ file, pem });
  }
  return found;
}

/** Why `pem`, read from `file`, cannot be a CA to trust, or undefined. */
export function caPemProblem(file: string, pem: string): string | undefined {
  return pem.includes('-----BEGIN CERTIFICATE-----')
    ? undefined
    : `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
}

/** Loads cors-lab.config.ts / .js (default export, e.g. from defineConfig) or a YAML file. */
export async function planFromConfig(path: string): Promise<CheckPlan> {
  const file = resolvePath(path);
  let data: unknown;
  try {
    if (/\.(c|m)?(t|j)s$/.test(file)) {
      data = await importUserModule(file);
      if (data === undefined)
        throw new CheckInputError([
          { file, field: '', message: 'no default export. Fix: export default defineConfig({ ... })' },
        ]);
    } else {
      const read = yamlFileValue(file);
      if ('problems' in read) throw new CheckInputError(read.problems.map((problem) => ({ file, ...problem })));
      data = read.value;
    }
  } catch (error) {
    if (error instanceof CheckInputError) throw error;
    throw new CheckInputError([
      { file, field: '', message: `cannot load: ${(error as Error).message.split('\n')[0]}` },
    ]);
  }
  const parsed = configSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw new CheckInputError(zodProblems(file, '', parsed.error, configSchema));
  const config = parsed.data;
  const problems: ScenarioProblem[] = [];
  const endpoints: CheckEndpoint[] = config.endpoints.map((endpoint, index) => {
    let url = endpoint.url;
    try {
      url = new URL(endpoint.url, config.baseUrl).href;
    } catch {
      problems.push({
        file,
        field: `endpoints[${index}].url`,
        message: `'${endpoint.url}' is not absolute and there is no baseUrl. Fix: add baseUrl or write the full URL`,
      });
    }
    return {
      name: endpoint.name ?? `${endpoint.method.toUpperCase()} ${url}`,
      url,
      method: endpoint.method,
      headers: endpoint.headers,
      ...(endpoint.body !== undefined ? { body: endpoint.body } : {}),
      credentials: endpoint.credentials,
      kind: endpoint.kind,
      origins: Object.entries(endpoint.origins).map(([origin, expect]) => ({
        origin: serializeOrigin(origin),
        expect,
      })),
    };
  });
  const resolve = parseResolveRules(config.resolve, (message) => problems.push({ file, field: 'resolve', message }));
  const ca = readCaFiles(config.ca, dirname(file), (message) => problems.push({ file, field: 'ca', message }));
  const allowOriginPatterns = parsePatterns(config.allowOriginPatterns, (message) =>
    problems.push({ file, field: 'allowOriginPatterns', message }),
  );
  checkErrorPaths(config.errorPaths, config.baseUrl, (message) =>
    problems.push({ file, field: 'errorPaths', message }),
  );
  if (problems.length > 0) throw new CheckInputError(problems);
  return {
    endpoints,
    resolve,
    ca,
    ...(config.browsers ? { browsers: config.browsers } : {}),
    sweep: config.sweep,
    allowOriginPatterns,
    missingPath: config.missingPath,
    errorPaths: config.errorPaths,
    ...(config.timeout !== undefined ? { timeoutMs: config.timeout } : {}),
  };
}

/** The options that describe one endpoint: a config describes its endpoints itself. */
export const ENDPOINT_FLAGS = ['origin', 'expect', 'method', 'header', 'body', 'credentials', 'kind'] as const;

/**
 * A config's plan with what the command line adds: its --resolve rules (one
 * for a host and port the config also names replaces the config's), its
 * --ca files (read from the working directory), --allow-origin-pattern and
 * --error-path values; problems name the flag.
 */
export function withCommandLine(
  plan: CheckPlan,
  input: Pick<CliCheckInput, 'resolve' | 'ca' | 'allowOriginPattern' | 'errorPath'>,
): CheckPlan {
  const problems: ScenarioProblem[] = [];
  const flag = (field: string) => (message: string) => problems.push({ file: 'command line', field, message });
  const resolve = parseResolveRules(input.resolve, flag('--resolve'));
  const ca = readCaFiles(input.ca, process.cwd(), flag('--ca'));
  const patterns = parsePatterns(input.allowOriginPattern ?? [], flag('--allow-origin-pattern'));
  const errorPaths = checkErrorPaths(input.errorPath ?? [], undefined, flag('--error-path'));
  if (problems.length > 0) throw new CheckInputError(problems);
  const overridden = new Set(resolve.map((rule) => `${rule.host}:${rule.port}`));
  return {
    ...plan,
    resolve: [...plan.resolve.filter((rule) => !overridden.has(`${rule.host}:${rule.port}`)), ...resolve],
    ca: [...plan.ca, ...ca],
    allowOriginPatterns: [...plan.allowOriginPatterns, ...patterns],
    errorPaths: [...plan.errorPaths, ...errorPaths],
  };
}
