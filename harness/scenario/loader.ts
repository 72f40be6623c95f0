// Loads scenario files (YAML), validates them and resolves their origins.
// Every problem in every file is collected, so one bad file never hides
// another; each problem names the file, the field path and the fix.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { yamlValue } from './yaml-value.ts';
import { z } from 'zod';
import { descriptionAt, didYouMean, fieldsAt } from './suggest.ts';
import { BEHAVIOURS_SUFFIX } from './behaviours.ts';
import { BUILTIN_CATALOG } from '../package/root.ts';

/** Files with this suffix hold the BCD mapping (compat-map.ts), not scenarios. */
export const COMPAT_MAP_SUFFIX = '.bcd.yaml';
import {
  ORIGIN_PATTERN,
  originSchema,
  scenarioFileSchema,
  scenarioSchema,
  type Deviation,
  type RequestSpec,
  type Route,
  type ScenarioData,
} from './schema.ts';
import type { EngineFamily } from '../engines/types.ts';
import type { CorsPolicy } from './policy.ts';

export type PortSlot = 'main' | 'alt' | 'third';

export interface LabOrigin {
  name: string;
  scheme: 'http' | 'https';
  host: string;
  slot: PortSlot;
  certificate: 'lab' | 'untrusted';
  state: 'running' | 'stopped';
}

export interface Scenario {
  id: string;
  title: string;
  description?: string;
  /** Path relative to the working directory, for reports. */
  file: string;
  tags: string[];
  isolation: string;
  origins: Record<string, LabOrigin>;
  page: LabOrigin;
  target: LabOrigin;
  request: RequestSpec;
  /** Routes per origin name, keyed by path. */
  server: Record<string, Record<string, Route>>;
  /** spec is the scenario's own claim, checked against the spec model; optional. */
  expect: { spec?: 'allowed' | 'blocked'; cookiePolicy: boolean; deviations: Partial<Record<EngineFamily, Deviation>> };
  /** Cookies a first-party visit to `on` sets before the probe. */
  cookies?: { on: LabOrigin; set: string[] };
  /** With --middleware: the origin a real middleware answers, and its policy (templates not yet filled). */
  middleware?: { on: LabOrigin; policy: CorsPolicy; passPreflights?: number; use?: string };
}

export interface ScenarioProblem {
  file: string;
  /** Field path inside the file, e.g. "scenarios[2].request.method". */
  field: string;
  message: string;
}

export interface LoadResult {
  scenarios: Scenario[];
  problems: ScenarioProblem[];
}

export function formatProblem(problem: ScenarioProblem): string {
  return `${problem.file}: ${problem.field || '(file)'}: ${problem.message}`;
}

/** Expands files and directories (recursively) into scenario files, sorted. */
export function findScenarioFiles(paths: string[]): { files: string[]; problems: ScenarioProblem[] } {
  const files: string[] = [];
  const problems: ScenarioProblem[] = [];
  for (const path of paths) {
    let stats;
    try {
      stats = statSync(path);
    } catch {
      problems.push({ file: path, field: '', message: `no such file or directory. Fix: ${missingPathFix(path)}` });
      continue;
    }
    if (stats.isDirectory()) files.push(...walk(path));
    else files.push(path);
  }
  return { files: [...new Set(files.map((file) => resolve(file)))], problems };
}

/** A path the guides write as in a clone (scenarios/preflight) names the installed catalog's folder of that name. */
function missingPathFix(path: string): string {
  const inCatalog = /^(?:\.\/)?scenarios[/\\](.+)$/.exec(path)?.[1];
  const builtin = inCatalog ? join(BUILTIN_CATALOG, inCatalog) : undefined;
  if (builtin && existsSync(builtin) && resolve(builtin) !== resolve(path))
    return `the built-in catalog's ${inCatalog} is ${relative(process.cwd(), builtin)}`;
  return 'check the path';
}

function walk(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...walk(full));
    // The engine-behaviour registry sits beside the scenarios it explains, and is no scenario.
    else if (
      ['.yaml', '.yml'].includes(extname(entry.name)) &&
      !entry.name.endsWith(BEHAVIOURS_SUFFIX) &&
      !entry.name.endsWith(COMPAT_MAP_SUFFIX)
    )
      found.push(full);
  }
  return found;
}

