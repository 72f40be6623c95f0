// A check's findings, one per cause: what the server's answers get wrong,
// diagnosed from the sweep's cells (what real browsers let hostile pages
// read), the error-path rows and the replayed answers. However many origins
// or endpoints show a cause, it is one finding, with every case under it.
import { responseHeader, type JournalEntry } from '../../servers/journal.ts';
import type { CheckFinding, FindingCase, FindingCause, Replay, ReplayedExchange } from '../result/check.ts';
import type { CellResult } from '../result/result.ts';
import { varyLists, VARY_STEP } from '../spec/vary.ts';
import { getHeader } from '../spec/header-lists.ts';
import type { Attack, HostileOrigin } from './hostile.ts';
import type { CheckProbe } from './rows.ts';
import type { PreflightVariation } from './preflight-variation.ts';
import { lastAnswered } from './replay.ts';

interface CauseText {
  kind: CheckFinding['kind'];
  title: string;
  why: string;
  fix: string;
}

const CREDENTIALED_READ =
  "a page on that origin can read your users' responses with their cookies (credentials: 'include'), in the browsers listed";

const CAUSES: Record<FindingCause, CauseText> = {
  'reflects-any-origin': {
    kind: 'security',
    title: 'reflects any Origin, with credentials',
    why: `the server copies the request's Origin into Access-Control-Allow-Origin, with Access-Control-Allow-Credentials: true: ${CREDENTIALED_READ}, from any site at all`,
    fix: 'compare the Origin with an allowlist of exact origins and answer only those (cors: origin: [...], not origin: true; nginx: a map of allowed origins, not $http_origin)',
  },
  'allows-null': {
    kind: 'security',
    title: 'allows the origin null, with credentials',
    why: `sandboxed iframes, data: URLs and some redirects send Origin: null, and any site can make one: ${CREDENTIALED_READ}`,
    fix: "remove 'null' from the allowlist; no origin you serve is null",
  },
  'allows-http': {
    kind: 'security',
    title: 'allows an allowed host over plain http',
    why: `whoever can tamper with plain-http traffic (public Wi-Fi) can serve a page on that origin: ${CREDENTIALED_READ}`,
    fix: 'compare the whole origin, scheme included (https://app.example.com, not app.example.com)',
  },
  'allows-any-subdomain': {
    kind: 'security',
    title: "allows any subdomain of an allowed origin's parent domain",
    why: `a subdomain taken over, or one that serves user content, becomes a trusted origin: ${CREDENTIALED_READ}`,
    fix: 'list the subdomains you serve; if every subdomain is yours, declare it with --allow-origin-pattern (e.g. https://*.example.com) so the sweep checks the look-alikes instead',
  },
  'matches-by-prefix': {
    kind: 'security',
    title: 'matches origins by prefix (an allowed origin followed by anything)',
    why: `anyone can register app.example.com.attacker.test: ${CREDENTIALED_READ}`,
    fix: 'compare the whole origin (equality, or a regular expression anchored with ^ and $), not startsWith or an unanchored regex',
  },
  'matches-by-suffix': {
    kind: 'security',
    title: 'matches origins by suffix (any host that ends with an allowed one)',
    why: `anyone can register evilexample.com: ${CREDENTIALED_READ}`,
    fix: 'compare the whole origin; to allow subdomains, require the dot (host === "example.com" || host.endsWith(".example.com"))',
  },
  'error-answers-lack-cors': {
    kind: 'cors',
    title: 'error answers lack the CORS headers that success answers carry',
    why: 'the page cannot read a 4xx or 5xx answer: fetch fails with a network error instead of giving the status, so the front end cannot tell "not found" or "validation failed" from "offline"',
    fix: 'send the CORS headers on every status: nginx: add `always` to each add_header (add_header Access-Control-Allow-Origin $cors_origin always;), as add_header applies to 2xx and 3xx answers only; Express: app.use(cors()) before every route, the 404 handler and the error handler; other servers: set them in the not-found and error handlers too',
  },
  'missing-vary-request-headers': {
    kind: 'hygiene',
    title: 'the preflight answer echoes what it was asked but Vary does not say so',
    why: `${VARY_STEP}: Access-Control-Allow-Headers or -Methods changes with the preflight's Access-Control-Request-Headers or -Method, so a cache that stores preflight answers (HTTP caches do not by default, but a CDN can be told to) would answer one request's question with another's`,
    fix: 'add Vary: Access-Control-Request-Headers (and Access-Control-Request-Method) to preflight answers that echo them, as the cors package does, or answer with a fixed list',
  },
  'missing-vary-origin': {
    kind: 'hygiene',
    title: 'the answer depends on the Origin but does not say Vary: Origin',
    why: `${VARY_STEP}: a browser or shared cache (CDN, proxy) can store the answer made for one origin and serve it to another, so an allowed page gets a refusal, or a refused page reads an answer allowed for someone else`,
    fix: 'add Vary: Origin to every answer whose CORS headers depend on the Origin, refusals included (nginx: add_header Vary Origin always; flask-cors does it when the allowlist has more than one origin; the cors package for Express, for any origin but *)',
  },
};

