// The spec model: what the Fetch standard predicts for one fetch() from a page,
// hop by hop, against the answers a server gives. It follows main fetch
// (§ 4.1), HTTP fetch (§ 4.4), HTTP-redirect fetch (§ 4.5), CORS-preflight
// fetch (§ 4.8) and the CORS check (§ 4.10), with redirect mode "follow", the
// default referrer policy, and no service worker. The CORS-preflight cache and
// the HTTP cache are the caller's (PredictInput.preflightCache, .httpCache),
// or empty for this fetch alone.
import { corsCheck } from './cors-check.ts';
import { corsExposedHeaderNames, headerReadability, readableHeaderNames } from './exposure.ts';
import { headerListFromWire } from './header-lists.ts';
import {
  canonicalOrigin,
  includeCredentials,
  isRedirectTainted,
  originHeaderValue,
  sameOrigin,
  serializeRequestOrigin,
  urlOrigin,
} from './origin.ts';
import {
  cachePreflightGrant,
  checkPreflightAnswer,
  clearCacheEntries,
  preflightNeeded,
  preflightReasons,
  preflightRequestHeaders,
} from './preflight.ts';
import { throughHttpCache } from './http-cache.ts';
import { httpRedirectFetch, isRedirectStatus, withoutFragment } from './redirects.ts';
import { blockedBeforeNetwork, createRequest, mainFetchBranch } from './request.ts';
import type { HeaderList, Hop, PredictInput, Prediction, ResponseTainting, Verdict } from './types.ts';

export type { Hop, PredictInput, Prediction, SentRequest, SpecAnswer, SpecRequest } from './types.ts';

const MAIN = 'Fetch § 4.1 main fetch';
const HTTP = 'Fetch § 4.4 HTTP fetch';