export function loadScenarios(paths: string[]): LoadResult {
  const { files, problems } = findScenarioFiles(paths);
  const scenarios: Scenario[] = [];
  for (const file of files) {
    const loaded = loadScenarioText(readFileSync(file, 'utf8'), displayPath(file));
    scenarios.push(...loaded.scenarios);
    problems.push(...loaded.problems);
  }
  // Ids name rows in every report, so they must be unique across the run.
  const seen = new Map<string, string>();
  for (const scenario of scenarios) {
    const other = seen.get(scenario.id);
    if (other !== undefined) {
      problems.push({
        file: scenario.file,
        field: 'id',
        message: `"${scenario.id}" is already used in ${other}. Fix: give one of them another id`,
      });
    } else seen.set(scenario.id, scenario.file);
  }
  return { scenarios, problems };
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** Parses one file's text. Exported for tests and for scenarios built in code. */
export function loadScenarioText(text: string, file: string): LoadResult {
  const problems: ScenarioProblem[] = [];
  const read = yamlValue(parseDocument(text, { prettyErrors: true, uniqueKeys: true }));
  if ('problems' in read) return { scenarios: [], problems: read.problems.map((problem) => ({ file, ...problem })) };
  const raw: unknown = read.value;
  const shape = scenarioFileSchema.safeParse(raw);
  if (!shape.success || raw === null || typeof raw !== 'object') {
    const what = 'a scenario (a mapping with id, title and request) or a mapping with a "scenarios" list';
    problems.push({
      file,
      field: '',
      // An empty file (or one of comments only) reads as null.
      message: raw === null || raw === undefined ? `the file is empty. Fix: write ${what}` : `expected ${what}`,
    });
    return { scenarios: [], problems };
  }

  const fileLevel = raw as Record<string, unknown>;
  const isList = Array.isArray(fileLevel.scenarios);
  const entries: { input: unknown; prefix: string }[] = isList
    ? (fileLevel.scenarios as unknown[]).map((input, index) => ({ input, prefix: `scenarios[${index}]` }))
    : [{ input: { id: basename(file, extname(file)), ...fileLevel }, prefix: '' }];
  // Every problem of the file in one pass: the file-level ones, then each
  // scenario's fields and references. A bad shared origin is reported once
  // and its name still counts as declared, so references to it add nothing.
  let shared: { origins: ScenarioData['origins']; tags: string[] } = { origins: {}, tags: [] };
  const badOrigins = new Set<string>();
  if (isList) {
    const listSchema = scenarioFileSchema.options[0];
    const listShape = listSchema.safeParse(raw, { reportInput: true });
    if (listShape.success) shared = listShape.data;
    else {
      problems.push(...zodProblems(file, '', listShape.error, listSchema));
      const origins =
        fileLevel.origins !== null && typeof fileLevel.origins === 'object'
          ? (fileLevel.origins as Record<string, unknown>)
          : {};
      for (const [name, value] of Object.entries(origins)) {
        const origin = originSchema.safeParse(value);
        if (origin.success) shared.origins[name] = origin.data;
        else badOrigins.add(name);
      }
      const tags = z.array(z.string()).safeParse(fileLevel.tags ?? []);
      if (tags.success) shared.tags = tags.data;
    }
  }

  const scenarios: Scenario[] = [];
  for (const { input, prefix } of entries) {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      problems.push({
        file,
        field: prefix,
        message: 'expected a mapping (a scenario with id, title, request, expect)',
      });
      continue;
    }
    const merged = { ...(input as Record<string, unknown>) };
    // Only a mapping and a list merge with the file's own: anything else stays
    // as written, for the schema to name (a string spread would become one
    // field per character, a million problems for a long one).
    if (merged.origins === undefined || isMapping(merged.origins))
      merged.origins = { ...shared.origins, ...(merged.origins ?? {}) };
    if (shared.tags.length > 0 && (merged.tags === undefined || Array.isArray(merged.tags)))
      merged.tags = [...shared.tags, ...((merged.tags as unknown[] | undefined) ?? [])];
    const parsed = scenarioSchema.safeParse(merged, { reportInput: true });
    if (!parsed.success) {
      const fieldProblems = zodProblems(file, prefix, parsed.error, scenarioSchema);
      problems.push(...fieldProblems);
      // The references too, as far as the fields they use are well formed.
      const reported = new Set(fieldProblems.map((problem) => problem.field));
      const covered = (field: string) => [...reported].some((at) => field.startsWith(at));
      const declared = [...Object.keys(isMapping(merged.origins) ? merged.origins : shared.origins), ...badOrigins];
      problems.push(
        ...[
          ...referenceProblems(merged as LooseScenario, declared, file, prefix),
          ...looseTemplateProblems(merged, declared, file, prefix),
        ].filter((problem) => !covered(problem.field)),
      );
      // A missing page origin is said with the rest, not only once they are fixed.
      const pageField = joinPath(prefix, ['origins', 'page']);
      if (!declared.includes('page') && !covered(pageField)) problems.push(missingPageProblem(file, pageField));
      continue;
    }
    const resolved = resolveScenario(parsed.data, file, prefix, badOrigins);
    if ('problems' in resolved) problems.push(...resolved.problems);
    else if (!('unresolved' in resolved)) scenarios.push(resolved.scenario);
  }
  return { scenarios, problems };
}

