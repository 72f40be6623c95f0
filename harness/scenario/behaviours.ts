// The engine-behaviour registry: what an engine does instead of the spec,
// as data (scenarios/engines.behaviours.yaml), each entry with a condition on
// the request and the answers and with its source. It applies to every
// scenario, the user's own included, to `check` and to `lab.probe`: a cell
// that does what an entry says is a known engine behaviour, not a new
// finding. A scenario may still declare a deviation of its own, which wins.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { yamlValue } from './yaml-value.ts';
import { z } from 'zod';
import {
  BUILD_KINDS,
  ENGINE_FAMILIES,
  ENGINE_PROFILES,
  type BuildKind,
  type EngineFamily,
  type EngineProfile,
} from '../engines/types.ts';
import { BUILTIN_CATALOG } from '../package/root.ts';
import { REQUEST_KINDS, type Deviation, type Outcome } from './schema.ts';
import type { ProbeRequest } from '../probes/bundle.ts';
import { siteOf } from '../spec/cookies.ts';

/** Files the catalog holds besides scenarios end so; the scenario loader leaves them out. */
export const BEHAVIOURS_SUFFIX = '.behaviours.yaml';
export const BUILTIN_BEHAVIOURS = join(BUILTIN_CATALOG, `engines${BEHAVIOURS_SUFFIX}`);

/** A dotted version, as engines report theirs ("156.0.8078.114", "153.8.0esr", "2.50.6"): its numbers are compared. */
const VERSION = /^\d+(\.\d+)*/;

/** Compares the leading dotted numbers of two versions: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const numbers = (version: string) => (VERSION.exec(version)?.[0] ?? '0').split('.').map(Number);
  const [left, right] = [numbers(a), numbers(b)];
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

const oneOrMore = <T extends z.ZodType>(item: T) => z.array(item).min(1);

/** Every field given must hold; a list holds when any of its values does. */
const conditionSchema = z
  .object({
    kind: oneOrMore(z.enum(REQUEST_KINDS)).optional().describe('The request kind (fetch, xhr, font, ...)'),
    crossOrigin: oneOrMore(z.enum(['none', 'anonymous', 'use-credentials']))
      .optional()
      .describe('img, script, stylesheet: the crossorigin attribute ("none": no attribute)'),
    credentials: oneOrMore(z.enum(['omit', 'same-origin', 'include']))
      .optional()
      .describe('The credentials mode the request really uses'),
    sameOrigin: z.boolean().optional().describe('The target is (true) or is not (false) same origin with the page'),
    pageScheme: z.enum(['http', 'https']).optional(),
    targetScheme: z.enum(['http', 'https']).optional(),
    requestHeader: z.string().optional().describe('The request carries this header (any case)'),
    preflightAllowHeaders: z
      .string()
      .optional()
      .describe('A preflight answer has exactly this Access-Control-Allow-Headers value'),
    answerStatus: z.number().int().optional().describe('An answer (after the first request) has this status, e.g. 304'),
    requireCookie: z.boolean().optional().describe('The outcome depends on a cookie being sent (requireCookie)'),
    cookieAttribute: z
      .string()
      .optional()
      .describe('A cookie the scenario sets has this attribute (any case), e.g. Partitioned'),
    thirdPartyCookie: z
      .boolean()
      .optional()
      .describe("The cookies are set on a site other than the page's (third-party when the page makes the request)"),
    preflightAllowOrigin: z
      .string()
      .optional()
      .describe('A preflight answer has exactly this Access-Control-Allow-Origin value, e.g. "null"'),
    redirectBackToPageOrigin: z
      .boolean()
      .optional()
      .describe("The redirects leave the page's origin and come back to it (the hops back carry Origin null)"),
    preflightAfterCrossOriginRedirect: z
      .boolean()
      .optional()
      .describe(
        'A preflight follows a redirect to another origin (the spec sends Origin null on it when the redirect left a cross-origin URL)',
      ),
  })
  .strict();

/** What of a request can differ from the spec's: of the first request (preflight first or not, its mode, its Origin) or of a later hop. */
export const SHAPE_FIELDS = [
  'preflight',
  'mode',
  'origin',
  'kind',
  'method',
  'url',
  'asks',
  'cookies',
  'missing hop',
  'extra hop',
] as const;
export type ShapeField = (typeof SHAPE_FIELDS)[number];

/** Where an engine's requests first part from the spec's: the first request's fields that differ, or the field of the first later hop that does. */
export interface ShapeDeparture {
  request: 'first' | 'later';
  fields: ShapeField[];
}

