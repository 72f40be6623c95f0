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
import { caPemProblem, CheckInputError, planFromCli, type CheckPlan } from '../check/plan.ts';
import { CheckEngines } from '../check/engines.ts';
import { runCheck } from '../check/runner.ts';
import { listCachedBuilds } from '../engines/builds/cache.ts';
import { discoverAll } from '../engines/discovery.ts';
import type { RemoteEngineConfig } from '../engines/remote-config.ts';
import { ENGINE_IDS, type EngineId } from '../engines/types.ts';
import { formatProblem } from '../scenario/loader.ts';
import { EXPORT_KINDS, exportRun, type ExportKind } from './export.ts';
import { UI_PAGE } from './page.ts';
import { cellView, compareRuns, runForm, RunStore, type RunForm, type UiEvent, type UiRun } from './runs.ts';
import { messageOf } from '../package/error-message.ts';

/** The header the page sends its token in; the event stream, which cannot send headers, takes it in the query. */
export const TOKEN_HEADER = 'x-cors-lab-token';

export interface UiOptions {
  /** Remote engines (--remote, --remote-config), offered beside the local ones. */
  remote?: RemoteEngineConfig[];
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
  /** How many browsers the UI has launched: runs after the first over the same hosts launch none. */
  browsersLaunched(): number;
  close(): Promise<void>;
}

export async function startUi(options: UiOptions = {}): Promise<RunningUi> {
  const token = randomBytes(24).toString('base64url');
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const runs = new RunStore();
  // Browsers kept warm between runs (a run after the first starts none), one run at a time in them.
  const warm = new CheckEngines({
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.certDir ? { certDir: options.certDir } : {}),
  });
  let queue: Promise<void> = Promise.resolve();
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
    if (!ownHosts().includes(request.headers.host ?? ''))
      return reply
        .code(403)
        .type('text/plain')
        .send("cors-lab ui: this Host is not the UI's own (a DNS-rebinding guard); open the URL cors-lab ui printed\n");
    const origin = request.headers.origin;
    if (origin !== undefined && !ownOrigins().includes(origin))
      return reply.code(403).type('text/plain').send('cors-lab ui: requests from other origins are refused\n');
    // The browser asks for an icon without the token: an empty answer, not a 401 in the page's console.
    if (request.method === 'GET' && request.url === '/favicon.ico') return reply.code(204).send();
    const given = request.headers[TOKEN_HEADER] ?? (request.query as Record<string, unknown>).token;
    if (!tokenMatches(given))
      return reply
        .code(401)
        .type('text/plain')
        .send('cors-lab ui: the token is missing or wrong; open the URL cors-lab ui printed\n');
  });

  app.get('/', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header(
        'content-security-policy',
        "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      )
      .header('x-frame-options', 'DENY')
      .send(UI_PAGE),
  );

  app.post('/api/runs', async (request, reply) => {
    // JSON only: a form another site posts cannot be JSON without a preflight this server never answers.
    if (!(request.headers['content-type'] ?? '').startsWith('application/json'))
      return reply.code(415).send({ problems: ['send the form as application/json'] });
    const input = runForm.safeParse(request.body);
    if (!input.success)
      return reply
        .code(400)
        .send({ problems: input.error.issues.map((issue) => `${issue.path.join('.') || '(form)'}: ${issue.message}`) });
    const planned = planOf(input.data);
    if ('problems' in planned) return reply.code(400).send(planned);
    const offered = await enginesOffered(options.remote ?? []);
    const unknown = input.data.engines.filter((id) => !offered.some((engine) => engine.id === id && engine.found));
    if (unknown.length > 0)
      return reply.code(400).send({
        problems: unknown.map(
          (id) =>
            `engines: '${id}' is not an engine this machine has. Fix: choose one the form lists (npx cors-lab browsers says how to get more)`,
        ),
      });
    const run = runs.add(input.data);
    queue = queue.then(() => startRun(run, planned.plan));
    return reply.code(202).send({ id: run.id });
  });

  app.get('/api/runs', async () => ({ runs: runs.history() }));

  app.get('/api/engines', async () => ({ engines: await enginesOffered(options.remote ?? []) }));

  app.get('/api/runs/:id', async (request, reply) => {
    const run = runs.get((request.params as { id: string }).id);
    if (!run) return reply.code(404).send({ problems: ['no such run: the UI keeps the last 30'] });
    return {
      id: run.id,
      startedAt: run.startedAt,
      form: run.form,
      done: run.done,
      cells: (run.result?.results ?? []).map((cell) => cellView(cell, run.result)),
      findings: run.result?.check.findings ?? [],
    };
  });

  app.get('/api/runs/:id/events', (request, reply) => {
    const run = runs.get((request.params as { id: string }).id);
    if (!run) return reply.code(404).type('text/plain').send('no such run\n');
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    const send = ({ event, data }: UiEvent) => raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    for (const event of run.events) send(event);
    if (run.done) {
      raw.end();
      return;
    }
    const listener = (event: UiEvent) => {
      send(event);
      if (event.event === 'end') raw.end();
    };
    run.listeners.add(listener);
    request.raw.on('close', () => run.listeners.delete(listener));
  });

  app.get('/api/compare', async (request, reply) => {
    const { a, b } = request.query as { a?: string; b?: string };
    const before = runs.get(a ?? '');
    const after = runs.get(b ?? '');
    if (!before?.result || !after?.result)
      return reply.code(404).send({ problems: ['compare two finished runs from the history (a= and b=)'] });
    return compareRuns(before, after);
  });

  app.get('/api/runs/:id/export', async (request, reply) => {
    const run = runs.get((request.params as { id: string }).id);
    const as = (request.query as { as?: string }).as as ExportKind;
    if (!EXPORT_KINDS.includes(as))
      return reply.code(400).send({ problems: [`as: one of ${EXPORT_KINDS.join(', ')}`] });
    if (!run?.result || !run.plan)
      return reply.code(404).send({ problems: ['export a finished run from the history'] });
    const exported = exportRun(as, run.plan, run.result);
    return reply
      .type(exported.contentType)
      .header('content-disposition', `attachment; filename="${exported.fileName}"`)
      .send(exported.text);
  });

  /** Runs the plan, streaming each cell; whatever happens, the run ends and the UI stays up for the next. */
  async function startRun(run: UiRun, plan: CheckPlan): Promise<void> {
    run.plan = plan;
    const started = performance.now();
    try {
      const result = await runCheck({
        plan,
        engines: run.form.engines,
        remote: options.remote ?? [],
        timeoutMs: options.timeoutMs ?? 10_000,
        ...(options.certDir ? { certDir: options.certDir } : {}),
        warm,
        onCell: (cell) => runs.emit(run, { event: 'cell', data: cellView(cell) }),
      });
      run.result = result;
      runs.emit(run, {
        event: 'done',
        data: {
          engines: result.engines.map((engine) => ({
            id: engine.id,
            browser: engine.browser,
            version: engine.version,
          })),
          seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
          missing: result.enginesMissing.map((missing) => ({ id: missing.id, reason: missing.reason })),
          // The final cells carry the spec's steps, which the streamed ones did not have yet.
          cells: result.results.map((cell) => cellView(cell, result)),
          findings: result.check.findings,
        },
      });
    } catch (error) {
      runs.emit(run, { event: 'failed', data: { message: messageOf(error) } });
    } finally {
      run.done = true;
      runs.emit(run, { event: 'end', data: {} });
    }
  }

  // Loopback only: the UI is for the person at this machine.
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  port = (app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    runsStarted: () => runs.started,
    browsersLaunched: () => warm.launched,
    close: async () => {
      await app.close();
      await queue;
      await warm.close();
    },
  };
}