/**
 * The templates of a scenario the schema refused, in the fields that take
 * them (request, server, middleware), so a misspelt {{origin.NAME}} is said
 * with the other problems, not only once they are fixed.
 */
function looseTemplateProblems(
  data: Record<string, unknown>,
  declared: string[],
  file: string,
  prefix: string,
): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  const visit = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === 'string')
      for (const message of templateProblems(value, declared))
        problems.push({ file, field: joinPath(prefix, path), message });
    else if (Array.isArray(value)) value.forEach((item, index) => visit(item, [...path, index]));
    else if (isMapping(value)) for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
  };
  for (const key of ['request', 'server', 'middleware']) visit(data[key], [key]);
  return problems;
}

/** A scenario without the origin its runner page is served from. */
function missingPageProblem(file: string, field: string): ScenarioProblem {
  return {
    file,
    field,
    message:
      'every scenario needs a "page" origin: where the runner page that makes the request is served. Fix: add origins.page, e.g. https://app.site-a.localhost',
  };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Problems a single zod error may add: past this, one line says how many more (a list of a million wrong items is one mistake, not a million lines). */
const MAX_ZOD_PROBLEMS = 20;

function joinPath(prefix: string, path: PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/**
 * A union's own issue says only "Invalid input". The branch whose issues go
 * deepest into the value is the one the author meant (an answer object with
 * a bad field, not a list of answers), so its issues are reported instead,
 * each at its full path.
 */
function specificIssues(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const depth = (issues: z.core.$ZodIssue[]) => Math.max(0, ...issues.map((inner) => inner.path.length));
  const meant = issue.errors.reduce((best, branch) => (depth(branch) > depth(best) ? branch : best));
  if (depth(meant) === 0) return [issue];
  return meant.flatMap((inner) => specificIssues({ ...inner, path: [...issue.path, ...inner.path] }));
}

/** Problems from a zod error, each at its path; with `schema`, an unknown field or value gets the nearest allowed one ("did you mean"). */
export function zodProblems(file: string, prefix: string, error: z.ZodError, schema?: z.ZodType): ScenarioProblem[] {
  const all = allZodProblems(file, prefix, error, schema);
  if (all.length <= MAX_ZOD_PROBLEMS) return all;
  return [
    ...all.slice(0, MAX_ZOD_PROBLEMS),
    {
      file,
      field: prefix,
      message: `and ${all.length - MAX_ZOD_PROBLEMS} more problems; the first ${MAX_ZOD_PROBLEMS} are above. Fix: those first, then read again`,
    },
  ];
}

function allZodProblems(file: string, prefix: string, error: z.ZodError, schema?: z.ZodType): ScenarioProblem[] {
  return error.issues.flatMap(specificIssues).flatMap((issue) => {
    const field = joinPath(prefix, issue.path);
    if (issue.code === 'unrecognized_keys') {
      const known = schema ? fieldsAt(schema, issue.path) : [];
      // One problem per unknown field, each at its own path, with the field meant where one is near.
      return issue.keys.map((key) => {
        const meant = didYouMean(key, known);
        const fix = meant
          ? `did you mean "${meant}"? Fix: rename it to ${meant}`
          : `Fix: remove it or correct the spelling${known.length > 0 ? ` (fields here: ${known.join(', ')})` : ''}`;
        return { file, field: joinPath(field, [key]), message: `unknown field "${key}": ${fix}` };
      });
    }
    let message = issue.message;
    if (issue.code === 'invalid_type') {
      // What the field is for, from the schema, and the fix: a field's name alone does not say what to write.
      const purpose = schema ? descriptionAt(schema, issue.path) : undefined;
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (received === 'undefined')
        message = `this field is required (${issue.expected} expected${purpose ? `: ${purpose}` : ''}). Fix: add ${String(issue.path.at(-1) ?? 'it')}`;
      else {
        // A value of the wrong kind (a list where a map goes), in YAML's words.
        const wanted = KIND_WORDS[issue.expected] ?? issue.expected;
        message = `expected ${wanted}${received ? `, got ${KIND_WORDS[received] ?? received}` : ''}${purpose ? ` (${purpose})` : ''}. Fix: write ${wanted} here`;
      }
    } else if (issue.code === 'invalid_value' && 'values' in issue) {
      const values = (issue.values as unknown[]).map((value) => String(value));
      const given = valueAt(issue);
      const meant = typeof given === 'string' ? didYouMean(given, values) : undefined;
      const got = given === undefined ? '' : `, got ${JSON.stringify(given)}`;
      message = `expected one of ${values.map((value) => JSON.stringify(value)).join(', ')}${got}${meant ? `; did you mean ${JSON.stringify(meant)}?` : ''}`;
    }
    return [{ file, field, message }];
  });
}

/** zod's names of a value's kind, as a YAML or JSON author calls them. */
const KIND_WORDS: Record<string, string> = {
  record: 'a map (name: value)',
  object: 'a map of fields',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  null: 'null',
};

/** The value an issue is about, where zod keeps it. */
function valueAt(issue: z.core.$ZodIssue): unknown {
  return (issue as { input?: unknown }).input;
}

function parseOrigin(name: string, value: ScenarioData['origins'][string]): LabOrigin {
  const url = typeof value === 'string' ? value : value.url;
  const match = ORIGIN_PATTERN.exec(url)!;
  return {
    name,
    scheme: match[1] as 'http' | 'https',
    host: match[2]!,
    slot: (match[7] as PortSlot | undefined) ?? 'main',
    certificate: typeof value === 'string' ? 'lab' : value.certificate,
    state: typeof value === 'string' ? 'running' : value.state,
  };
}

const TEMPLATE = /\{\{\s*([^}]*?)\s*\}\}/g;

/** Template references a value may use: {{origin.NAME}}, {{base.NAME}}, {{host.NAME}}, {{port.NAME}}, {{nonce}}. */
export function templateProblems(value: string, originNames: string[]): string[] {
  const found: string[] = [];
  for (const match of value.matchAll(TEMPLATE)) {
    const reference = match[1]!;
    if (reference === 'nonce') continue;
    const [kind, name] = reference.split('.');
    if (!['origin', 'base', 'host', 'port'].includes(kind ?? '') || name === undefined) {
      found.push(
        `unknown template {{${reference}}}. Fix: use {{origin.NAME}}, {{base.NAME}}, {{host.NAME}}, {{port.NAME}} or {{nonce}}`,
      );
    } else if (!originNames.includes(name)) {
      const meant = didYouMean(name, originNames);
      found.push(
        `{{${reference}}} names no declared origin${meant ? `; did you mean {{${kind}.${meant}}}?` : '.'} Fix: use one of ${originNames.join(', ')}`,
      );
    }
  }
  return found;
}

/** A middleware scenario that names no middleware itself: it runs only with --middleware. */
export function needsMiddlewareFlag(scenario: Scenario): boolean {
  return scenario.middleware !== undefined && scenario.middleware.use === undefined;
}

/** A built-in middleware name as it is; an adapter path is relative to the scenario's file, as a config's `ca` is to its file. */
function adapterSpec(use: string, file: string): string {
  return use.startsWith('.') ? resolve(dirname(file), use) : use;
}

/** The parts of a scenario that name origins, as written (checked before or without the rest being valid). */
interface LooseScenario {
  request?: { target?: unknown };
  server?: unknown;
  cookies?: { on?: unknown };
  middleware?: { on?: unknown };
}

/** Each origin name the scenario uses that `declared` lacks, with the names it could have meant. */
function referenceProblems(data: LooseScenario, declared: string[], file: string, prefix: string): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  const list = declared.length > 0 ? declared.join(', ') : '(none declared)';
  const check = (name: unknown, field: string, fix: string) => {
    if (typeof name !== 'string' || declared.includes(name)) return;
    const meant = didYouMean(name, declared);
    problems.push({
      file,
      field,
      message: `"${name}" is not a declared origin (${list}). ${meant ? `Did you mean "${meant}"? ` : ''}Fix: ${fix}`,
    });
  };
  const at = (...parts: (string | number)[]) => joinPath(prefix, parts);
  check(data.request?.target, at('request', 'target'), 'use one of them or declare it under origins');
  if (data.server !== null && typeof data.server === 'object')
    for (const name of Object.keys(data.server)) check(name, at('server', name), 'use one of them');
  // Without its own `on`, the middleware answers the target, checked above.
  check(data.middleware?.on, at('middleware', 'on'), 'use one of them');
  check(data.cookies?.on, at('cookies', 'on'), 'use one of them');
  return problems;
}

