// `npm run bench`, catalog part: the built-in catalog (every scenario that
// runs without --middleware) cold in every engine, in the default isolation
// mode and with `--isolation probe` (a fresh context per probe), and per
// engine: cells, wall time with browser start-up, the probe phase, cells per
// second, the engine's share of the run, peak memory of its processes, and
// the ratio between the two modes. Then each engine alone, for issue 26's
// goals: set-up (launch, contexts, page loads, console settling) against the
// probes' own time per engine, and the engines side by side against the
// slowest alone. Figures are measured here, in this run.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_CATALOG } from '../harness/package/root.ts';
import { ENGINE_IDS, type EngineId } from '../harness/engines/types.ts';
import { loadScenarios, needsMiddlewareFlag } from '../harness/scenario/loader.ts';
import { runScenarios, type IsolationMode } from '../harness/run/runner.ts';
import { RUN_PHASES, type RunPhase } from '../harness/session/phases.ts';
import { machineBusy, seconds, type BenchPart, type Figures } from './figures.ts';

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

/** The quick form: one file, enough to show every engine and both modes still run. */
const QUICK = [join(BUILTIN_CATALOG, 'basics/acao.yaml')];

interface Measured {
  totalMs: number;
  cells: number;
  engines: Map<EngineId, EngineFigures>;
  /** Milliseconds per phase of each engine's run (the engine's phases run one after another). */
  phases: Map<EngineId, Map<RunPhase, number>>;
  /** Busy core-seconds of the machine during the run (everything on it, browsers and their helpers included). */
  busySeconds: number;
}

