// What every bench part shares: how it reports back to bench/main.ts, how
// figures are printed, and the CLI run as a user runs it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../harness/package/root.ts';
import type { RunResult } from '../harness/result/result.ts';
/** A part's figures for bench/result.json: numbers, grouped by name (an engine, a mode, a phase), so two runs compare figure by figure. */
export interface Figures {
  [name: string]: number | Figures;
}

export interface PartOutcome {
  /** The part did its work (cells came back, the study measured): the quick form checks this, never a timing. */
  ran: boolean;
  summary: string;
  figures?: Figures;
}

/** `quick`: the short form CI runs so the benchmark cannot rot; it measures little. */
export type BenchPart = (quick: boolean) => Promise<PartOutcome>;

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Busy core-seconds of the whole machine so far, from /proc/stat (every
 * process: the browsers and all their helpers, cors-lab, anything else
 * running), and the number of cores. Taken before and after a run, it says
 * whether the run was bound by the machine's cores rather than by waiting.
 */
export function machineBusy(): { busySeconds: number; cores: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  // cpu user nice system idle iowait irq softirq steal, in clock ticks (USER_HZ, 100 on Linux).
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  return { busySeconds: (user! + nice! + system! + irq! + softirq! + steal!) / 100, cores: availableParallelism() };
}

const BIN = join(PACKAGE_ROOT, 'bin', 'cors-lab.js');

/** The CLI in a process of its own; its stderr comes back for the failure message. */
export function cli(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}

/** A result file's cells as sorted lines (scenario, engine as `engineName` names it, outcome, verdict), to compare two runs. */
export function cellsOf(file: string, engineName: (id: string) => string = (id) => id): string {
  return (JSON.parse(readFileSync(file, 'utf8')) as RunResult).results
    .map((cell) => `${cell.scenario} ${engineName(cell.engine)}: ${cell.outcome} ${cell.verdict}`)
    .sort()
    .join('\n');
}
