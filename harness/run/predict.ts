// Feeds a scenario to the spec model: the request as the page makes it, and
// the answers the lab servers will give, exactly as they will be rendered.
import { cookieSent, siteOf, storeCookie } from '../spec/cookies.ts';
import { predict } from '../spec/model.ts';
import type { Hop, PreflightCacheEntry, Prediction, SpecAnswer, SpecRequest, StoredResponse } from '../spec/types.ts';
import { routeFor, serverKeyFor, type LabAddresses } from '../lab/lab.ts';
import type { Scenario } from '../scenario/loader.ts';
import { answerBodyText, pickAnswer } from '../scenario/answers.ts';
import type { Answer } from '../scenario/schema.ts';
import { ASSETS } from '../../servers/assets.ts';
import { effectiveModes } from '../scenario/modes.ts';
import { behavioursFor, caseOfRequest, type Behaviour } from '../scenario/behaviours.ts';
import { probeRequest } from '../session/probe-request.ts';

export type AnsweredInOrder = { kind: 'preflight' | 'request'; status: number; headers: [string, string][] }[];

/** The spec's prediction for one probe of `scenario` with `nonce` (its last attempt, with repeat). */
export function predictScenario(scenario: Scenario, lab: LabAddresses, nonce: string): Prediction {
  return predictAttempts(scenario, lab, nonce).last;
}

/** The spec's prediction for the first and the last attempt of one probe (the same without repeat), and every hop of every attempt, in order (the chain an engine's journal is held against). */
export function predictAttempts(
  scenario: Scenario,
  lab: LabAddresses,
  nonce: string,
): { first: Prediction; last: Prediction; answers: AnsweredInOrder; chain: Hop[] } {
  const request = scenario.request;
  const modes = effectiveModes(request);
  const render = (text: string) => lab.render(scenario, nonce, text);
  const renderHeaderList = (headers: Record<string, string>) =>
    Object.entries(headers).map(([name, value]): [string, string] => [name, render(value)]);
  const specRequest: SpecRequest = {
    url: lab.probeUrl(scenario, nonce),
    // Opaque-origin documents (sandboxed or data: URL iframes) serialize as "null".
    origin: request.context === 'page' ? lab.originUrl(scenario.page) : 'null',
    // An opaque-origin frame (here or in a repeat's `then`) is in the runner page, whose scheme decides mixed content.
    embedderOrigin: lab.originUrl(scenario.page),
    method: request.method,
    headers: renderHeaderList(request.headers),
    mode: modes.mode,
    credentials: modes.credentials,
    ...(request.body !== undefined ? { body: render(request.body) } : {}),
    ...(request.kind === 'xhr' && request.uploadListener ? { useCorsPreflight: true } : {}),
    ...(request.readHeader ? { readHeader: request.readHeader } : {}),
  };

  // Lists of answers are served in order per URL and kind, as the server does.
  const served = new Map<string, number>();
  // Every answer the model asked for, in order: what the engine-behaviour registry's conditions read.
  const answers: AnsweredInOrder = [];
  const answer = (url: string, kind: 'preflight' | 'request'): SpecAnswer => {
    const parsed = new URL(url);
    const origin = Object.values(scenario.origins).find(
      (candidate) =>
        candidate.host === parsed.hostname &&
        String(lab.ports[serverKeyFor(candidate)]) === parsed.port &&
        candidate.state === 'running',
    );
    const prefix = `/x/${nonce}`;
    if (!origin || !parsed.pathname.startsWith(prefix)) return { status: 404, headers: [] };
    const route = routeFor(scenario, origin.host, serverKeyFor(origin), parsed.pathname.slice(prefix.length));
    const key = `${kind} ${parsed.origin}${parsed.pathname}`;
    const index = served.get(key) ?? 0;
    served.set(key, index + 1);
    const given = toSpecAnswer(pickAnswer(route, kind, index), kind, render);
    answers.push({ kind, status: given.status, headers: given.headers });
    return given;
  };

  // repeat: the same request again in the same context, so the preflight
  // cache and the HTTP cache the earlier attempts filled carry over.
  const preflightCache: PreflightCacheEntry[] = [];
  const httpCache: StoredResponse[] = [];
  const later: SpecRequest = {
    ...specRequest,
    ...(request.then?.credentials ? { credentials: request.then.credentials } : {}),
    ...(request.then?.context
      ? { origin: request.then.context === 'page' ? lab.originUrl(scenario.page) : 'null' }
      : {}),
    ...(request.then?.headers ? { headers: renderHeaderList(request.then.headers) } : {}),
  };
  const first = predict({ request: specRequest, answer, preflightCache, httpCache });
  let prediction = first;
  const chain = [...first.hops];
  for (let attempt = 1; attempt < request.repeat; attempt++) {
    prediction = predict({ request: later, answer, preflightCache, httpCache });
    chain.push(...prediction.hops);
  }
  return { first, last: requireCookie(scenario, lab, nonce, prediction), answers, chain };
}

