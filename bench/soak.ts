// `npm run soak`: the full catalog, run again and again as a user runs it
// (the CLI, in its own process), with one engine's browser killed at a random
// moment in each run. It prints per run and in total: the cells lost (errors
// in the killed engine; none may be lost in the others, and none may be
// reported allowed or blocked without evidence), what was left behind
// (processes, folders), and how long the run took to finish after the kill.
// `--runs N` (default 10), `--engine ID` to kill only that engine's browser.
// Then the parent kills (`--parent-kills N`, default 6): cors-lab itself, or
// a vitest run whose test file holds a lab (createLab), SIGKILLed
// at a random moment with its browsers up, as a CI timeout does; how long
// until no process of the run and no port it listened on is left, and what
// is still there 10 s after the kill.
// The figures are quoted in the README. Run it on a quiet machine: a browser
// another program starts meanwhile would count as left behind.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_IDS, type EngineId } from '../harness/engines/types.ts';
import type { RunResult } from '../harness/result/result.ts';
import {
  listeningPorts,
  mainBrowserProcess,
  MARK_VARIABLE,
  markedProcesses,
  portsOf,
  processName,
  suiteHoldingALab,
} from '../tests/faults/processes.ts';
import { leftoversSince, snapshot } from '../tests/leftovers.ts';

const BIN = new URL('../bin/cors-lab.js', import.meta.url).pathname;
const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag === -1 ? 10 : Number(process.argv[runsFlag + 1]);
const engineFlag = process.argv.indexOf('--engine');
/** `--engine ID`: always kill that engine's browser (default: one at random each run). */
const ONLY = engineFlag === -1 ? undefined : (process.argv[engineFlag + 1] as EngineId);
if (ONLY !== undefined && !(ENGINE_IDS as readonly string[]).includes(ONLY))
  throw new Error(`--engine ${ONLY}: expected one of ${ENGINE_IDS.join(', ')}`);
const parentKillsFlag = process.argv.indexOf('--parent-kills');
const PARENT_KILLS = parentKillsFlag === -1 ? 6 : Number(process.argv[parentKillsFlag + 1]);
const VITEST = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;
interface RunFigures {
  killed: EngineId | 'none';
  /** The killed process's command line, cut short. */
  killedCommand: string;
  killedAtS: number;
  finishedAfterKillS: number;
  exitCode: number | null;
  cells: number;
  errorsInKilled: number;
  errorsElsewhere: number;
  killedCellsWithoutEvidence: number;
  /** The killed engine's relaunches, as the result records them. */
  relaunches: number;
  leftovers: string[];
}

