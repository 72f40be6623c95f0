// What a `cors-lab ui` run becomes when the person keeps it: a `check`
// config (the same request, held to what the spec says of the server's
// answers), a scenario file (the server's answers, replayed by the lab), or a
// vitest test (lab.probe against those answers, with the matchers).
import { stringify } from 'yaml';
import type { CheckPlan } from '../check/plan.ts';
import type { Replay } from '../result/check.ts';
import type { CheckResult } from '../result/result.ts';
import type { Outcome } from '../scenario/schema.ts';

export const EXPORT_KINDS = ['config', 'scenario', 'vitest'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface Exported {
  /** A file name to save it as. */
  fileName: string;
  contentType: string;
  text: string;
}

/** One row the run checked from an origin the person listed (not a sweep's hostile one): its origin, the spec's outcome and the server's answers. */
interface ListedRow {
  origin: string;
  spec: Outcome;
  replay: Replay;
}

function listedRows(plan: CheckPlan, result: CheckResult): ListedRow[] {
  const endpoint = plan.endpoints[0]!;
  return endpoint.origins.flatMap(({ origin }) => {
    const scenario = result.scenarios.find((one) => one.id === `${endpoint.name} from ${origin}`);
    return scenario?.replay ? [{ origin, spec: scenario.expected.spec, replay: scenario.replay }] : [];
  });
}

export function exportRun(kind: ExportKind, plan: CheckPlan, result: CheckResult): Exported {
  switch (kind) {
    case 'config':
      return {
        fileName: 'cors-lab.config.yaml',
        contentType: 'application/yaml; charset=utf-8',
        text: checkConfigOf(plan, result),
      };
    case 'scenario':
      return {
        fileName: 'exported.scenarios.yaml',
        contentType: 'application/yaml; charset=utf-8',
        text: scenarioFileOf(plan, result),
      };
    case 'vitest':
      return { fileName: 'cors.test.ts', contentType: 'text/typescript; charset=utf-8', text: vitestOf(plan, result) };
  }
}

/** A check config (check-config.schema.json): each origin expected to get what the spec says of the server's answers. */
function checkConfigOf(plan: CheckPlan, result: CheckResult): string {
  const endpoint = plan.endpoints[0]!;
  const rows = listedRows(plan, result);
  const judged = rows.filter((row) => row.spec !== 'error');
  const config = {
    ...(plan.resolve.length > 0
      ? { resolve: plan.resolve.map((rule) => `${rule.host}:${rule.port}:${rule.address}:${rule.targetPort}`) }
      : {}),
    ...(plan.ca.length > 0 ? { ca: plan.ca.map((ca) => ca.file) } : {}),
    sweep: plan.sweep,
    missingPath: false,
    endpoints: [
      {
        url: endpoint.url,
        method: endpoint.method,
        ...(Object.keys(endpoint.headers).length > 0 ? { headers: endpoint.headers } : {}),
        ...(endpoint.body !== undefined ? { body: endpoint.body } : {}),
        credentials: endpoint.credentials,
        kind: endpoint.kind,
        origins: Object.fromEntries(judged.map((row) => [row.origin, row.spec])),
      },
    ],
  };
  const unjudged = rows
    .filter((row) => row.spec === 'error')
    .map((row) => `# ${row.origin} is left out: the server gave it no answer, so the spec expects nothing of it\n`);
  const caNote =
    plan.ca.length > 0 ? '# ca: save the PEM files chosen in the UI under these names beside this file\n' : '';
  return `# Exported from cors-lab ui on ${result.startedAt}: run it with  npx cors-lab check --config cors-lab.config.yaml\n# Each origin is expected to get what the Fetch standard says of the answers the server gave then.\n${caNote}${unjudged.join('')}${stringify(config, { lineWidth: 0 })}`;
}

/** The server's answers to one origin, as a lab route: its own origin in them written as {{origin.page}}. */
function routesOf(row: ListedRow, target: URL): Record<string, { preflight?: object; actual?: object }> {
  const routes: Record<string, { preflight?: object; actual?: object }> = {};
  for (const exchange of row.replay.exchanges) {
    const url = new URL(exchange.url);
    if (url.host !== target.host || exchange.status === undefined) continue;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of exchange.headers ?? []) {
      if (!/^(access-control-|vary$|location$|set-cookie$)/i.test(name)) continue;
      const written = value.split(row.origin).join('{{origin.page}}').split(target.origin).join('{{origin.api}}');
      const before = headers[name];
      headers[name] = before === undefined ? written : [...(Array.isArray(before) ? before : [before]), written];
    }
    const route = (routes[url.pathname] ??= {});
    route[exchange.kind === 'preflight' ? 'preflight' : 'actual'] = { status: exchange.status, headers };
  }
  return routes;
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** A scenario per listed origin: the lab answers as the server did, to a lab page posing for that origin. */
function scenarioFileOf(plan: CheckPlan, result: CheckResult): string {
  const endpoint = plan.endpoints[0]!;
  const target = new URL(endpoint.url);
  const path = `${target.pathname}${target.search}`;
  const scenarios = listedRows(plan, result)
    .filter((row) => row.spec !== 'error')
    .map((row) => ({
      id: slug(`${endpoint.method} ${target.pathname} from ${row.origin}`),
      title: `${endpoint.method} ${path} from ${row.origin}'s place, answered as ${target.host} answered it`,
      request: {
        target: 'api',
        path,
        ...(endpoint.kind === 'fetch' || endpoint.kind === 'xhr'
          ? {
              kind: endpoint.kind,
              method: endpoint.method,
              ...(Object.keys(endpoint.headers).length > 0 ? { headers: endpoint.headers } : {}),
              ...(endpoint.body !== undefined ? { body: endpoint.body } : {}),
              credentials: endpoint.credentials,
            }
          : endpoint.kind === 'img-canvas'
            ? { kind: 'img-canvas', crossOrigin: endpoint.credentials === 'include' ? 'use-credentials' : 'anonymous' }
            : { kind: 'font', fontVia: 'font-face-api' }),
      },
      server: { api: routesOf(row, target) },
      expect: { spec: row.spec },
    }));
  const file = {
    origins: { page: 'https://app.site-a.localhost', api: 'https://api.site-b.localhost' },
    tags: ['exported'],
    scenarios,
  };
  return `# yaml-language-server: $schema=./node_modules/cors-lab/scenarios/scenario.schema.json\n# Exported from cors-lab ui on ${result.startedAt}: the answers ${target.host} gave, served by the lab's own origins.\n# Run it with  npx cors-lab run exported.scenarios.yaml\n${stringify(file, { lineWidth: 0 })}`;
}

/** A vitest file: lab.probe against a server that answers as the target did, from the page (an allowed origin) and a foreign site (a blocked one). */
function vitestOf(plan: CheckPlan, result: CheckResult): string {
  const endpoint = plan.endpoints[0]!;
  const target = new URL(endpoint.url);
  const rows = listedRows(plan, result).filter((row) => row.spec !== 'error');
  const allowed = rows.find((row) => row.spec === 'allowed');
  const blocked = rows.find((row) => row.spec === 'blocked');
  const request = {
    method: endpoint.method,
    path: `${target.pathname}${target.search}`,
    ...(Object.keys(endpoint.headers).length > 0 ? { headers: endpoint.headers } : {}),
    ...(endpoint.body !== undefined ? { body: endpoint.body } : {}),
    credentials: endpoint.credentials,
    ...(endpoint.kind === 'xhr' ? { kind: 'xhr' } : {}),
  };
  const answersOf = (row: ListedRow) => sourceOf(routesOf(row, target)[target.pathname] ?? {}, '  ');
  const caseOf = (row: ListedRow, from: 'page' | 'foreign') => `
// ${target.host} answered ${row.origin} like this (cors-lab ui, ${result.startedAt}); the lab's ${from === 'page' ? 'front-end page' : 'foreign site'} stands in for it.
test('${endpoint.method} ${target.pathname} from ${from === 'page' ? 'the front end' : 'a foreign site'} is ${row.spec}', async () => {
  const answers = (origin: string, api: string) => (${answersOf(row)});
  const result = await lab.probe({ server: replaying(answers), request, from: '${from}' });
  expect(result).${row.spec === 'allowed' ? 'toBeAllowedIn' : 'toBeBlockedIn'}();
});
`;
  const kindNote =
    endpoint.kind === 'fetch' || endpoint.kind === 'xhr'
      ? ''
      : `// The UI's ${endpoint.kind} request is made as a fetch here: lab.probe makes fetch and XHR requests.\n`;
  return `// Exported from cors-lab ui: the request it checked, against a server that answers as ${target.host} did.
// Point \`server\` at your own app (server: app) to hold the app itself to these outcomes; its
// allowed origins must then include lab.origins.page (https://app.site-a.localhost).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { corsMatchers, createLab, type CorsLab } from 'cors-lab';

expect.extend(corsMatchers);
${kindNote}
let lab: CorsLab;
beforeAll(async () => {
  lab = await createLab();
}, 120_000);
afterAll(() => lab?.close());

type Answer = { status: number; headers: Record<string, string | string[]> };
/** A server that gives the answers recorded, with the requesting origin (and the lab's API origin) in them. */
const replaying = (answers: (origin: string, api: string) => { preflight?: Answer; actual?: Answer }) => (request: IncomingMessage, response: ServerResponse) => {
  const recorded = answers(request.headers.origin ?? '', lab.origins.api);
  const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
  const answer = (preflight ? recorded.preflight : recorded.actual) ?? { status: preflight ? 204 : 200, headers: {} };
  response.writeHead(answer.status, answer.headers).end(preflight ? undefined : 'ok');
};

const request = ${JSON.stringify(request, null, 2)} as const;
${allowed ? caseOf(allowed, 'page') : ''}${blocked ? caseOf(blocked, 'foreign') : ''}${!allowed && !blocked ? "\ntest.todo('no origin got an answer from the server in this run');\n" : ''}`;
}

/** A value as TypeScript source: a string holding {{origin.page}} or {{origin.api}} becomes a template literal of `origin` and `api`. */
function sourceOf(value: unknown, indent: string): string {
  if (typeof value === 'string') {
    if (!/\{\{origin\.(page|api)\}\}/.test(value)) return JSON.stringify(value);
    const escaped = value.replace(/[`\\]|\$\{/g, (special) => `\\${special}`);
    return `\`${escaped.replaceAll('{{origin.page}}', '${origin}').replaceAll('{{origin.api}}', '${api}')}\``;
  }
  if (Array.isArray(value)) return `[${value.map((one) => sourceOf(one, indent)).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const inner = `${indent}  `;
    const entries = Object.entries(value).map(
      ([key, one]) => `${inner}${JSON.stringify(key)}: ${sourceOf(one, inner)},`,
    );
    return entries.length === 0 ? '{}' : `{\n${entries.join('\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}