/**
 * With request.requireCookie, the response must also have been asked for with
 * that cookie: the spec's cookie rules decide whether the last request hop
 * carried it (third-party cookie blocking is browser policy, not modelled).
 */
function requireCookie(scenario: Scenario, lab: LabAddresses, nonce: string, prediction: Prediction): Prediction {
  const name = scenario.request.requireCookie;
  if (!name || prediction.outcome !== 'allowed') return prediction;
  const lastRequest = prediction.hops.filter((hop) => hop.kind === 'request').at(-1);
  const setUrl = scenario.cookies
    ? new URL(`${lab.originUrl(scenario.cookies.on)}/__lab/set-cookies/${nonce}`)
    : undefined;
  const declared = scenario.cookies?.set
    .map((value) => lab.render(scenario, nonce, value))
    .find((value) => value.split('=')[0]!.trim() === name);
  const stored = declared && setUrl ? storeCookie(declared, setUrl) : null;
  const verdict =
    stored && lastRequest
      ? cookieSent(stored, {
          url: new URL(lastRequest.url),
          credentials: lastRequest.credentials,
          topLevelSite: siteOf(new URL(lab.originUrl(scenario.page))),
        })
      : {
          ok: false,
          reason: `cookie '${name}' is never stored (not among the scenario's cookies, or refused by the storage model)`,
          cite: 'RFC 6265bis § 5.6 storage model',
        };
  const steps = [...prediction.steps, `${verdict.cite}: ${verdict.reason}`];
  return verdict.ok
    ? { ...prediction, steps, explanation: `${prediction.explanation}; ${verdict.reason}` }
    : {
        ...prediction,
        steps,
        outcome: 'blocked',
        explanation: `blocked: the response is readable, but ${verdict.reason}`,
      };
}

/** Header lines as the lab server sends them, including the Content-Type it adds. */
function toSpecAnswer(answer: Answer, kind: 'preflight' | 'request', render: (text: string) => string): SpecAnswer {
  const headers: [string, string][] = Object.entries(answer.headers).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((line): [string, string] => [name, render(line)]),
  );
  const has = (header: string) => headers.some(([name]) => name.toLowerCase() === header);
  const body = answer.asset ? ASSETS[answer.asset].body : Buffer.from(render(answerBodyText(answer, kind)));
  if (body.length > 0 && answer.status !== 204 && answer.status !== 304) {
    if (!has('content-type'))
      headers.push(['content-type', answer.asset ? ASSETS[answer.asset].contentType : 'text/plain; charset=utf-8']);
    if (!has('content-length')) headers.push(['content-length', String(body.length)]);
  }
  return { status: answer.status, headers };
}

/** The engine-behaviour registry's entries that hold for a scenario's request and the answers the model got (`answers` from predictAttempts). */
export function scenarioBehaviours(scenario: Scenario, lab: LabAddresses, answers: AnsweredInOrder): Behaviour[] {
  const pageOrigin = scenario.request.context === 'page' ? lab.originUrl(scenario.page) : 'null';
  return behavioursFor(
    caseOfRequest(probeRequest(scenario, lab, 'spec', 0), pageOrigin, answers, {
      requireCookie: scenario.request.requireCookie,
      cookies: scenario.cookies?.set,
      ...(scenario.cookies ? { cookieOrigin: lab.originUrl(scenario.cookies.on) } : {}),
    }),
  );
}