export const behaviourSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    engines: oneOrMore(z.enum(ENGINE_FAMILIES as [EngineFamily, ...EngineFamily[]])),
    profiles: oneOrMore(z.enum(ENGINE_PROFILES))
      .optional()
      .describe('The engine profiles it shows in; default: every profile'),
    kinds: oneOrMore(z.enum(BUILD_KINDS as [BuildKind, ...BuildKind[]]))
      .optional()
      .describe(
        'The kinds of build it shows in: "full" (the full browser), "headless-shell" (Chromium\'s headless shell, a different browser on some cookie cases); default: every kind',
      ),
    versions: z
      .partialRecord(
        z.enum(ENGINE_FAMILIES as [EngineFamily, ...EngineFamily[]]),
        z.object({ from: z.string().regex(VERSION).optional(), before: z.string().regex(VERSION).optional() }).strict(),
      )
      .optional()
      .describe(
        'Per engine, the builds it shows in: from this version on, and/or before this one (dotted numbers, e.g. "156" or "2.50"); default: every build',
      ),
    outcome: z
      .enum(['allowed', 'blocked', 'error'])
      .optional()
      .describe('The outcome the engine gives where the condition holds (an outcome entry)'),
    requestShape: z
      .object({
        request: z
          .enum(['first', 'later'])
          .describe(
            'The first request, or a later hop (a redirect hop, the preflight or request after one, a repeated request)',
          ),
        field: z
          .enum(SHAPE_FIELDS)
          .describe(
            'What differs: of the first request preflight, mode or origin; of a later hop kind (a preflight where the spec sends the request, or the reverse), method, url, origin, mode, asks (Access-Control-Request-*), cookies, missing hop or extra hop',
          ),
      })
      .strict()
      .optional()
      .describe(
        'How the engine makes the request instead of as the spec does, where the condition holds (a request-shape entry): a cell with the spec\'s outcome that differs so reads "known request-shape behaviour", not ?',
      ),
    cookiePolicy: z
      .boolean()
      .optional()
      .describe(
        'The entry is the engine\'s third-party cookie policy under these profiles: a cell where only the cookie was withheld reads "cookie policy" (c)',
      ),
    when: conditionSchema,
    source: z
      .string()
      .min(1)
      .describe('Upstream bug, spec issue, WPT result, or "measured by cors-lab" with the build'),
  })
  .strict()
  .refine((entry) => (entry.outcome === undefined) !== (entry.requestShape === undefined), {
    message:
      'an entry says either the outcome the engine gives (outcome) or how it makes the request (requestShape). Fix: give exactly one of them',
    path: ['outcome'],
  });

export type Behaviour = z.output<typeof behaviourSchema>;
export type BehaviourCondition = z.output<typeof conditionSchema>;

/** What the registry's conditions are held against: the request as the engine is asked to make it, and the answers the server gives. */
export interface BehaviourCase {
  kind: string;
  crossOrigin: 'none' | 'anonymous' | 'use-credentials';
  credentials: 'omit' | 'same-origin' | 'include';
  sameOrigin: boolean;
  pageScheme: string;
  targetScheme: string;
  /** Request header names, lowercased. */
  requestHeaders: string[];
  answers: { kind: 'preflight' | 'request'; status: number; headers: [string, string][] }[];
  requireCookie: boolean;
  /** Set-Cookie values the scenario's first-party visit sets. */
  cookies: string[];
  /** The cookies are set on another site than the page's. */
  thirdPartyCookie: boolean;
  /** The redirects leave the page's origin and come back to it. */
  redirectBackToPageOrigin: boolean;
  /** A preflight follows a redirect to another origin. */
  preflightAfterCrossOriginRedirect: boolean;
}

