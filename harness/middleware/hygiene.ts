// Server hygiene: what a middleware sends, judged from the journal (the
// requests the browsers made and the middleware's raw answers), apart from
// what the browsers did with it.
import { responseHeader, type JournalEntry } from '../../servers/journal.ts';
import type { HygieneFinding, HygieneRule } from '../result/middleware.ts';
import type { CellResult, ScenarioSummary } from '../result/result.ts';
import { HANDLER_HEADER } from './adapter.ts';
import { dependsOnOrigin, policyAllows } from '../scenario/policy.ts';
import { echoesOrigin, varyLists } from '../spec/vary.ts';

function cite(entry: JournalEntry): string {
  return `#${entry.seq} ${entry.method} ${entry.url} → ${entry.status}`;
}

/** One finding per rule: the first journal entry that breaks it, and every scenario where one does. */
export function hygieneFindings(scenarios: ScenarioSummary[], cells: CellResult[]): HygieneFinding[] {
  const findings = new Map<string, HygieneFinding>();
  const add = (rule: HygieneRule, scenario: string, entry: JournalEntry, detail: string) => {
    const found = findings.get(rule);
    if (!found) findings.set(rule, { rule, scenario, scenarios: [scenario], evidence: cite(entry), detail });
    else if (!found.scenarios.includes(scenario)) found.scenarios.push(scenario);
  };
  const byId = new Map(scenarios.map((scenario) => [scenario.id, scenario]));
  for (const cell of cells) {
    const scenario = byId.get(cell.scenario);
    const policy = scenario?.middlewarePolicy;
    if (!scenario || !policy) continue;
    // Only what the middleware answered (the lab's own refusals are marked X-Cors-Lab).
    const answered = cell.evidence.journal.filter(
      (entry) =>
        (entry.kind === 'preflight' || entry.kind === 'request') &&
        entry.status !== undefined &&
        responseHeader(entry, 'x-cors-lab') === undefined,
    );
    for (const entry of answered) {
      const origin = entry.headers?.origin;
      const acao = responseHeader(entry, 'access-control-allow-origin');
      if (
        (dependsOnOrigin(policy) || echoesOrigin(acao, origin)) &&
        !varyLists(responseHeader(entry, 'vary'), 'origin')
      ) {
        add(
          'vary-origin',
          scenario.id,
          entry,
          `${entry.kind === 'preflight' ? 'the preflight answer' : 'the answer'} has ${acao === undefined ? 'no ACAO' : `ACAO '${acao}'`} and Vary '${responseHeader(entry, 'vary') ?? ''}'`,
        );
      }
      const allowed = policyAllows(policy, origin);
      if (entry.kind === 'preflight' && entry.status === 204 && responseHeader(entry, 'content-length') !== '0') {
        add(
          'preflight-204-content-length',
          scenario.id,
          entry,
          `Content-Length is ${responseHeader(entry, 'content-length') === undefined ? 'absent' : `'${responseHeader(entry, 'content-length')}'`}`,
        );
      }
      if (
        entry.kind === 'request' &&
        entry.method === 'OPTIONS' &&
        responseHeader(entry, HANDLER_HEADER) === undefined
      ) {
        add(
          'options-not-preflight',
          scenario.id,
          entry,
          `answered ${entry.status} by the middleware${responseHeader(entry, 'access-control-allow-methods') ? ` with Access-Control-Allow-Methods '${responseHeader(entry, 'access-control-allow-methods')}'` : ''}; the route never saw it`,
        );
      }
      if (!allowed && acao !== undefined && Array.isArray(policy.origins)) {
        add(
          'refused-origin-acao',
          scenario.id,
          entry,
          `Origin '${origin}' is not on the allowlist, yet the answer has ACAO '${acao}'`,
        );
      }
      if (
        entry.kind === 'preflight' &&
        !allowed &&
        Array.isArray(policy.origins) &&
        responseHeader(entry, HANDLER_HEADER) !== undefined
      ) {
        add(
          'handler-on-refused-preflight',
          scenario.id,
          entry,
          `the preflight from '${origin}' reached the route handler`,
        );
      }
    }
  }
  return [...findings.values()];
}