// Fetch § 4.1 main fetch (with § 4.4 HTTP fetch, § 4.5 HTTP-redirect fetch and
// § 4.8 CORS-preflight fetch) for the request the page made, plus § 5.4 the
// Request constructor before it: the predicted outcome, every hop sent, and
// the steps taken. Throws a TypeError when `request.origin` is not a
// serialized origin (bad harness input, not a prediction).
export function predict(input: PredictInput): Prediction {
  const spec = input.request;
  const origin = canonicalOrigin(spec.origin);
  if (origin === undefined)
    throw new TypeError(
      `not a serialized origin: '${spec.origin}' (expected e.g. "https://app.site-a.localhost:4431" or "null")`,
    );
  const steps: string[] = [];
  const hops: Hop[] = [];
  let preflightHeaders: Prediction['preflightHeaders'];
  let firstPreflight = false;
  // The user agent's CORS-preflight cache, updated in place (Fetch § 4.9).
  const cache = input.preflightCache ?? [];
  // The HTTP cache, shared the same way (for 304 revalidation).
  const httpCache = input.httpCache ?? [];
  const replaceCache = (entries: typeof cache) => cache.splice(0, cache.length, ...entries);
  let tookPreflightBranch = false;

  // A network error, or a TypeError before any request: the page does not get
  // the response either way, so "blocked" (before sending when no hop was made).
  const stop = (verdict: Pick<Verdict, 'reason' | 'cite' | 'fix'>): Prediction => {
    steps.push(`${verdict.cite}: ${verdict.reason}`);
    // Main fetch, step 12 (CORS-with-preflight branch), step 3: a network error clears the cache entries.
    if (tookPreflightBranch) {
      const current = urlList.at(-1)!;
      replaceCache(clearCacheEntries(cache, serializeRequestOrigin(origin, urlList), withoutFragment(current)));
    }
    const explanation =
      hops.length === 0
        ? `blocked before sending: ${verdict.reason}; no request is sent`
        : `blocked: ${verdict.reason}`;
    return {
      outcome: 'blocked',
      preflight: firstPreflight,
      ...(preflightHeaders && { preflightHeaders }),
      hops,
      explanation,
      ...(verdict.fix !== undefined && { fix: verdict.fix }),
      steps,
    };
  };

  // Fetch § 5.4: the Request constructor.
  const created = createRequest(spec);
  const urlList: URL[] = created.ok ? [created.request.url] : [];
  steps.push(...created.steps);
  if (!created.ok) return stop({ reason: `fetch() throws a TypeError: ${created.reason}`, cite: created.cite });
  let { method, headers } = created.request;
  if (!['http:', 'https:'].includes(created.request.url.protocol)) {
    return stop({
      reason: `'${created.request.url.href}' is not an http(s) URL, which is all this model fetches`,
      cite: 'Fetch § 4.3 scheme fetch',
    });
  }
  const useCorsPreflight = spec.useCorsPreflight === true;
  let tainting: ResponseTainting = 'basic';
  let redirectCount = 0;
  let lastCheck: Verdict | undefined;
  let preflightNote = '';

  for (;;) {
    const current = urlList.at(-1)!;
    const wire = withoutFragment(current);

    // Main fetch, step 7.
    const blocked = blockedBeforeNetwork(current, origin, spec.embedderOrigin);
    if (blocked) return stop(blocked);

    // Main fetch, step 12.
    const reasons = preflightReasons(method, headers, useCorsPreflight);
    const isSameOrigin = sameOrigin(origin, urlOrigin(current));
    const branch = mainFetchBranch({
      sameOrigin: isSameOrigin,
      tainting,
      mode: spec.mode,
      needsPreflight: reasons.length > 0,
    });
    if (branch === 'network-error')
      return stop({ reason: `mode 'same-origin' refuses the cross-origin URL ${wire}`, cite: `${MAIN}, step 12` });
    const before = tainting;
    tainting = branch === 'basic' ? 'basic' : branch === 'opaque' ? 'opaque' : 'cors';
    steps.push(
      `${MAIN}, step 12: ${describeBranch(branch, wire, isSameOrigin)}${before !== tainting ? ` (response tainting '${tainting}')` : ''}`,
    );
    const serializedOrigin = serializeRequestOrigin(origin, urlList);

    // HTTP fetch, step 4.1: the preflight, unless this fetch's cache covers it.
    if (branch === 'cors-preflight') {
      tookPreflightBranch = true;
      const key = { serializedOrigin, url: wire, credentials: spec.credentials };
      if (preflightNeeded(cache, method, headers, useCorsPreflight, key)) {
        const sent = preflightRequestHeaders(method, headers);
        preflightHeaders ??= sent;
        steps.push(`${HTTP}, step 4.1: a preflight is needed: ${reasons.join('; ')}`);
        const acrh = sent.requestHeaders === '' ? '' : ` and Access-Control-Request-Headers '${sent.requestHeaders}'`;
        steps.push(
          `Fetch § 4.8 CORS-preflight fetch, steps 1-6: OPTIONS ${wire} with Origin '${serializedOrigin}', Access-Control-Request-Method '${sent.method}'${acrh}, no credentials`,
        );
        const preflightSent: HeaderList = [
          ['Origin', serializedOrigin],
          ['Accept', '*/*'],
          ['Access-Control-Request-Method', sent.method],
        ];
        if (sent.requestHeaders !== '') preflightSent.push(['Access-Control-Request-Headers', sent.requestHeaders]);
        const answer = input.answer(wire, 'preflight', {
          method: 'OPTIONS',
          headers: preflightSent,
          credentials: false,
        });
        hops.push({
          url: wire,
          kind: 'preflight',
          method: 'OPTIONS',
          status: answer.status,
          origin: serializedOrigin,
          credentials: false,
          mode: 'cors',
          asks: { method: sent.method, headers: sent.requestHeaders },
        });
        if (redirectCount === 0) firstPreflight = true;
        const result = checkPreflightAnswer(
          { method, headers, credentials: spec.credentials, useCorsPreflight, serializedOrigin },
          { status: answer.status, headers: headerListFromWire(answer.headers) },
        );
        if (!result.verdict.ok) return stop(result.verdict);
        steps.push(`${result.verdict.cite}: ${result.verdict.reason}`);
        preflightNote = `; ${result.verdict.reason}`;
        replaceCache(cachePreflightGrant(cache, result.grant!, key));
      } else {
        steps.push(
          `${HTTP}, step 4.1: the CORS-preflight cache already covers ${method} and its headers at ${wire}: no preflight`,
        );
      }
    }

    // HTTP fetch, step 4.3: the request itself.
    const originHeader = originHeaderValue({ requestOrigin: origin, urlList, method, mode: spec.mode, tainting });
    const credentials = includeCredentials(spec.credentials, tainting);
    const requestSent: HeaderList = originHeader === undefined ? [...headers] : [['Origin', originHeader], ...headers];
    const wireAnswer = input.answer(wire, 'request', { method, headers: requestSent, credentials });
    hops.push({
      url: wire,
      kind: 'request',
      method,
      status: wireAnswer.status,
      ...(originHeader !== undefined && { origin: originHeader }),
      credentials,
      mode: spec.mode,
    });
    steps.push(
      `Fetch § 4.6 HTTP-network-or-cache fetch, steps 8.3 and 8.12: ${method} ${wire} with ${originHeader === undefined ? 'no Origin header' : `Origin '${originHeader}'`}, ${credentials ? 'with' : 'without'} credentials; answered ${wireAnswer.status}`,
    );
    // A 304 to a revalidation gives way to the stored response (http-cache.ts).
    const answer = throughHttpCache(
      httpCache,
      { url: wire, method },
      { status: wireAnswer.status, headers: headerListFromWire(wireAnswer.headers) },
    );
    if (answer.step) steps.push(answer.step);
    const responseHeaders = answer.headers;

    // HTTP fetch, step 4.4: the CORS check, redirects included.
    if (tainting === 'cors') {
      const check = corsCheck(responseHeaders, serializedOrigin, spec.credentials);
      const what = isRedirectStatus(answer.status) ? `the ${answer.status} redirect answer fails the CORS check: ` : '';
      if (!check.ok)
        return stop({
          reason: `${what}${check.reason}`,
          cite: `${HTTP}, step 4.4 (${check.cite})`,
          ...(check.fix !== undefined && {
            fix: what ? `on the ${answer.status} redirect answer: ${check.fix}` : check.fix,
          }),
        });
      steps.push(`${HTTP}, step 4.4 (${check.cite}): passes: ${check.reason}`);
      lastCheck = check;
    }

    // HTTP fetch, step 6: follow a redirect.
    if (isRedirectStatus(answer.status)) {
      const wasTainted = isRedirectTainted(origin, urlList);
      const redirect = httpRedirectFetch(
        { currentURL: current, origin, method, headers, mode: spec.mode, tainting, redirectCount },
        answer.status,
        responseHeaders,
      );
      steps.push(...redirect.steps);
      if (redirect.kind === 'error') return stop(redirect);
      if (redirect.kind === 'follow') {
        urlList.push(redirect.url);
        ({ method, headers, redirectCount } = redirect);
        if (!wasTainted && isRedirectTainted(origin, urlList) && origin !== 'null') {
          steps.push(
            "Fetch § 2.2.5 redirect-taint: the request left a cross-origin URL for another origin, so its Origin serializes as 'null' from now on",
          );
        }
        continue;
      }
    }

    // Main fetch, steps 14-16: the filtered response the page gets.
    return finish({ status: answer.status, headers: responseHeaders, tainting, lastCheck, preflightNote });
  }

  function finish(final: {
    status: number;
    headers: HeaderList;
    tainting: ResponseTainting;
    lastCheck?: Verdict;
    preflightNote: string;
  }): Prediction {
    const base = { preflight: firstPreflight, ...(preflightHeaders && { preflightHeaders }), hops, steps };
    const redirects = redirectCount === 0 ? '' : ` after ${redirectCount} redirect${redirectCount === 1 ? '' : 's'}`;
    if (final.tainting === 'opaque') {
      steps.push(`${MAIN}, step 14.2: an opaque filtered response: status 0, no headers, no body`);
      return {
        ...base,
        outcome: 'blocked',
        exposedHeaders: [],
        explanation: `blocked: mode 'no-cors' gives an opaque response${redirects}: the server answered ${final.status}, but status, headers and body are hidden from the page`,
      };
    }
    const exposed =
      final.tainting === 'cors'
        ? corsExposedHeaderNames(final.headers, spec.credentials)
        : { names: [], wildcard: false, malformed: false };
    if (final.tainting === 'cors') {
      const list = exposed.wildcard
        ? "'*' (every header name)"
        : exposed.malformed
          ? 'malformed (ignored)'
          : exposed.names.length
            ? exposed.names.join(', ')
            : 'none';
      steps.push(`${MAIN}, step 14.1: Access-Control-Expose-Headers gives the CORS-exposed header-name list: ${list}`);
    }
    const exposedHeaders = readableHeaderNames(final.headers, final.tainting, exposed.names);
    steps.push(
      `${MAIN}, step 14.2: a ${final.tainting === 'cors' ? 'CORS' : 'basic'} filtered response; readable headers: ${exposedHeaders.join(', ') || 'none'}`,
    );
    const how =
      final.tainting === 'basic'
        ? `the ${final.status} response is same-origin${redirects}, so no CORS check applies`
        : `the ${final.status} response${redirects} passes the CORS check (${final.lastCheck!.reason})${final.preflightNote}`;
    if (spec.readHeader !== undefined) {
      const readable = headerReadability(spec.readHeader, final.headers, final.tainting, exposed, spec.credentials);
      steps.push(`${readable.cite}: ${readable.reason}`);
      if (!readable.ok) {
        const passed = final.tainting === 'basic' ? 'is same-origin' : 'passes the CORS check';
        return {
          ...base,
          outcome: 'blocked',
          exposedHeaders,
          explanation: `blocked: the ${final.status} response${redirects} ${passed}, but ${readable.reason}`,
        };
      }
      return { ...base, outcome: 'allowed', exposedHeaders, explanation: `allowed: ${how}, and ${readable.reason}` };
    }
    return { ...base, outcome: 'allowed', exposedHeaders, explanation: `allowed: ${how}` };
  }
}

function describeBranch(
  branch: 'basic' | 'opaque' | 'cors-preflight' | 'cors',
  url: string,
  isSameOrigin: boolean,
): string {
  const where = isSameOrigin
    ? `${url} is same-origin, but the request already went cross-origin`
    : `${url} is cross-origin`;
  switch (branch) {
    case 'basic':
      return `${url} is same-origin: fetched without the CORS protocol`;
    case 'opaque':
      return `${where}, mode 'no-cors': no CORS check, the response will be opaque`;
    case 'cors-preflight':
      return `${where}: the CORS protocol, and the request is not simple`;
    case 'cors':
      return `${where}: the CORS protocol; a simple request needs no preflight`;
  }
}