/** Whether every field of `when` holds for `found`. */
export function conditionHolds(when: BehaviourCondition, found: BehaviourCase): boolean {
  const header = (headers: [string, string][], name: string) =>
    headers.filter(([key]) => key.toLowerCase() === name).map(([, value]) => value.trim());
  const checks: boolean[] = [
    when.kind === undefined || when.kind.includes(found.kind as (typeof REQUEST_KINDS)[number]),
    when.crossOrigin === undefined || when.crossOrigin.includes(found.crossOrigin),
    when.credentials === undefined || when.credentials.includes(found.credentials),
    when.sameOrigin === undefined || when.sameOrigin === found.sameOrigin,
    when.pageScheme === undefined || when.pageScheme === found.pageScheme,
    when.targetScheme === undefined || when.targetScheme === found.targetScheme,
    when.requestHeader === undefined || found.requestHeaders.includes(when.requestHeader.toLowerCase()),
    when.preflightAllowHeaders === undefined ||
      found.answers.some(
        (answer) =>
          answer.kind === 'preflight' &&
          header(answer.headers, 'access-control-allow-headers').join(', ') === when.preflightAllowHeaders,
      ),
    when.answerStatus === undefined || found.answers.slice(1).some((answer) => answer.status === when.answerStatus),
    when.requireCookie === undefined || when.requireCookie === found.requireCookie,
    when.thirdPartyCookie === undefined || when.thirdPartyCookie === found.thirdPartyCookie,
    when.preflightAllowOrigin === undefined ||
      found.answers.some(
        (answer) =>
          answer.kind === 'preflight' &&
          header(answer.headers, 'access-control-allow-origin').join(', ') === when.preflightAllowOrigin,
      ),
    when.redirectBackToPageOrigin === undefined || when.redirectBackToPageOrigin === found.redirectBackToPageOrigin,
    when.preflightAfterCrossOriginRedirect === undefined ||
      when.preflightAfterCrossOriginRedirect === found.preflightAfterCrossOriginRedirect,
    when.cookieAttribute === undefined ||
      found.cookies.some((cookie) =>
        cookie
          .split(';')
          .slice(1)
          .some((part) => part.trim().split('=')[0]!.toLowerCase() === when.cookieAttribute!.toLowerCase()),
      ),
  ];
  return checks.every(Boolean);
}

export interface BehaviourProblem {
  file: string;
  field: string;
  message: string;
}

