// What the fault tests look at from outside a run: its process tree, and the
// temporary folders its browsers were given.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineId } from '../../harness/engines/types.ts';
import { listeners } from '../leftovers.ts';

/** The pids of every process below `root`, from ps. */
export function descendants(root: number): number[] {
  const table = spawnSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [pid, ppid] of table) if (ppid === parent) (found.push(pid), walk(pid));
  };
  walk(root);
  return found;
}

/** Whether a process still runs: a zombie (ended, not yet reaped by its new parent) does not. */
export function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)![0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `condition` every 250 ms until it holds or `limitMs` has passed; its last value. */
export async function until(condition: () => boolean, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
  return condition();
}

/** The browsers' temporary folders (cors-lab's profile and work folders) named on these processes' command lines. */
export function foldersOf(pids: number[]): string[] {
  const lines = spawnSync('ps', ['-o', 'args=', '-p', pids.join(',')], { encoding: 'utf8' }).stdout;
  return [
    ...new Set(lines.match(new RegExp(`${tmpdir()}/cors-lab-(?:chromium|firefox|webkit)-[A-Za-z0-9]+`, 'g')) ?? []),
  ];
}

/** How each engine's main browser process looks on its command line (argv[0] and its arguments), as against its helper processes. */
const MAIN_PROCESS: Record<EngineId, (args: string[]) => boolean> = {
  chromium: (args) => /chromium|chrome/.test(args[0] ?? '') && !args.some((arg) => arg.startsWith('--type=')),
  firefox: (args) => /firefox/.test(args[0] ?? '') && !args.includes('-contentproc'),
  webkit: (args) => /MiniBrowser/.test(args[0] ?? ''),
};

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** The engine's main browser process below `root`, once it runs. */
export function mainBrowserProcess(root: number, engine: EngineId): number | undefined {
  return descendants(root).find((pid) => MAIN_PROCESS[engine](commandLine(pid)));
}

/** The environment variable a fault test gives the process it starts, which everything below it inherits. */
export const MARK_VARIABLE = 'CORS_LAB_FAULT_MARK';

/** Every running process whose environment holds the mark: what a run started, however far below it and whatever its parent now is. */
export function markedProcesses(mark: string): number[] {
  const wanted = `${MARK_VARIABLE}=${mark}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(wanted) && alive(Number(entry)))
        found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** The short name (comm) of a process, or '' once it is gone. */
export function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** TCP ports listening now, with the pids holding each (from ss, as the leftovers check reads it). */
export function listeningPorts(): Map<number, number[]> {
  const ports = new Map<number, number[]>();
  for (const [address, owner] of listeners()) {
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    if (port)
      ports.set(port, [
        ...(ports.get(port) ?? []),
        ...[...owner.matchAll(/pid=(\d+)/g)].map((match) => Number(match[1])),
      ]);
  }
  return ports;
}

/** The ports these processes listen on. */
export function portsOf(pids: number[]): number[] {
  return [...listeningPorts()].filter(([, holders]) => holders.some((pid) => pids.includes(pid))).map(([port]) => port);
}

/**
 * A vitest project in `dir` whose one test file holds a lab (createLab in
 * beforeAll) around a test that waits ten minutes: a suite that is still
 * running whenever it is killed. Returns `dir`.
 */
export function suiteHoldingALab(dir: string): string {
  const root = new URL('../..', import.meta.url).pathname;
  mkdirSync(join(dir, 'suite'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(
    join(dir, 'vitest.config.ts'),
    `export default { test: { include: ['suite/*.test.ts'], testTimeout: 600000, hookTimeout: 600000 } };\n`,
  );
  writeFileSync(
    join(dir, 'suite', 'lab.test.ts'),
    [
      `import { afterAll, beforeAll, it } from 'vitest';`,
      `import { createLab } from ${JSON.stringify(join(root, 'harness', 'index.ts'))};`,
      `let lab;`,
      `beforeAll(async () => { lab = await createLab(); });`,
      `afterAll(async () => { await lab?.close(); });`,
      `it('holds the lab open', async () => { await new Promise((resolve) => setTimeout(resolve, 600000)); });`,
      '',
    ].join('\n'),
  );
  return dir;
}