/** The form as a check plan (planFromCli, as the command line would give it), or the problems with it in check's words. */
function planOf(form: RunForm): { plan: CheckPlan } | { problems: string[] } {
  // A line "ORIGIN=blocked" (or "ORIGIN blocked") is an origin the server must refuse, as --expect ORIGIN=blocked says; others are expected allowed.
  const expected = form.origins.map((line) => /^(\S+?)\s*[=\s]\s*(allowed|blocked)$/.exec(line.trim()));
  try {
    const plan = planFromCli(form.url, {
      origin: form.origins.map((line, at) => expected[at]?.[1] ?? line),
      expect: expected.flatMap((found) => (found ? [`${found[1]}=${found[2]}`] : [])),
      method: form.method,
      header: form.headers,
      ...(form.body !== undefined && form.body !== '' ? { body: form.body } : {}),
      credentials: form.credentials,
      kind: form.kind,
      resolve: form.resolve,
      ca: [],
      sweep: form.sweep,
      missingPath: false,
    });
    const notPem = form.ca.flatMap((ca) => caPemProblem(ca.name, ca.pem) ?? []);
    if (notPem.length > 0)
      return { problems: notPem.map((problem) => `ca: ${problem}. Fix: choose the CA's certificate file in PEM form`) };
    return { plan: { ...plan, ca: form.ca.map((ca) => ({ file: ca.name, pem: ca.pem })) } };
  } catch (error) {
    if (!(error instanceof CheckInputError)) throw error;
    return { problems: error.problems.map((problem) => formatProblem(problem).replace(/^command line: /, '')) };
  }
}

/** Every engine the form offers: the three families (found or not, and why), the builds in the build cache, the remote engines configured. */
async function enginesOffered(
  remote: RemoteEngineConfig[],
): Promise<{ id: EngineId; found: boolean; detail: string }[]> {
  const builds = listCachedBuilds();
  const discovered = await discoverAll(
    [...ENGINE_IDS, ...builds.map((build) => build.name), ...remote.map((engine) => engine.id)],
    remote,
  );
  return discovered.map((engine) => {
    const build = builds.find((one) => one.name === engine.id);
    const kind = build
      ? `${build.kind} ${build.version}`
      : remote.some((one) => one.id === engine.id)
        ? 'remote'
        : 'system';
    return {
      id: engine.id,
      found: engine.discovery.found,
      detail: engine.discovery.found ? kind : `${engine.discovery.reason}; ${engine.discovery.fix}`,
    };
  });
}