/** Reads a registry file; every problem names the file and the field. */
export function loadBehaviours(
  file: string,
  text = readFileSync(file, 'utf8'),
): { behaviours: Behaviour[]; problems: BehaviourProblem[] } {
  const read = yamlValue(parseDocument(text));
  if ('problems' in read) return { behaviours: [], problems: read.problems.map((problem) => ({ file, ...problem })) };
  const parsed = z
    .object({ behaviours: z.array(behaviourSchema) })
    .strict()
    .safeParse(read.value);
  if (!parsed.success)
    return {
      behaviours: [],
      problems: parsed.error.issues.map((issue) => ({
        file,
        field: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    };
  const ids = new Set<string>();
  const problems: BehaviourProblem[] = [];
  parsed.data.behaviours.forEach((behaviour, index) => {
    if (ids.has(behaviour.id))
      problems.push({
        file,
        field: `behaviours.${index}.id`,
        message: `"${behaviour.id}" is used twice. Fix: give one another id`,
      });
    ids.add(behaviour.id);
  });
  return { behaviours: problems.length > 0 ? [] : parsed.data.behaviours, problems };
}

let builtIn: Behaviour[] | undefined;

/** The built-in registry; a broken one is a harness failure, never silently empty. */
export function builtInBehaviours(): Behaviour[] {
  if (builtIn) return builtIn;
  const { behaviours, problems } = loadBehaviours(BUILTIN_BEHAVIOURS);
  if (problems.length > 0)
    throw new Error(
      `the engine-behaviour registry is broken: ${problems.map((problem) => `${problem.file}: ${problem.field}: ${problem.message}`).join('; ')}`,
    );
  return (builtIn = behaviours);
}

/** The registry entries whose conditions hold for a case, in any engine. */
export function behavioursFor(found: BehaviourCase, registry: Behaviour[] = builtInBehaviours()): Behaviour[] {
  return registry.filter((behaviour) => conditionHolds(behaviour.when, found));
}

/** The engine build a cell comes from: its family, its profile, and its version and kind where it ran (absent in static checks: no version range or kind is then applied). */
export interface EngineBuild {
  family: EngineFamily;
  profile: EngineProfile;
  version?: string;
  kind?: BuildKind;
}

/** The build of a launched engine, as the registry matches it. */
export function buildOf(
  info: { family: EngineFamily; version: string; build?: { kind: BuildKind } },
  profile: EngineProfile,
): EngineBuild {
  return { family: info.family, profile, version: info.version, ...(info.build ? { kind: info.build.kind } : {}) };
}

function appliesTo(behaviour: Behaviour, build: EngineBuild): boolean {
  if (!behaviour.engines.includes(build.family)) return false;
  if (behaviour.profiles !== undefined && !behaviour.profiles.includes(build.profile)) return false;
  if (behaviour.kinds !== undefined && build.kind !== undefined && !behaviour.kinds.includes(build.kind)) return false;
  const range = behaviour.versions?.[build.family];
  if (!range || build.version === undefined) return true;
  return (
    (range.from === undefined || compareVersions(build.version, range.from) >= 0) &&
    (range.before === undefined || compareVersions(build.version, range.before) < 0)
  );
}

/** The entry that applies to one engine build, if any. */
export function behaviourIn(matching: Behaviour[] | undefined, build: EngineBuild): Behaviour | undefined {
  return matching?.find((behaviour) => appliesTo(behaviour, build));
}

/** The case of one request as a probe makes it from `pageOrigin` ("null" for an opaque one), with the answers the server gives. */
export function caseOfRequest(
  request: ProbeRequest,
  pageOrigin: string,
  answers: BehaviourCase['answers'],
  scenario: { requireCookie?: string; cookies?: string[]; cookieOrigin?: string } = {},
): BehaviourCase {
  const target = new URL(request.url);
  const page = pageOrigin === 'null' ? undefined : new URL(pageOrigin);
  return {
    kind: request.kind,
    crossOrigin: request.crossOrigin ?? 'none',
    credentials: request.credentials,
    sameOrigin: page !== undefined && page.origin === target.origin,
    pageScheme: page?.protocol.replace(':', '') ?? '',
    targetScheme: target.protocol.replace(':', ''),
    requestHeaders: Object.keys(request.headers).map((name) => name.toLowerCase()),
    answers,
    requireCookie: scenario.requireCookie !== undefined,
    cookies: scenario.cookies ?? [],
    thirdPartyCookie:
      scenario.cookieOrigin !== undefined &&
      (page === undefined || siteOf(new URL(scenario.cookieOrigin)) !== siteOf(page)),
    ...redirectsOf(target, page, answers),
  };
}

/** What the redirects among the answers do, followed from the request's URL through each Location. */
function redirectsOf(
  target: URL,
  page: URL | undefined,
  answers: BehaviourCase['answers'],
): Pick<BehaviourCase, 'redirectBackToPageOrigin' | 'preflightAfterCrossOriginRedirect'> {
  let current = target;
  let leftPage = page !== undefined && target.origin !== page.origin;
  let redirectBackToPageOrigin = false;
  let preflightAfterCrossOriginRedirect = false;
  answers.forEach((answer, index) => {
    const location = answer.headers.find(([name]) => name.toLowerCase() === 'location')?.[1];
    if (answer.kind !== 'request' || answer.status < 300 || answer.status > 399 || location === undefined) return;
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      return;
    }
    if (page && next.origin === page.origin && leftPage) redirectBackToPageOrigin = true;
    if (page && next.origin !== page.origin) leftPage = true;
    if (next.origin !== current.origin && answers[index + 1]?.kind === 'preflight')
      preflightAfterCrossOriginRedirect = true;
    current = next;
  });
  return { redirectBackToPageOrigin, preflightAfterCrossOriginRedirect };
}

/** The entry that predicts another outcome than the spec for this engine build: an entry that agrees with the spec adds nothing to a cell. */
export function departingBehaviour(
  matching: Behaviour[] | undefined,
  build: EngineBuild,
  spec: Outcome,
): Behaviour | undefined {
  return behaviourIn(
    matching?.filter((entry) => entry.outcome !== undefined && entry.outcome !== spec),
    build,
  );
}

/** A registry entry as the deviation a cell is held to. */
export function asDeviation(behaviour: Behaviour): Deviation {
  return {
    outcome: behaviour.outcome!,
    source: behaviour.source,
    note: `known engine behaviour ${behaviour.id} (${BUILTIN_BEHAVIOURS_NAME}): ${behaviour.title}`,
  };
}

/** The request-shape entry that says this engine build's requests depart from the spec's as they did. */
export function requestShapeBehaviour(
  matching: Behaviour[] | undefined,
  build: EngineBuild,
  departure: ShapeDeparture,
): Behaviour | undefined {
  return behaviourIn(
    matching?.filter(
      (entry) =>
        entry.requestShape?.request === departure.request && departure.fields.includes(entry.requestShape.field),
    ),
    build,
  );
}

/** The deviation the registry holds a cell to, if an entry departs from the spec for its engine build. */
export function behaviourDeviation(
  matching: Behaviour[] | undefined,
  build: EngineBuild,
  spec: Outcome,
): Deviation | undefined {
  const behaviour = departingBehaviour(matching, build, spec);
  return behaviour ? asDeviation(behaviour) : undefined;
}

const BUILTIN_BEHAVIOURS_NAME = `scenarios/engines${BEHAVIOURS_SUFFIX}`;
