// `cors-lab run --middleware a,b,...`: the same scenarios against each real
// middleware in turn, merged into one result whose columns are middleware ×
// engine, with each middleware's hygiene findings and what it answers to a
// Private Network preflight.
import { Upstream } from '../../servers/upstream.ts';
import type { MiddlewareSection } from '../result/middleware.ts';
import { interruptionRecord, summarize, type CellResult, type RunResult } from '../result/result.ts';
import { runScenarios, type RunOptions } from '../run/runner.ts';
import type { MiddlewareAdapter } from './adapter.ts';
import { hygieneFindings } from './hygiene.ts';
import { serveMiddleware } from './serve.ts';

export async function runWithMiddlewares(
  options: Omit<RunOptions, 'middleware'> & { adapters: MiddlewareAdapter[] },
): Promise<RunResult> {
  const started = performance.now();
  const runs: { adapter: MiddlewareAdapter; result: RunResult }[] = [];
  for (const adapter of options.adapters) {
    const result = await runScenarios({ ...options, middleware: adapter });
    runs.push({ adapter, result });
    if (result.interrupted) break; // a signal: the middlewares after this one are not run
  }
  const { interrupted: firstInterrupted, ...first } = runs[0]!.result;
  const stopped = runs.at(-1)!.result.interrupted;
  // Every middleware's run plans the same cells.
  const plannedPerRun = firstInterrupted ? firstInterrupted.completed + firstInterrupted.notRun : first.results.length;
  const results: CellResult[] = runs.flatMap(({ adapter, result }) =>
    result.results.map((cell) => ({ ...cell, variant: adapter.name })),
  );
  // Rows as listed; within a row, middlewares as given, then engines. Each
  // run's cells are already by row then engine, and they are concatenated in
  // middleware order, so a stable sort by row is enough.
  const rowOrder = new Map(first.scenarios.map((scenario, index) => [scenario.id, index]));
  results.sort((a, b) => rowOrder.get(a.scenario)! - rowOrder.get(b.scenario)!);

  const middleware: MiddlewareSection = { variants: [] };
  for (const { adapter, result } of runs) {
    middleware.variants.push({
      id: adapter.name,
      version: adapter.version,
      hygiene: hygieneFindings(result.scenarios, result.results),
      privateNetwork: await privateNetworkAnswer(adapter),
    });
  }
  // Each middleware's run launched the engines anew: an engine that did not start in any of them is listed once.
  const byId = <T extends { id: string }>(entries: T[]) => [
    ...new Map(entries.map((entry) => [entry.id, entry])).values(),
  ];
  return {
    ...first,
    engines: byId(runs.flatMap(({ result }) => result.engines)),
    enginesMissing: byId(runs.flatMap(({ result }) => result.enginesMissing)),
    durationMs: Math.round(performance.now() - started),
    results,
    summary: summarize(results),
    ...interruptionRecord(
      stopped ? { signal: stopped.signal, at: new Date(stopped.at) } : undefined,
      plannedPerRun * options.adapters.length,
      results.length,
    ),
    middleware,
  };
}

/**
 * Browsers send Access-Control-Request-Private-Network only from public
 * pages to private addresses, which a loopback lab is not; so this one is
 * asked from Node: a preflight with the header, to a policy that allows it.
 */
async function privateNetworkAnswer(adapter: MiddlewareAdapter): Promise<string> {
  const origin = 'https://app.example.com';
  const server = await serveMiddleware(adapter, { origins: [origin], privateNetwork: true });
  try {
    const answer = await new Upstream({ timeoutMs: 5000 }).send({
      url: `http://127.0.0.1:${server.port}/items`,
      method: 'OPTIONS',
      headers: [
        ['Origin', origin],
        ['Access-Control-Request-Method', 'GET'],
        ['Access-Control-Request-Private-Network', 'true'],
      ],
    });
    answer.body.resume();
    const allow = answer.headers.find(([name]) => name.toLowerCase() === 'access-control-allow-private-network')?.[1];
    return allow === 'true'
      ? 'answers Access-Control-Allow-Private-Network: true'
      : `no Access-Control-Allow-Private-Network in its ${answer.status} answer (not supported)`;
  } catch (error) {
    return `could not be asked: ${(error as Error).message}`;
  } finally {
    await server.close();
  }
}
