// `npm run bench`: runs the starter catalog twice in one process, in the
// default isolation mode and with `--isolation probe` (a fresh context per
// probe), and prints per engine: probes per second, wall time (including
// browser start-up), peak RSS of the engine's processes, and the ratio
// between the two modes. Figures are measured here, in this run.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_CATALOG } from '../harness/package/root.ts';
import { ENGINE_IDS, type EngineId } from '../harness/engines/types.ts';
import { loadScenarios } from '../harness/scenario/loader.ts';
import { runScenarios, type IsolationMode } from '../harness/run/runner.ts';

/** Which engine a process belongs to, from its executable name. */
const ENGINE_PROCESS: [RegExp, EngineId][] = [
  [/chrom(e|ium)/i, 'chromium'],
  [/firefox/i, 'firefox'],
  [/WebKit|MiniBrowser/, 'webkit'],
];

/**
 * PSS (resident memory with shared pages split between their users), so that
 * summing a multi-process browser does not count shared libraries many
 * times; plain RSS where smaps_rollup cannot be read.
 */
function processMemory(pid: string): number {
  try {
    const pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    if (pss) return Number(pss[1]) * 1024;
  } catch {
    // fall through to statm
  }
  return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
}

function engineRss(): Map<EngineId, number> {
  const totals = new Map<EngineId, number>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const exe = readlinkSync(`/proc/${pid}/exe`);
      const engine = ENGINE_PROCESS.find(([pattern]) => pattern.test(exe.split('/').pop()!))?.[1];
      if (!engine) continue;
      totals.set(engine, (totals.get(engine) ?? 0) + processMemory(pid));
    } catch {
      // the process ended while we looked
    }
  }
  return totals;
}

interface EngineFigures {
  wallMs: number;
  /** From the browser being launched to its last probe. */
  probePhaseMs: number;
  probes: number;
  peakRssBytes: number;
  errors: number;
  version: string;
}

/** The starter catalog (the first 32 scenarios): both isolation modes run it. */
const STARTER = ['basics/acao.yaml', 'preflight/triggers.yaml', 'credentials/credentials.yaml', 'exposure/headers.yaml', 'sites/sites.yaml'].map((file) => join(BUILTIN_CATALOG, file));

async function measure(isolation: IsolationMode, paths: string[]): Promise<{ totalMs: number; engines: Map<EngineId, EngineFigures> }> {
  const { scenarios, problems } = loadScenarios(paths);
  if (problems.length > 0) throw new Error(`catalog has problems: ${JSON.stringify(problems)}`);
  const peaks = new Map<EngineId, number>();
  const finished = new Map<EngineId, number>();
  const launched = new Map<EngineId, number>();
  const sampler = setInterval(() => {
    for (const [engine, rss] of engineRss()) peaks.set(engine, Math.max(peaks.get(engine) ?? 0, rss));
  }, 1000); // reading smaps_rollup costs CPU: sample once a second so the bench measures the lab, not itself
  const started = performance.now();
  const result = await runScenarios({
    scenarios,
    timeoutMs: 10_000,
    isolation,
    onProgress: ({ engine, done, total }) => {
      if (done === 0) launched.set(engine, performance.now() - started);
      if (done === total) finished.set(engine, performance.now() - started);
    },
  });
  const totalMs = performance.now() - started;
  clearInterval(sampler);
  const engines = new Map<EngineId, EngineFigures>();
  for (const engine of result.engines) {
    engines.set(engine.id, {
      wallMs: finished.get(engine.id) ?? totalMs,
      probePhaseMs: (finished.get(engine.id) ?? totalMs) - (launched.get(engine.id) ?? 0),
      probes: result.results.filter((cell) => cell.engine === engine.id).length,
      peakRssBytes: peaks.get(engine.id) ?? 0,
      errors: result.results.filter((cell) => cell.engine === engine.id && cell.outcome === 'error').length,
      version: engine.version,
    });
  }
  for (const missing of result.enginesMissing) process.stdout.write(`  ${missing.id}: not run (${missing.reason})\n`);
  return { totalMs, engines };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

process.stdout.write('cors-lab bench: starter catalog, default isolation (group) vs --isolation probe; then the full catalog\n');
const group = await measure('group', STARTER);
const probe = await measure('probe', STARTER);
const full = await measure('group', [BUILTIN_CATALOG]);

const rows = [['engine', 'mode', 'probes', 'wall (with start-up)', 'probe phase', 'probes/s', 'peak memory (PSS)', 'errors']];
for (const id of ENGINE_IDS) {
  for (const [mode, run] of [['group', group], ['probe', probe]] as const) {
    const figures = run.engines.get(id);
    if (!figures) continue;
    rows.push([`${id} ${figures.version}`, mode, String(figures.probes), seconds(figures.wallMs), seconds(figures.probePhaseMs), (figures.probes / (figures.probePhaseMs / 1000)).toFixed(1), mib(figures.peakRssBytes), String(figures.errors)]);
  }
}
const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
for (const row of rows) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')}\n`);

process.stdout.write('\nratio, --isolation probe against the default (same run): probe phase, and wall time with start-up\n');
for (const id of ENGINE_IDS) {
  const a = group.engines.get(id);
  const b = probe.engines.get(id);
  if (a && b) process.stdout.write(`  ${id}: ${(b.probePhaseMs / a.probePhaseMs).toFixed(1)}x probe phase, ${(b.wallMs / a.wallMs).toFixed(1)}x wall\n`);
}
process.stdout.write(`\nstarter catalog, all engines side by side: default ${seconds(group.totalMs)}, probe ${seconds(probe.totalMs)} (goals: default <= 30 s, probe >= 5x slower)\n`);
const fullProbes = [...full.engines.values()].reduce((sum, figures) => sum + figures.probes, 0);
const fullErrors = [...full.engines.values()].reduce((sum, figures) => sum + figures.errors, 0);
process.stdout.write(`full catalog, all engines side by side: ${fullProbes} probes in ${seconds(full.totalMs)}, ${fullErrors} error cells (goal: <= 60 s)\n`);
