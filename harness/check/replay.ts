// The replay: cors-lab sends, from Node, the requests the spec model says a
// browser sends (the preflight with the same Origin, Access-Control-Request-
// Method and -Headers, then the request itself, hop by hop), and records the
// server's raw answers. The model then explains the outcome from those
// answers. Replayed exchanges are labelled as such: they are what the server
// told cors-lab, not what a browser saw (no cookies are sent, for one).
import { predict, type SentRequest, type SpecAnswer, type SpecRequest } from '../spec/model.ts';
import { meansUnreachable, type Upstream } from '../../servers/upstream.ts';
import type { ProbeRequest } from '../probes/bundle.ts';
import type { Replay, ReplayedExchange } from '../result/check.ts';
import type { SpecView } from '../result/result.ts';
import { firstRequestOf } from '../spec/first-request.ts';
import { behavioursFor, caseOfRequest } from '../scenario/behaviours.ts';
import { messageOf } from '../package/error-message.ts';

export const REPLAY_LABEL = 'replayed from Node by cors-lab: what the server answered cors-lab, not what a browser saw';

/** At most this many hops are replayed (the model follows up to 20 redirects; a check rarely needs more than a few). */
const MAX_REPLAYED = 8;

export async function replay(request: SpecRequest, upstream: Upstream): Promise<Replay> {
  const answers = new Map<string, SpecAnswer>();
  const exchanges: ReplayedExchange[] = [];
  const key = (url: string, kind: string, sent: SentRequest) =>
    `${kind} ${sent.method} ${url} ${JSON.stringify(sent.headers)}`;
  for (let round = 0; round <= MAX_REPLAYED; round++) {
    let missing: { url: string; kind: 'preflight' | 'request'; sent: SentRequest } | undefined;
    const prediction = predict({
      request,
      answer(url, kind, sent) {
        const known = answers.get(key(url, kind, sent));
        if (known) return known;
        missing ??= { url, kind, sent };
        // A stand-in that ends the fetch: the hop is replayed, then the model runs again.
        return { status: 599, headers: [] };
      },
    });
    if (!missing) return { label: REPLAY_LABEL, exchanges, prediction };
    if (round === MAX_REPLAYED) break;
    const { url, kind, sent } = missing;
    const exchange: ReplayedExchange = { kind, method: sent.method, url, sent: sent.headers };
    exchanges.push(exchange);
    try {
      const answer = await upstream.send({
        url,
        method: sent.method,
        headers: sent.headers,
        ...(kind === 'request' && request.body !== undefined && !['GET', 'HEAD'].includes(sent.method)
          ? { body: request.body }
          : {}),
      });
      // The body is not needed, and may never end (Server-Sent Events): the connection (one per request) is closed.
      answer.body.destroy();
      exchange.status = answer.status;
      exchange.headers = answer.headers;
      answers.set(key(url, kind, sent), { status: answer.status, headers: answer.headers });
    } catch (error) {
      exchange.error = messageOf(error);
      return { label: REPLAY_LABEL, exchanges, error: `the replay could not reach the target: ${exchange.error}` };
    }
  }
  return { label: REPLAY_LABEL, exchanges, error: `more than ${MAX_REPLAYED} hops; not replayed further` };
}

/** The last exchange the server answered (a redirect's target, or the request itself). */
export function lastAnswered(replayed: Replay): ReplayedExchange | undefined {
  return replayed.exchanges.filter((exchange) => exchange.status !== undefined).at(-1);
}

/** The spec model's input for a probe the page makes from `origin` (a serialized origin, or "null" in a frame `embedder` serves). */
export function specRequestOf(request: ProbeRequest, origin: string, embedder?: string): SpecRequest {
  return {
    url: request.url,
    origin,
    ...(embedder !== undefined && origin === 'null' ? { embedderOrigin: embedder } : {}),
    method: request.method,
    headers: Object.entries(request.headers),
    mode: request.mode,
    credentials: request.credentials,
    ...(request.body !== undefined ? { body: request.body } : {}),
  };
}

