// `cors-lab ui`: a local web app where a form takes what `check` takes, runs
// it in every chosen engine, and streams each engine's cell as it comes
// (server-sent events). Whoever can reach it can make real browsers on this
// machine fetch any URL, so it guards itself before anything else: it listens
// on loopback only, refuses a Host that is not its own (DNS rebinding), an
// Origin that is not its own page (another site driving it), and any request
// without the random token in the URL it prints (as Jupyter does).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CheckInputError, planFromCli } from '../check/plan.ts';
import { runCheck } from '../check/runner.ts';
import { formatProblem } from '../scenario/loader.ts';
import { ENGINE_IDS, type EngineId } from '../engines/types.ts';
import type { CellResult } from '../result/result.ts';
import { UI_PAGE } from './page.ts';

/** The header the page sends its token in; the event stream, which cannot send headers, takes it in the query. */
export const TOKEN_HEADER = 'x-cors-lab-token';
/** Runs kept for their event streams: the oldest go first. */
const KEPT_RUNS = 20;

export interface UiOptions {
  /** 0: any free port. */
  port?: number;
  /** Per probe, as check's --timeout. */
  timeoutMs?: number;
  certDir?: string;
}

export interface RunningUi {
  /** The URL to open, token included. */
  url: string;
  port: number;
  token: string;
  /** How many runs the form started: what a refused request must leave unchanged. */
  runsStarted(): number;
  close(): Promise<void>;
}

/** What the form sends: check's options, one request. */
const runInput = z
  .object({
    url: z.string().min(1),
    origins: z.array(z.string()).default([]),
    method: z.string().default('GET'),
    headers: z.array(z.string()).default([]),
    body: z.string().optional(),
    credentials: z.enum(['omit', 'same-origin', 'include']).default('same-origin'),
    kind: z.enum(['fetch', 'xhr', 'img-canvas', 'font']).default('fetch'),
    resolve: z.array(z.string()).default([]),
    engines: z.array(z.enum(ENGINE_IDS)).default([...ENGINE_IDS]),
  })
  .strict();

interface Run {
  events: { event: string; data: unknown }[];
  done: boolean;
  listeners: Set<(event: { event: string; data: unknown }) => void>;
}

export async function startUi(options: UiOptions = {}): Promise<RunningUi> {
  const token = randomBytes(24).toString('base64url');
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const runs = new Map<string, Run>();
  let started = 0;
  let port = 0;
  const ownHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const ownOrigins = () => ownHosts().map((host) => `http://${host}`);

  const tokenMatches = (given: unknown): boolean => {
    if (typeof given !== 'string') return false;
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  // Every request, before any route: its Host, its Origin, its token.
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!ownHosts().includes(request.headers.host ?? '')) return reply.code(403).type('text/plain').send('cors-lab ui: this Host is not the UI\'s own (a DNS-rebinding guard); open the URL cors-lab ui printed\n');
    const origin = request.headers.origin;
    if (origin !== undefined && !ownOrigins().includes(origin)) return reply.code(403).type('text/plain').send('cors-lab ui: requests from other origins are refused\n');
    const given = request.headers[TOKEN_HEADER] ?? (request.query as Record<string, unknown>).token;
    if (!tokenMatches(given)) return reply.code(401).type('text/plain').send('cors-lab ui: the token is missing or wrong; open the URL cors-lab ui printed\n');
  });

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'").header('x-frame-options', 'DENY').send(UI_PAGE));

  app.post('/api/runs', async (request, reply) => {
    // JSON only: a form another site posts cannot be JSON without a preflight this server never answers.
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return reply.code(415).send({ problems: ['send the form as application/json'] });
    const input = runInput.safeParse(request.body);
    if (!input.success) return reply.code(400).send({ problems: input.error.issues.map((issue) => `${issue.path.join('.') || '(form)'}: ${issue.message}`) });
    const form = input.data;
    let plan;
    try {
      plan = planFromCli(form.url, {
        origin: form.origins,
        expect: [],
        method: form.method,
        header: form.headers,
        ...(form.body !== undefined && form.body !== '' ? { body: form.body } : {}),
        credentials: form.credentials,
        kind: form.kind,
        resolve: form.resolve,
        ca: [],
        sweep: false,
        missingPath: false,
      });
    } catch (error) {
      if (!(error instanceof CheckInputError)) throw error;
      return reply.code(400).send({ problems: error.problems.map((problem) => formatProblem(problem).replace(/^command line: /, '')) });
    }
    const id = randomBytes(8).toString('hex');
    started++;
    const run: Run = { events: [], done: false, listeners: new Set() };
    runs.set(id, run);
    for (const old of [...runs.keys()].slice(0, Math.max(0, runs.size - KEPT_RUNS))) runs.delete(old);
    const emit = (event: string, data: unknown) => {
      run.events.push({ event, data });
      for (const listener of run.listeners) listener({ event, data });
    };
    void runCheck({ plan, engines: form.engines as EngineId[], timeoutMs: options.timeoutMs ?? 10_000, ...(options.certDir ? { certDir: options.certDir } : {}), onCell: (cell) => emit('cell', cellView(cell)) })
      .then((result) => emit('done', { engines: result.engines.map((engine) => ({ id: engine.id, browser: engine.browser, version: engine.version })), missing: result.enginesMissing.map((missing) => ({ id: missing.id, reason: missing.reason })) }))
      .catch((error: unknown) => emit('failed', { message: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        run.done = true;
        for (const listener of run.listeners) listener({ event: 'end', data: {} });
      });
    return reply.code(202).send({ id });
  });

  app.get('/api/runs/:id/events', (request, reply) => {
    const run = runs.get((request.params as { id: string }).id);
    if (!run) return reply.code(404).type('text/plain').send('no such run\n');
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = ({ event, data }: { event: string; data: unknown }) => raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    for (const event of run.events) send(event);
    if (run.done) {
      send({ event: 'end', data: {} });
      raw.end();
      return;
    }
    const listener = (event: { event: string; data: unknown }) => {
      send(event);
      if (event.event === 'end') raw.end();
    };
    run.listeners.add(listener);
    request.raw.on('close', () => run.listeners.delete(listener));
  });

  // Loopback only: the UI is for the person at this machine.
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  port = (app.server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/?token=${token}`, port, token, runsStarted: () => started, close: () => app.close() };
}

/** What the page shows of a cell: the outcome, the spec's, the verdict and why, and the requests the journal holds. */
function cellView(cell: CellResult) {
  return {
    row: cell.scenario,
    engine: cell.engine,
    outcome: cell.outcome,
    spec: cell.spec,
    verdict: cell.verdict,
    explanation: cell.explanation,
    ...(cell.deviation ? { knownBehaviour: { source: cell.deviation.source, note: cell.deviation.note ?? '' } } : {}),
    ...(cell.requestMismatch ? { requestMismatch: cell.requestMismatch } : {}),
    chain: cell.evidence.requestShape?.chain ?? null,
    journal: cell.evidence.journal.filter((entry) => entry.kind === 'preflight' || entry.kind === 'request').map((entry) => ({ kind: entry.kind, method: entry.method, url: entry.url, status: entry.status, origin: entry.headers?.origin ?? null })),
  };
}
