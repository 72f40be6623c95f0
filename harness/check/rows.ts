// The rows of a check's matrix: each endpoint from each origin given, a path
// that does not exist beside it and each --error-path (from the first
// allowed origin), and the security sweep's hostile origins, minus any an
// --allow-origin-pattern admits, plus the patterns' own look-alikes.
import { hostileOrigins, patternLookAlikes, type HostileOrigin } from './hostile.ts';
import { admittedBy } from './origin-pattern.ts';
import type { CheckEndpoint, CheckPlan, Expectation } from './plan.ts';

/** One (endpoint, origin) pair: a row of the matrix. */
export interface CheckProbe {
  id: string;
  endpoint: CheckEndpoint;
  /** The origin the request carries: a posed origin, or "null". */
  origin: string;
  /** The origin of the page the engine loads. */
  pageOrigin: string;
  context: 'page' | 'sandboxed-iframe';
  credentials: CheckEndpoint['credentials'];
  expect: Expectation;
  /** Set for the security sweep's derived origins. */
  hostile?: HostileOrigin;
  /** Set for a request to a path that fails: the endpoint's row it is compared with. */
  errorPath?: { kind: 'missing' | 'named'; successRow: string };
}

export function planProbes(plan: CheckPlan): CheckProbe[] {
  const probes: CheckProbe[] = [];
  const errorRequests = new Set<string>();
  for (const endpoint of uniquelyNamed(plan.endpoints)) {
    const listed = new Set(endpoint.origins.map((entry) => entry.origin));
    for (const { origin, expect } of endpoint.origins) {
      probes.push({
        id: rowId(endpoint, origin),
        endpoint,
        origin,
        pageOrigin: origin,
        context: 'page',
        credentials: endpoint.credentials,
        expect,
      });
    }
    const allowed = endpoint.origins.filter((entry) => entry.expect === 'allowed').map((entry) => entry.origin);
    probes.push(...errorPathProbes(plan, endpoint, allowed[0], errorRequests));
    if (!plan.sweep) continue;
    const seen = new Set<string>();
    const candidates = [
      ...allowed.flatMap((origin) => hostileOrigins(origin)),
      ...plan.allowOriginPatterns.flatMap(patternLookAlikes),
    ];
    for (const hostile of candidates) {
      // Never an origin the user listed, or one they declared they mean to allow.
      if (
        listed.has(hostile.origin) ||
        seen.has(hostile.origin) ||
        admittedBy(plan.allowOriginPatterns, hostile.origin)
      )
        continue;
      seen.add(hostile.origin);
      probes.push({
        id: `${endpoint.name} from ${hostile.origin} (sweep: ${hostile.attack})`,
        endpoint,
        origin: hostile.origin,
        pageOrigin: hostile.pageOrigin,
        context: hostile.origin === 'null' ? 'sandboxed-iframe' : 'page',
        // The sweep asks the dangerous question: is a credentialed response readable?
        credentials: 'include',
        expect: 'blocked',
        hostile,
      });
    }
  }
  return probes;
}

/** Row ids come from endpoint names: a name given twice gets " (2)", " (3)"... */
function uniquelyNamed(endpoints: CheckEndpoint[]): CheckEndpoint[] {
  const seen = new Map<string, number>();
  return endpoints.map((endpoint) => {
    const count = (seen.get(endpoint.name) ?? 0) + 1;
    seen.set(endpoint.name, count);
    return count === 1 ? endpoint : { ...endpoint, name: `${endpoint.name} (${count})` };
  });
}

function rowId(endpoint: CheckEndpoint, origin: string): string {
  return `${endpoint.name} from ${origin}`;
}

/** The path requested beside each endpoint to see its error answers: it should not exist on any server. */
export const MISSING_PATH = 'cors-lab-no-such-path';

/**
 * The endpoint's request, from its first allowed origin, to a path that does
 * not exist (beside the endpoint's own) and to each --error-path: the page
 * must be able to read an error answer to show it. One row per distinct
 * request (endpoints on one host share their missing path).
 */
function errorPathProbes(
  plan: CheckPlan,
  endpoint: CheckEndpoint,
  origin: string | undefined,
  made: Set<string>,
): CheckProbe[] {
  if (!origin) return [];
  const paths = [
    ...(plan.missingPath ? [{ kind: 'missing' as const, path: MISSING_PATH }] : []),
    ...plan.errorPaths.map((path) => ({ kind: 'named' as const, path })),
  ];
  const probes: CheckProbe[] = [];
  for (const { kind, path } of paths) {
    const url = new URL(path, endpoint.url).href;
    const request = JSON.stringify([
      url,
      endpoint.method,
      endpoint.headers,
      endpoint.credentials,
      endpoint.kind,
      origin,
    ]);
    if (url === endpoint.url || made.has(request)) continue;
    made.add(request);
    // Named after the endpoint (unique), so two endpoints' error rows never share an id.
    const errorEndpoint = { ...endpoint, name: `${endpoint.name}, at ${url}`, url };
    probes.push({
      id: `${rowId(errorEndpoint, origin)} (${kind === 'missing' ? 'a path that does not exist' : 'an error path'})`,
      endpoint: errorEndpoint,
      origin,
      pageOrigin: origin,
      context: 'page',
      credentials: endpoint.credentials,
      expect: 'allowed',
      errorPath: { kind, successRow: rowId(endpoint, origin) },
    });
  }
  return probes;
}