/**
 * A valid scenario's origins resolved and its references and templates
 * checked. One that names a shared origin the file declared badly (already
 * reported) is left unresolved without a second problem.
 */
function resolveScenario(
  data: ScenarioData,
  file: string,
  prefix: string,
  badOrigins: ReadonlySet<string> = new Set(),
): { scenario: Scenario } | { problems: ScenarioProblem[] } | { unresolved: true } {
  const problems: ScenarioProblem[] = [];
  const at = (...parts: (string | number)[]) => joinPath(prefix, parts);
  const origins: Record<string, LabOrigin> = {};
  for (const [name, value] of Object.entries(data.origins)) origins[name] = parseOrigin(name, value);
  const names = Object.keys(origins);

  if (!origins.page && !badOrigins.has('page')) {
    problems.push(missingPageProblem(file, at('origins', 'page')));
  } else if (origins.page && (origins.page.state === 'stopped' || origins.page.certificate === 'untrusted')) {
    problems.push({
      file,
      field: at('origins', 'page'),
      message: 'the page origin must be a running origin with the lab certificate, or no request could be made',
    });
  }
  problems.push(...referenceProblems(data, [...names, ...badOrigins], file, prefix));
  for (const [originName, routes] of Object.entries(data.server)) {
    if (!origins[originName]) continue; // reported above
    for (const [path, route] of Object.entries(routes)) {
      for (const phase of ['preflight', 'actual'] as const) {
        const declared = route[phase];
        if (!declared) continue;
        const sequence = Array.isArray(declared)
          ? declared.map((answer, index) => ({ answer, where: [phase, `[${index}]`] }))
          : [{ answer: declared, where: [phase] }];
        for (const { answer, where } of sequence) {
          const base = at('server', originName, path, ...where).replace(/\.\[/g, '[');
          const values = Object.entries(answer.headers).flatMap(([header, value]) =>
            (Array.isArray(value) ? value : [value]).map((text) => ({ field: `${base}.headers.${header}`, text })),
          );
          if (answer.body !== undefined) values.push({ field: `${base}.body`, text: answer.body });
          for (const { field, text } of values) {
            for (const message of templateProblems(text, names)) problems.push({ file, field, message });
          }
        }
      }
    }
  }
  for (const [header, value] of Object.entries(data.request.headers)) {
    for (const message of templateProblems(value, names))
      problems.push({ file, field: at('request', 'headers', header), message });
  }
  const middlewareOn = data.middleware?.on ?? data.request.target;
  if (data.middleware && Array.isArray(data.middleware.policy.origins)) {
    data.middleware.policy.origins.forEach((value, index) => {
      for (const message of templateProblems(value, names))
        problems.push({ file, field: at('middleware', 'policy', 'origins', index), message });
    });
  }
  if (data.request.body !== undefined && ['GET', 'HEAD'].includes(data.request.method.toUpperCase())) {
    problems.push({
      file,
      field: at('request', 'body'),
      message: `a ${data.request.method} request cannot have a body (fetch refuses it). Fix: remove body or use POST/PUT`,
    });
  }
  if (problems.length > 0) return { problems };
  // A reference to a shared origin the file declared badly: reported once, at the origin.
  const usesBadOrigin = [data.request.target, middlewareOn, data.cookies?.on, ...Object.keys(data.server)].some(
    (name) => name !== undefined && badOrigins.has(name),
  );
  if (usesBadOrigin || !origins.page) return { unresolved: true };

  return {
    scenario: {
      id: data.id,
      title: data.title,
      description: data.description,
      file,
      tags: data.tags,
      // Cookies would leak between scenarios sharing a context.
      isolation: data.cookies ? `cookies:${data.id}` : (data.isolation ?? 'shared'),
      origins,
      page: origins.page!,
      target: origins[data.request.target]!,
      request: data.request,
      server: data.server,
      expect: {
        spec: data.expect.spec,
        cookiePolicy: data.expect.cookiePolicy ?? false,
        deviations: (data.expect.deviations ?? {}) as Scenario['expect']['deviations'],
      },
      ...(data.cookies ? { cookies: { on: origins[data.cookies.on]!, set: data.cookies.set } } : {}),
      ...(data.middleware
        ? {
            middleware: {
              on: origins[middlewareOn]!,
              policy: data.middleware.policy,
              ...(data.middleware.passPreflights ? { passPreflights: data.middleware.passPreflights } : {}),
              ...(data.middleware.use ? { use: adapterSpec(data.middleware.use, file) } : {}),
            },
          }
        : {}),
    },
  };
}