async function soakRun(index: number, dir: string): Promise<RunFigures> {
  const before = snapshot();
  const out = join(dir, `run-${index}`);
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'run', '--reporter', 'json', '--out', out, '--no-color'], {
    env: { ...process.env, CI: 'true' },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  // A random engine, killed at a random moment 1 to 8 s after its browser is
  // up (a kill during the launch only costs the second attempt cors-lab makes).
  const victim = ONLY ?? ENGINE_IDS[Math.floor(Math.random() * ENGINE_IDS.length)]!;
  let killedAt = 0;
  let killed: EngineId | 'none' = 'none';
  let killedCommand = '';
  let done = false;
  void exited.then(() => (done = true));
  const killer = (async () => {
    while (!done && mainBrowserProcess(child.pid!, victim) === undefined)
      await new Promise((resolve) => setTimeout(resolve, 200));
    await new Promise((resolve) => setTimeout(resolve, 1000 + Math.random() * 7000));
    const main = done ? undefined : mainBrowserProcess(child.pid!, victim);
    if (main === undefined) return;
    killedCommand = readFileSync(`/proc/${main}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 80);
    process.kill(main, 'SIGKILL');
    killedAt = performance.now();
    killed = victim;
  })();
  const exitCode = await exited;
  await killer;
  const finished = performance.now();
  const leftovers = await leftoversSince(before);
  let result: RunResult | undefined;
  try {
    result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
  } catch {
    // no report: counted below as every cell lost
  }
  const cells = result?.results ?? [];
  const inKilled = cells.filter((cell) => cell.engine === killed);
  return {
    killed,
    killedCommand,
    killedAtS: killedAt ? (killedAt - started) / 1000 : 0,
    finishedAfterKillS: killedAt ? (finished - killedAt) / 1000 : 0,
    exitCode,
    cells: cells.length,
    errorsInKilled: inKilled.filter((cell) => cell.outcome === 'error').length,
    errorsElsewhere: cells.filter((cell) => cell.engine !== killed && cell.outcome === 'error').length,
    // Allowed or blocked is only ever claimed with the journal behind it (a request, a preflight or a control).
    killedCellsWithoutEvidence: inKilled.filter(
      (cell) =>
        cell.outcome !== 'error' &&
        !cell.evidence.journal.some((entry) => ['request', 'preflight', 'control'].includes(entry.kind)),
    ).length,
    relaunches: result?.engines.find((engine) => engine.id === killed)?.relaunched?.length ?? 0,
    leftovers,
  };
}

interface ParentKillFigures {
  what: string;
  killedAtS: number;
  /** Seconds from the kill until no marked process and none of the run's ports remained; undefined when something outlived 30 s. */
  goneAfterS: number | undefined;
  leftovers: string[];
}

/** One parent kill: the run started with a mark every process it starts inherits, SIGKILLed 1 to 10 s after a browser is up. */
async function parentKillRun(index: number, dir: string): Promise<ParentKillFigures> {
  const before = snapshot();
  const mark = randomUUID();
  const cli = index % 2 === 1;
  const what = cli ? 'cors-lab run' : 'vitest run with createLab in a test file';
  // The vitest suite waits in a test with its lab open, so it is still running whenever the kill comes.
  const suite = cli ? ROOT : suiteHoldingALab(join(dir, `suite-${index}`));
  const args = cli
    ? [BIN, 'run', '--reporter', 'json', '--out', join(dir, `parent-${index}`), '--no-color']
    : [VITEST, 'run', '--root', suite];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: suite,
    detached: true,
    env: { ...process.env, CI: 'true', [MARK_VARIABLE]: mark },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const browserUp = () =>
    markedProcesses(mark).some((pid) => /^(chromium|firefox-esr|MiniBrowser)$/.test(processName(pid)));
  while (!browserUp() && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 100));
  await new Promise((resolve) => setTimeout(resolve, 1000 + Math.random() * 9000));
  const ports = portsOf(markedProcesses(mark));
  // A run that ended before its kill proves nothing about a kill.
  if (child.exitCode !== null)
    return {
      what: `${what} (ended by itself before the kill)`,
      killedAtS: 0,
      goneAfterS: undefined,
      leftovers: await leftoversSince(before),
    };
  const killedAt = performance.now();
  child.kill('SIGKILL');
  await exited;
  let goneAfterS: number | undefined;
  while (performance.now() - killedAt < 30_000) {
    const open = listeningPorts();
    if (markedProcesses(mark).length === 0 && !ports.some((port) => open.has(port))) {
      goneAfterS = (performance.now() - killedAt) / 1000;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // What is there 10 s after the kill is left behind.
  const leftovers = await leftoversSince(before, Math.max(0, 10_000 - (performance.now() - killedAt)));
  return { what, killedAtS: (killedAt - started) / 1000, goneAfterS, leftovers };
}

const dir = mkdtempSync(join(tmpdir(), 'cors-lab-soak-'));
process.stdout.write(
  `cors-lab soak: the full catalog ${RUNS} times, one engine's browser killed at a random moment in each\n`,
);
const all: RunFigures[] = [];
const parentKills: ParentKillFigures[] = [];
try {
  for (let index = 1; index <= RUNS; index++) {
    const figures = await soakRun(index, dir);
    all.push(figures);
    process.stdout.write(
      `  run ${index}: killed ${figures.killed}${figures.killed === 'none' ? ' (its browser was not up yet)' : ` (${figures.killedCommand}) at ${figures.killedAtS.toFixed(1)} s`}; exit ${figures.exitCode}; ${figures.cells} cells, ${figures.errorsInKilled} errors in the killed engine (relaunched ${figures.relaunches} time(s)), ${figures.errorsElsewhere} in the others; finished ${figures.finishedAfterKillS.toFixed(1)} s after the kill; left behind: ${figures.leftovers.length === 0 ? 'nothing' : figures.leftovers.join(', ')}\n`,
    );
  }
  if (PARENT_KILLS > 0)
    process.stdout.write(
      `cors-lab soak: ${PARENT_KILLS} parent kills, cors-lab run and a vitest run with createLab in turn, SIGKILLed with their browsers up\n`,
    );
  for (let index = 1; index <= PARENT_KILLS; index++) {
    const figures = await parentKillRun(index, dir);
    parentKills.push(figures);
    process.stdout.write(
      `  parent kill ${index}: ${figures.what} killed at ${figures.killedAtS.toFixed(1)} s; every process and port of the run gone ${figures.goneAfterS === undefined ? 'NOT within 30 s' : `${figures.goneAfterS.toFixed(1)} s after the kill`}; left behind after 10 s: ${figures.leftovers.length === 0 ? 'nothing' : figures.leftovers.join(', ')}\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const killedRuns = all.filter((run) => run.killed !== 'none');
const lost = killedRuns.map((run) => run.errorsInKilled);
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
process.stdout.write(
  `soak: ${all.length} runs, ${killedRuns.length} with a browser killed (${sum(killedRuns.map((run) => run.relaunches))} relaunches recorded); cells lost (errors in the killed engine) per kill: mean ${(sum(lost) / Math.max(1, lost.length)).toFixed(1)}, max ${Math.max(0, ...lost)}; errors in the engines not killed: ${sum(all.map((run) => run.errorsElsewhere))}; killed-engine cells claimed without evidence: ${sum(all.map((run) => run.killedCellsWithoutEvidence))}; kills that left no trace in the result (no error, no relaunch): ${killedRuns.filter((run) => run.errorsInKilled === 0 && run.relaunches === 0).length}; runs with something left behind: ${all.filter((run) => run.leftovers.length > 0).length}; finished after the kill: mean ${(sum(killedRuns.map((run) => run.finishedAfterKillS)) / Math.max(1, killedRuns.length)).toFixed(1)} s\n`,
);
const killedParents = parentKills.filter((run) => !run.what.includes('ended by itself'));
const gone = killedParents.flatMap((run) => (run.goneAfterS === undefined ? [] : [run.goneAfterS]));
if (parentKills.length > 0) {
  process.stdout.write(
    `parent kills: ${killedParents.length} (${killedParents.filter((run) => run.what.startsWith('cors-lab')).length} cors-lab run, ${killedParents.filter((run) => run.what.startsWith('vitest')).length} vitest with createLab${killedParents.length < parentKills.length ? `; ${parentKills.length - killedParents.length} ended before their kill, not counted` : ''}); every process and port of the run gone after the kill: mean ${(sum(gone) / Math.max(1, gone.length)).toFixed(1)} s, max ${Math.max(0, ...gone).toFixed(1)} s; not gone within 30 s: ${killedParents.length - gone.length}; runs with something left behind after 10 s: ${parentKills.filter((run) => run.leftovers.length > 0).length}\n`,
  );
}
process.exitCode =
  all.some((run) => run.leftovers.length > 0 || run.errorsElsewhere > 0 || run.killedCellsWithoutEvidence > 0) ||
  parentKills.some((run) => run.leftovers.length > 0) ||
  killedParents.some((run) => run.goneAfterS === undefined)
    ? 1
    : 0;