const CAUSE_OF_ATTACK: Record<Attack, FindingCause> = {
  null: 'allows-null',
  'http-downgrade': 'allows-http',
  'sibling-subdomain': 'allows-any-subdomain',
  prefix: 'matches-by-prefix',
  suffix: 'matches-by-suffix',
  unrelated: 'reflects-any-origin',
};

/** The check's findings, security first, one per cause. */
export function findingsOf(
  probes: CheckProbe[],
  replays: Map<string, Replay>,
  results: CellResult[],
  variations: PreflightVariation[] = [],
): CheckFinding[] {
  const found = new Map<FindingCause, CheckFinding>();
  const add = (cause: FindingCause, shown: FindingCase) => {
    const finding = found.get(cause) ?? { cause, ...CAUSES[cause], endpoints: [], engines: [], cases: [] };
    found.set(cause, finding);
    finding.cases.push(shown);
    if (!finding.endpoints.includes(shown.endpoint)) finding.endpoints.push(shown.endpoint);
    for (const engine of shown.engines) if (!finding.engines.includes(engine)) finding.engines.push(engine);
  };
  const cellsOf = (row: string) => results.filter((cell) => cell.scenario === row);
  for (const endpoint of new Set(probes.map((probe) => probe.endpoint.name))) {
    const rows = probes.filter((probe) => probe.endpoint.name === endpoint);
    // Hostile origins that a real browser let read a credentialed answer.
    const holes = rows
      .filter((probe) => probe.hostile)
      .map((probe) => ({ probe, read: cellsOf(probe.id).filter((cell) => cell.outcome === 'allowed') }))
      .filter((hole) => hole.read.length > 0);
    // An unrelated site let in means any origin is: one cause, not one per look-alike.
    const anyOrigin = holes.some((hole) => hole.probe.hostile!.attack === 'unrelated');
    // Likewise any subdomain: evilapp.example.com is a subdomain of example.com before it is a suffix match.
    const anySubdomain = holes.some((hole) => hole.probe.hostile!.attack === 'sibling-subdomain');
    const causeOf = (hostile: HostileOrigin): FindingCause => {
      if (anyOrigin) return 'reflects-any-origin';
      if (anySubdomain && hostile.attack === 'suffix' && isSubdomainLookAlike(hostile)) return 'allows-any-subdomain';
      return CAUSE_OF_ATTACK[hostile.attack];
    };
    for (const { probe, read } of holes) {
      const hostile = probe.hostile!;
      add(causeOf(hostile), {
        scenario: probe.id,
        endpoint,
        origin: probe.origin,
        attack: hostile.attack,
        derivedFrom: hostile.derivedFrom,
        engines: read.map((cell) => cell.engine),
        evidence: journalEvidence(read[0]!),
      });
    }
    for (const probe of rows.filter((row) => row.errorPath)) {
      const success = replays.get(probe.errorPath!.successRow)?.prediction;
      const failed = replays.get(probe.id);
      // Only when the endpoint's own answer is readable from this origin: otherwise its own row already fails.
      if (success?.outcome !== 'allowed' || failed?.prediction?.outcome !== 'blocked') continue;
      add('error-answers-lack-cors', {
        scenario: probe.id,
        endpoint: probe.errorPath!.successRow.replace(/ from .*$/, ''),
        origin: probe.origin,
        engines: cellsOf(probe.id)
          .filter((cell) => cell.outcome === 'blocked')
          .map((cell) => cell.engine),
        evidence: `the endpoint's answer carries Access-Control-Allow-Origin, but ${describeExchange(lastAnswered(failed)!)} (replayed)`,
      });
    }
    for (const missing of missingVary(
      rows.filter((probe) => !probe.errorPath),
      replays,
    ))
      add('missing-vary-origin', { ...missing, endpoint });
  }
  for (const variation of variations) {
    const unvaried = echoedWithoutVary(variation);
    if (unvaried.length === 0) continue;
    add('missing-vary-request-headers', {
      scenario: variation.scenario,
      endpoint: variation.endpoint,
      origin: variation.origin,
      engines: [],
      evidence:
        unvaried
          .map(
            ({ asked, allowed, answer }) =>
              `asked ${asked}, answered ${allowed} (Vary '${header(answer, 'vary') ?? ''}')`,
          )
          .join('; ') + ` (two preflights replayed to ${variation.first.url})`,
    });
  }
  const order = (finding: CheckFinding) => ['security', 'cors', 'hygiene'].indexOf(finding.kind);
  return [...found.values()].sort((a, b) => order(a) - order(b));
}

