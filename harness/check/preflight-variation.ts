// Does a preflight answer echo what the preflight asked? For each endpoint
// whose replay sent a preflight, cors-lab sends the same preflight once more
// from Node, asking for one more header and another method. Where
// Access-Control-Allow-Headers (or -Methods) changes with the question, the
// answer depends on Access-Control-Request-Headers (or -Method), and Vary
// should say so.
import type { Upstream } from '../../servers/upstream.ts';
import { getHeader } from '../spec/header-lists.ts';
import type { Replay, ReplayedExchange } from '../result/check.ts';
import type { CheckProbe } from './rows.ts';

/** The header the second preflight adds to Access-Control-Request-Headers. */
export const VARY_CHECK_HEADER = 'x-cors-lab-vary-check';

export interface PreflightVariation {
  /** The endpoint's row whose preflight was asked again. */
  scenario: string;
  endpoint: string;
  origin: string;
  first: ReplayedExchange;
  second: ReplayedExchange;
}

/** The second preflight for the first row of each endpoint whose replay was answered a preflight. */
export async function preflightVariations(
  probes: CheckProbe[],
  replays: Map<string, Replay>,
  upstream: Upstream,
): Promise<PreflightVariation[]> {
  const asked = new Set<string>();
  const found: PreflightVariation[] = [];
  await Promise.all(
    probes.map(async (probe) => {
      if (probe.hostile || probe.errorPath || asked.has(probe.endpoint.name)) return;
      const first = replays
        .get(probe.id)
        ?.exchanges.find((exchange) => exchange.kind === 'preflight' && exchange.status !== undefined);
      if (!first) return;
      asked.add(probe.endpoint.name);
      const sent = otherQuestion(first.sent);
      const second: ReplayedExchange = { kind: 'preflight', method: 'OPTIONS', url: first.url, sent };
      try {
        const answer = await upstream.send({ url: first.url, method: 'OPTIONS', headers: sent });
        answer.body.destroy();
        second.status = answer.status;
        second.headers = answer.headers;
      } catch (error) {
        second.error = (error as Error).message;
      }
      found.push({ scenario: probe.id, endpoint: probe.endpoint.name, origin: probe.origin, first, second });
    }),
  );
  return found;
}

/** The same preflight asking for one more header, and for PATCH instead of the method (or PUT instead of PATCH). */
function otherQuestion(sent: [string, string][]): [string, string][] {
  const method = getHeader(sent, 'access-control-request-method') === 'PATCH' ? 'PUT' : 'PATCH';
  const headers = [getHeader(sent, 'access-control-request-headers'), VARY_CHECK_HEADER].filter(Boolean).join(',');
  const others = sent.filter(
    ([name]) => !['access-control-request-method', 'access-control-request-headers'].includes(name.toLowerCase()),
  );
  return [...others, ['Access-Control-Request-Method', method], ['Access-Control-Request-Headers', headers]];
}