/**
 * The spec column for a replayed request (`request`, made from `pageOrigin`):
 * the model's prediction from the server's answers, labelled as such, and the
 * registry's engine behaviours that hold for it.
 */
export function specViewOf(replayed: Replay, request: ProbeRequest, pageOrigin: string): SpecView {
  if (!replayed.prediction) {
    return { outcome: 'error', explanation: `no spec prediction: ${replayed.error}`, preflight: false, steps: [] };
  }
  const prediction = replayed.prediction;
  return {
    outcome: prediction.outcome,
    explanation: `${prediction.explanation} (from the replayed answers)`,
    ...(prediction.fix !== undefined ? { fix: prediction.fix } : {}),
    preflight: prediction.preflight,
    firstRequest: firstRequestOf(prediction),
    // Every hop the replayed answers lead the spec through: each cell holds the engine's chain against it (run/request-chain.ts).
    chain: prediction.hops,
    ...knownBehavioursOf(replayed, request, pageOrigin),
    ...(prediction.preflightHeaders ? { preflightHeaders: prediction.preflightHeaders } : {}),
    steps: prediction.steps,
  };
}

/** The registry entries whose conditions hold for the request and the answers the server gave the replay. */
function knownBehavioursOf(
  replayed: Replay,
  request: ProbeRequest,
  pageOrigin: string,
): Pick<SpecView, 'knownBehaviours'> {
  const answers = replayed.exchanges.flatMap((exchange) =>
    exchange.status === undefined
      ? []
      : [{ kind: exchange.kind, status: exchange.status, headers: exchange.headers ?? [] }],
  );
  const known = behavioursFor(caseOfRequest(request, pageOrigin, answers));
  return known.length > 0 ? { knownBehaviours: known } : {};
}

/** Every replay failed because the target cannot be reached or trusted: no browser can reach it either (the lab's proxy forwards through the same Upstream). */
export class TargetUnreachable extends Error {
  /** Each distinct reason, once. */
  readonly reasons: string[];
  constructor(reasons: string[], requests: number) {
    super(
      `the target could not be reached or trusted for any of the ${requests} request(s), so no browser was run: ${reasons.join('; ')}`,
    );
    this.reasons = reasons;
  }
}

/**
 * Where the spec sends no request at all (every row stopped before the
 * network, as mixed content is), the replays say nothing of the target: a
 * plain GET of each URL tells, as the browsers' reachability control would.
 * The TargetUnreachable when none can be reached or trusted, else undefined.
 */
export async function unreachableByControl(urls: string[], upstream: Upstream): Promise<TargetUnreachable | undefined> {
  const reasons = await Promise.all(
    urls.map((url) =>
      upstream.send({ url, method: 'GET', headers: [] }).then(
        (answer) => {
          answer.body.destroy();
          return undefined;
        },
        (error: unknown) => {
          const reason = messageOf(error);
          return meansUnreachable(reason) ? reason : undefined;
        },
      ),
    ),
  );
  return unreachableWhenAll(reasons);
}

/** The TargetUnreachable that every replay failing to reach the target makes, or undefined when any reached it (or failed otherwise, e.g. timed out). */
export function unreachableTarget(replays: Replay[]): TargetUnreachable | undefined {
  const reasons = replays.map(
    (replayed) =>
      replayed.exchanges.find((exchange) => exchange.error !== undefined && meansUnreachable(exchange.error))?.error,
  );
  return unreachableWhenAll(reasons);
}

/** A TargetUnreachable when every request has a reason it could not reach the target (one per request, undefined where it did). */
function unreachableWhenAll(reasons: (string | undefined)[]): TargetUnreachable | undefined {
  if (reasons.length === 0 || reasons.some((reason) => reason === undefined)) return undefined;
  return new TargetUnreachable([...new Set(reasons as string[])], reasons.length);
}