/** Each Access-Control-Request-* whose answer changed with the question and is not in Vary. */
function echoedWithoutVary({
  first,
  second,
}: PreflightVariation): { asked: string; allowed: string; answer: ReplayedExchange }[] {
  if (second.status === undefined) return [];
  const sent = (exchange: ReplayedExchange, name: string) => getHeader(exchange.sent, name) ?? '';
  return (
    [
      ['access-control-request-headers', 'access-control-allow-headers'],
      ['access-control-request-method', 'access-control-allow-methods'],
    ] as const
  ).flatMap(([request, response]) => {
    const before = header(first, response);
    const after = header(second, response);
    if (before === after || varyLists(header(first, 'vary'), request)) return [];
    return [
      {
        asked: `${request} '${sent(first, request)}' then '${sent(second, request)}'`,
        allowed: `${response} '${before ?? ''}' then '${after ?? ''}'`,
        answer: first,
      },
    ];
  });
}

/** A suffix look-alike (evilapp.example.com) of an origin with a parent domain is itself a subdomain of that parent. */
function isSubdomainLookAlike(hostile: HostileOrigin): boolean {
  return hostile.origin !== 'null' && new URL(hostile.origin).hostname.split('.').length > 2;
}

/**
 * When the endpoint's Access-Control-Allow-Origin differs between the
 * origins it was asked from (so it depends on the Origin), each answer that
 * does not list Origin in Vary: preflights and requests apart. One origin
 * alone tells nothing: the sweep (or a second --origin) gives the others.
 */
function missingVary(rows: CheckProbe[], replays: Map<string, Replay>): Omit<FindingCase, 'endpoint'>[] {
  const cases: Omit<FindingCase, 'endpoint'>[] = [];
  for (const kind of ['preflight', 'request'] as const) {
    const answers = rows.flatMap((probe) => {
      const exchange = replays
        .get(probe.id)
        ?.exchanges.find((candidate) => candidate.kind === kind && candidate.status !== undefined);
      return exchange ? [{ probe, exchange, allowOrigin: header(exchange, 'access-control-allow-origin') }] : [];
    });
    // Two origins answered differently. (One echoed origin alone could be a static answer for exactly that origin.)
    const values = new Set(answers.map((answer) => answer.allowOrigin ?? '(none)'));
    if (values.size < 2) continue;
    const unvaried = answers.filter((answer) => !varyLists(header(answer.exchange, 'vary'), 'origin'));
    // One case per answer, the allowed ones first: they are what a cache would hand to the wrong page.
    unvaried.sort((a, b) => Number(a.allowOrigin === undefined) - Number(b.allowOrigin === undefined));
    for (const { probe, exchange } of unvaried) {
      cases.push({
        scenario: probe.id,
        origin: probe.origin,
        engines: [],
        evidence: `${describeExchange(exchange, ['Access-Control-Allow-Origin', 'Vary'])}, from Origin '${probe.origin}' (replayed)`,
      });
    }
  }
  return cases;
}

/** An answer's header as the Fetch standard gets it: repeated lines combined (two Vary lines are one list). */
function header(exchange: ReplayedExchange, name: string): string | undefined {
  return getHeader(exchange.headers ?? [], name) ?? undefined;
}

/** "the preflight OPTIONS https://… was answered 404 with no Access-Control-Allow-Origin" (and each of `shown`). */
function describeExchange(exchange: ReplayedExchange, shown: string[] = ['Access-Control-Allow-Origin']): string {
  const described = shown.map((name) => {
    const value = header(exchange, name.toLowerCase());
    return value === undefined ? `no ${name}` : `${name} '${value}'`;
  });
  return `${exchange.kind === 'preflight' ? 'the preflight ' : ''}${exchange.method} ${exchange.url} was answered ${exchange.status} with ${described.join(' and ')}`;
}

/** What the server answered the hostile origin in the engine that read it, from the journal. */
function journalEvidence(cell: CellResult): string {
  const answer = cell.evidence.journal
    .filter((entry: JournalEntry) => entry.kind === 'request' && entry.status !== undefined)
    .at(-1);
  if (!answer) return 'see the report';
  const shown = (name: string) => {
    const value = responseHeader(answer, name);
    return value === undefined ? 'absent' : `'${value}'`;
  };
  return `the request carried Origin '${answer.headers?.origin ?? 'none'}'${answer.headers?.cookie ? ' and cookies' : ''}; the server answered ${answer.status} with Access-Control-Allow-Origin ${shown('access-control-allow-origin')} and Access-Control-Allow-Credentials ${shown('access-control-allow-credentials')} (journal #${answer.seq}, ${cell.engine})`;
}
