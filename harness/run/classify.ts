// Classification: what the page saw, checked against what the lab server
// journaled. The three outcomes stay apart:
//   allowed  the page could read the response;
//   blocked  a lab server answered, and the browser withheld the response; or
//            nothing was sent, but a reachability control shows the engine
//            reaches that server, so the browser refused the request itself;
//   error    no answer reached the browser: refused, TLS, DNS, timeout, crash.
import type { JournalEntry } from '../../servers/journal.ts';
import type { Outcome } from '../scenario/schema.ts';
import type { PageOutcome } from '../session/failure.ts';
import { REDIRECT_LIMIT } from '../spec/redirects.ts';
import type { ReachabilityControl } from '../result/result.ts';

export interface ClassifyInput {
  /** What the page reported, or a harness failure that kept it from reporting. */
  probe: PageOutcome;
  /** Journal entries carrying this probe's nonce. */
  journal: JournalEntry[];
  /** TLS handshake failures on the target's server while the probe ran. */
  tlsErrors: number;
  mode: 'cors' | 'no-cors';
  readHeader?: string;
  /** The outcome needs this cookie to have reached the server. */
  requireCookie?: string;
  /** For a rejected probe that reached no server: the reachability control (reachability.ts). */
  control?: ReachabilityControl;
}

export interface Classification {
  outcome: Outcome;
  explanation: string;
  preflightSent: boolean;
  requestReached: boolean;
  cookiesSent: boolean;
  cookiesReceived: string[];
  /** Set when the response was readable but the required cookie was not sent. */
  cookieWithheld?: boolean;
  /** The status the server sent to the actual request (last answer), if any. */
  serverStatus?: number;
}

export function classify(input: ClassifyInput): Classification {
  const preflights = input.journal.filter((entry) => entry.kind === 'preflight');
  // A request the lab's proxy could not forward (check mode) never reached the server.
  const unanswerable = input.journal.find(
    (entry) => (entry.kind === 'preflight' || entry.kind === 'request') && entry.error !== undefined,
  );
  const requests = input.journal.filter((entry) => entry.kind === 'request' && entry.error === undefined);
  // Only probe traffic counts as an answer (not lab pages such as a cookie visit).
  const answered = input.journal.filter(
    (entry) => (entry.kind === 'preflight' || entry.kind === 'request') && entry.status !== undefined,
  );
  const lastRequest = requests.at(-1);
  const facts = {
    preflightSent: preflights.length > 0,
    requestReached: requests.length > 0,
    cookiesSent: input.journal.some((entry) => entry.headers?.cookie !== undefined),
    cookiesReceived: cookieNames(lastRequest?.headers?.cookie),
    serverStatus: lastRequest?.status ?? preflights.at(-1)?.status,
  };
  const serverSaw = describeJournal(
    preflights,
    requests,
    input.journal.filter((entry) => entry.kind === 'request' && entry.error !== undefined),
  );

  if ('harnessError' in input.probe) {
    return {
      ...facts,
      outcome: 'error',
      explanation: `error: the harness could not run the probe (${input.probe.harnessError}). ${serverSaw}`,
    };
  }
  const probe = input.probe;

  if (probe.settled === 'timeout') {
    return {
      ...facts,
      outcome: 'error',
      explanation: `error: the request did not settle within the probe timeout. ${serverSaw}`,
    };
  }

  if (probe.settled === 'resolved') {
    if (input.mode === 'no-cors' && probe.type === 'opaque') {
      return {
        ...facts,
        outcome: 'blocked',
        explanation: `blocked: mode 'no-cors' gave an opaque response; status, headers and body are hidden from the page. ${serverSaw}`,
      };
    }
    if (probe.withheld) {
      return { ...facts, outcome: 'blocked', explanation: `blocked: ${probe.withheld}. ${serverSaw}` };
    }
    if (input.requireCookie && !facts.cookiesReceived.includes(input.requireCookie)) {
      const sent =
        facts.cookiesReceived.length > 0 ? `it sent ${facts.cookiesReceived.join(', ')}` : 'it sent no cookies';
      return {
        ...facts,
        outcome: 'blocked',
        cookieWithheld: true,
        explanation: `blocked: the response was readable, but the browser did not send cookie '${input.requireCookie}' (${sent}). ${serverSaw}`,
      };
    }
    if (input.readHeader && (probe.readHeader?.value ?? null) === null) {
      return {
        ...facts,
        outcome: 'blocked',
        explanation: `blocked: the response was readable, but header '${input.readHeader.toLowerCase()}' was not exposed to the page (readable: ${Object.keys(probe.readableHeaders ?? {}).join(', ') || 'none'}). ${serverSaw}`,
      };
    }
    const read = input.readHeader ? `; header '${input.readHeader.toLowerCase()}' readable` : '';
    const what =
      probe.status === undefined
        ? `the page read the content (${probe.body ?? probe.type})`
        : `the page read the response (status ${probe.status}${read})`;
    return { ...facts, outcome: 'allowed', explanation: `allowed: ${what}. ${serverSaw}` };
  }

  // Rejected: blocked only if a lab server really answered.
  const message = probe.error ? `${probe.error.name}: ${probe.error.message}` : 'rejected';
  if (answered.length > 0) {
    // A network error that no CORS rule caused is no refusal: error, with its cause.
    const notCors = networkFailure(answered);
    if (notCors)
      return {
        ...facts,
        outcome: 'error',
        explanation: `error: ${notCors}, a network error in every browser and no CORS refusal. Page saw "${message}". ${serverSaw}`,
      };
    // The last answer decides (with repeat, earlier attempts came first).
    const last = answered.at(-1)!;
    const reason =
      last.kind === 'preflight'
        ? `the browser refused the preflight answer (status ${last.status})${facts.requestReached ? '' : ', so the actual request was never sent'}`
        : `the server answered the request (status ${last.status}), and the browser withheld the response from the page`;
    return { ...facts, outcome: 'blocked', explanation: `blocked: ${reason}. Page saw "${message}". ${serverSaw}` };
  }
  if (input.control?.reached) {
    return {
      ...facts,
      outcome: 'blocked',
      explanation: `blocked before sending: no request reached the server, but this engine reached the same server by a top-level navigation to ${input.control.url} (journal: control), so the browser refused the request itself. Page saw "${message}".`,
    };
  }
  if (unanswerable) {
    return {
      ...facts,
      outcome: 'error',
      explanation: `error: no answer: the lab's proxy could not reach the target for the ${unanswerable.kind} ${unanswerable.method} ${unanswerable.url}: ${unanswerable.error}. Page saw "${message}".`,
    };
  }
  const control = input.control
    ? `; a top-level navigation to ${input.control.url} did not reach it either${input.control.error ? ` (${input.control.error})` : ''}`
    : '';
  const why =
    input.tlsErrors > 0
      ? `the target's server saw ${input.tlsErrors} TLS handshake failure(s): the browser did not trust its certificate`
      : `no request reached any lab server (connection refused, DNS or TLS failure)${control}`;
  return { ...facts, outcome: 'error', explanation: `error: no answer: ${why}. Page saw "${message}".` };
}