async function measure(isolation: IsolationMode, paths: string[], only?: EngineId): Promise<Measured> {
  const loaded = loadScenarios(paths);
  if (loaded.problems.length > 0) throw new Error(`catalog has problems: ${JSON.stringify(loaded.problems)}`);
  const scenarios = loaded.scenarios.filter((scenario) => !needsMiddlewareFlag(scenario));
  const peaks = new Map<EngineId, number>();
  const finished = new Map<EngineId, number>();
  const launched = new Map<EngineId, number>();
  const sampler = setInterval(() => {
    for (const [engine, rss] of engineRss()) peaks.set(engine, Math.max(peaks.get(engine) ?? 0, rss));
  }, 1000); // reading smaps_rollup costs CPU: sample once a second so the bench measures the lab, not itself
  const phases = new Map<EngineId, Map<RunPhase, number>>();
  const busyBefore = machineBusy();
  const started = performance.now();
  const result = await runScenarios({
    scenarios,
    timeoutMs: 10_000,
    isolation,
    ...(only ? { engines: [only] } : {}),
    onPhase: (engine, phase, ms) => {
      const spent = phases.get(engine) ?? new Map<RunPhase, number>();
      spent.set(phase, (spent.get(phase) ?? 0) + ms);
      phases.set(engine, spent);
    },
    onProgress: ({ engine, done, total }) => {
      if (done === 0) launched.set(engine, performance.now() - started);
      if (done === total) finished.set(engine, performance.now() - started);
    },
  });
  const totalMs = performance.now() - started;
  clearInterval(sampler);
  const busy = machineBusy().busySeconds - busyBefore.busySeconds;
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
  return { totalMs, cells: result.results.length, engines, phases, busySeconds: busy };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/**
 * Issue 26's set-up: what an engine spends before and around its probes. A
 * cookie scenario's first-party visit is not in it: it is the scenario's own
 * first step (a top-level load that sets its cookies), which no isolation
 * design removes; the bench shows it apart, and the ratio with it counted.
 */
const SETUP_PHASES: RunPhase[] = ['launch', 'contexts', 'page loads', 'console settling', 'evidence settling'];
const setupOf = (spent: Map<RunPhase, number>, withVisits = false) =>
  SETUP_PHASES.reduce((sum, phase) => sum + (spent.get(phase) ?? 0), withVisits ? (spent.get('visits') ?? 0) : 0);
/** Set-up over the probes' own time (goal: <= 1). */
const setupRatio = (spent: Map<RunPhase, number> | undefined, withVisits = false) =>
  spent ? setupOf(spent, withVisits) / Math.max(spent.get('probes') ?? 0, 1) : Number.NaN;
/** "set-up / probes = ratio (visits V; with them R)" for one engine's phases. */
const setupLine = (spent: Map<RunPhase, number>) =>
  `${seconds(setupOf(spent))} / ${seconds(spent.get('probes') ?? 0)} = ${setupRatio(spent).toFixed(2)} (visits ${seconds(spent.get('visits') ?? 0)}; counted as set-up ${setupRatio(spent, true).toFixed(2)})`;

export const catalogPart: BenchPart = async (quick) => {
  const paths = quick ? QUICK : [BUILTIN_CATALOG];
  const what = quick ? 'basics/acao.yaml (quick)' : 'the full catalog (scenarios that need --middleware left out)';
  process.stdout.write(`\ncors-lab bench: ${what}, cold, default isolation (group) then --isolation probe\n`);
  // A machine's first start of each engine pays once for what later starts find ready (Firefox's startup cache, the files in the OS cache):
  // without this the first measurement, side by side, carried it alone (Firefox's launch 8.3 s there against 1.6 s alone, on a fresh machine).
  if (!quick) {
    const warm = await measure('group', QUICK);
    process.stdout.write(
      `warm-up, not counted: basics/acao.yaml in every engine once (${seconds(warm.totalMs)}), so no measurement below is a first start\n`,
    );
  }
  const group = await measure('group', paths);
  const probe = await measure('probe', paths);

  const rows = [
    [
      'engine',
      'mode',
      'cells',
      'wall (with start-up)',
      'probe phase',
      'cells/s',
      'share of run',
      'peak memory (PSS)',
      'errors',
    ],
  ];
  for (const id of ENGINE_IDS) {
    for (const [mode, run] of [
      ['group', group],
      ['probe', probe],
    ] as const) {
      const figures = run.engines.get(id);
      if (!figures) continue;
      rows.push([
        `${id} ${figures.version}`,
        mode,
        String(figures.probes),
        seconds(figures.wallMs),
        seconds(figures.probePhaseMs),
        (figures.probes / (figures.probePhaseMs / 1000)).toFixed(1),
        `${Math.round((figures.wallMs / run.totalMs) * 100)} %`,
        mib(figures.peakRssBytes),
        String(figures.errors),
      ]);
    }
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows)
    process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')}\n`);

  process.stdout.write(
    'ratio, --isolation probe against the default (same run): probe phase, and wall time with start-up\n',
  );
  for (const id of ENGINE_IDS) {
    const a = group.engines.get(id);
    const b = probe.engines.get(id);
    if (a && b)
      process.stdout.write(
        `  ${id}: ${(b.probePhaseMs / a.probePhaseMs).toFixed(1)}x probe phase, ${(b.wallMs / a.wallMs).toFixed(1)}x wall\n`,
      );
  }
  for (const [mode, run] of [
    ['default isolation', group],
    ['--isolation probe', probe],
  ] as const) {
    process.stdout.write(
      `where the time goes, ${mode} (each engine's phases run one after another; engines side by side):\n`,
    );
    for (const [engine, spent] of run.phases) {
      process.stdout.write(
        `  ${engine}: ${RUN_PHASES.map((phase) => `${phase} ${seconds(spent.get(phase) ?? 0)}`).join(', ')}\n`,
      );
    }
  }
  // The floor no scheduling can go under: the machine's busy time spread over every core.
  const { cores } = machineBusy();
  for (const [mode, run] of [
    ['default isolation', group],
    ['--isolation probe', probe],
  ] as const) {
    const share = run.busySeconds / cores / (run.totalMs / 1000);
    process.stdout.write(
      `CPU, ${mode}: the machine was busy ${Math.round(share * 100)} % of ${cores} cores for the ${seconds(run.totalMs)} (${run.busySeconds.toFixed(1)} core-seconds); the same work cannot take less than ${(run.busySeconds / cores).toFixed(1)} s here\n`,
    );
  }
  // Each engine alone, in the default mode: its set-up against its probes without the others on the cores, and what running them side by side costs.
  const alone = new Map<EngineId, Measured>();
  for (const id of group.engines.keys()) alone.set(id, await measure('group', paths, id));
  process.stdout.write(
    "set-up (launch + contexts + page loads + console and evidence settling) against the probes, per engine (goal: <= 1); cookie scenarios' first-party visits shown apart:\n",
  );
  for (const [id, run] of alone) {
    const together = group.phases.get(id);
    process.stdout.write(
      `  ${id}: alone ${setupLine(run.phases.get(id)!)}; side by side ${together ? setupLine(together) : 'not run'}\n`,
    );
  }
  const slowest = [...alone].reduce<[EngineId, Measured] | undefined>(
    (worst, entry) => (!worst || entry[1].totalMs > worst[1].totalMs ? entry : worst),
    undefined,
  );
  const sideBySide = slowest ? group.totalMs / slowest[1].totalMs : Number.NaN;
  // No scheduling runs the engines together in less than the CPU they use alone, spread over every core.
  const aloneFloorMs = ([...alone.values()].reduce((sum, run) => sum + run.busySeconds, 0) / cores) * 1000;
  const floorRatio = slowest ? aloneFloorMs / slowest[1].totalMs : Number.NaN;
  if (slowest)
    process.stdout.write(
      `engines side by side ${seconds(group.totalMs)} against the slowest alone (${slowest[0]}, ${seconds(slowest[1].totalMs)}): ${sideBySide.toFixed(2)}x (goal: <= 1.25); alone, one after another: ${seconds([...alone.values()].reduce((sum, run) => sum + run.totalMs, 0))}\n` +
        `  the floor: the engines alone kept the machine busy ${seconds(aloneFloorMs * cores)} of core time, ${seconds(aloneFloorMs)} over ${cores} cores = ${floorRatio.toFixed(2)}x the slowest alone; side by side cannot go under that here, whatever the scheduling\n`,
    );

  const errors = (run: typeof group) => [...run.engines.values()].reduce((sum, figures) => sum + figures.errors, 0);
  const goal = quick ? '' : ` (goal: <= 12 s, ratio ${(group.totalMs / 12_000).toFixed(2)})`;
  process.stdout.write(
    `catalog, all engines side by side: default ${group.cells} cells in ${seconds(group.totalMs)}${goal}, ${errors(group)} error cells; --isolation probe ${seconds(probe.totalMs)} (${(probe.totalMs / group.totalMs).toFixed(1)}x)\n`,
  );
  const modeFigures = (run: Measured): Figures => ({
    totalMs: Math.round(run.totalMs),
    cells: run.cells,
    busyCoreSeconds: Number(run.busySeconds.toFixed(1)),
    engines: Object.fromEntries(
      [...run.engines].map(([id, figures]) => {
        const spent = run.phases.get(id) ?? new Map<RunPhase, number>();
        const phases = Object.fromEntries(RUN_PHASES.map((phase) => [phase, Math.round(spent.get(phase) ?? 0)]));
        return [
          id,
          {
            wallMs: Math.round(figures.wallMs),
            probePhaseMs: Math.round(figures.probePhaseMs),
            cells: figures.probes,
            cellsPerSecond: Number((figures.probes / (figures.probePhaseMs / 1000)).toFixed(2)),
            peakMemoryMiB: Math.round(figures.peakRssBytes / 1024 / 1024),
            errors: figures.errors,
            phasesMs: phases,
            setupOverProbes: Number(setupRatio(spent).toFixed(2)),
            setupWithVisitsOverProbes: Number(setupRatio(spent, true).toFixed(2)),
          },
        ];
      }),
    ),
  });
  return {
    ran: group.cells > 0 && probe.cells === group.cells && [...alone.values()].every((run) => run.cells > 0),
    summary: `catalog: ${group.cells} cells per mode`,
    figures: {
      group: modeFigures(group),
      probe: modeFigures(probe),
      alone: Object.fromEntries([...alone].map(([id, run]) => [id, modeFigures(run)])),
      isolationProbeOverGroup: Number((probe.totalMs / group.totalMs).toFixed(2)),
      sideBySideOverSlowestAlone: Number(sideBySide.toFixed(2)),
      aloneCpuFloorOverSlowestAlone: Number(floorRatio.toFixed(2)),
    },
  };
};