/** What the journal shows, in one sentence; `unanswered`: requests the lab's proxy sent on that got no answer (check mode). */
/** Larger header sections than this are refused by Chromium (256 KiB; Firefox takes up to 384 KiB, WebKitGTK's libsoup less). */
export const MAX_BROWSER_HEADER_BYTES = 256 * 1024;

/**
 * Why the answers a rejected probe got would fail in any browser whatever
 * their CORS headers, or undefined: more redirects than Fetch follows, or a
 * header section larger than browsers accept.
 */
function networkFailure(answered: JournalEntry[]): string | undefined {
  const redirects = answered.filter(
    (entry) =>
      entry.kind === 'request' &&
      entry.status !== undefined &&
      entry.status >= 300 &&
      entry.status < 400 &&
      entry.responseHeaders?.location !== undefined,
  );
  if (redirects.length > REDIRECT_LIMIT) {
    return `the server redirected ${redirects.length} times; Fetch follows at most ${REDIRECT_LIMIT} redirects (Fetch § 4.4 HTTP-redirect fetch: "if request's redirect count is 20, return a network error")`;
  }
  const huge = answered.find((entry) => headerBytes(entry.responseHeaders) > MAX_BROWSER_HEADER_BYTES);
  if (huge)
    return `the answer to the ${huge.kind} had a ${Math.round(headerBytes(huge.responseHeaders) / 1024)} KiB header section; browsers refuse header sections past ${MAX_BROWSER_HEADER_BYTES / 1024} KiB`;
  return undefined;
}

function headerBytes(headers: JournalEntry['responseHeaders']): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(headers ?? {})) {
    for (const line of Array.isArray(value) ? value : [value]) bytes += name.length + String(line).length + 4;
  }
  return bytes;
}

function describeJournal(
  preflights: JournalEntry[],
  requests: JournalEntry[],
  unanswered: JournalEntry[] = [],
): string {
  const parts: string[] = [];
  parts.push(
    preflights.length > 0
      ? `Preflight sent (answered ${preflights.map((entry) => entry.status ?? 'nothing').join(', ')})`
      : 'No preflight',
  );
  parts.push(
    requests.length > 0
      ? `request reached the server ${requests.length > 1 ? `${requests.length} times ` : ''}(answered ${requests.map((entry) => entry.status ?? 'nothing').join(', ')})`
      : unanswered.length > 0
        ? `the browser sent the request and the lab's proxy passed it on, but the target gave no answer (${unanswered[0]!.error})`
        : 'request never reached the server',
  );
  return `${parts.join('; ')}.`;
}

/** Cookie names in a Cookie request header. */
function cookieNames(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(';')
    .map((pair) => pair.split('=')[0]!.trim())
    .filter(Boolean);
}
