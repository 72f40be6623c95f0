// Nothing outlives its parent (issue 28, part 2), seen from outside as CI
// sees it: a test runner or a benchmark killed with SIGKILL, no handler
// running. Everything the run starts inherits a mark in its environment, so
// what it left is found wherever it was reparented; after the kill, no
// process holding the mark and no port the run listened on may remain within
// 10 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, PROJECT_ROOT, tempDir } from '../helpers.ts';
import {
  alive,
  listeningPorts,
  MARK_VARIABLE,
  markedProcesses,
  portsOf,
  processName,
  suiteHoldingALab,
  until,
} from './processes.ts';

const VITEST = join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
/** The npm on PATH, as a user runs it. */
const NPM = 'npm';
/** What a run of all three engines has up once its browsers are warm. */
const BROWSERS = ['MiniBrowser', 'WebKitWebDriver', 'Xvfb', 'firefox-esr', 'chromium'];

interface Started {
  child: ChildProcess;
  mark: string;
  exited: Promise<void>;
}

/** Starts `args` as a process group of its own, marked, with its output kept for the failure message. */
function startMarked(command: string, args: string[], cwd = PROJECT_ROOT): Started & { output: () => string } {
  const mark = randomUUID();
  const child = spawn(command, args, {
    cwd,
    detached: true,
    env: { ...process.env, CI: 'true', [MARK_VARIABLE]: mark },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  return { child, mark, exited: new Promise((resolve) => child.on('close', () => resolve())), output: () => output };
}

/** Waits until every name in `wanted` runs among the marked processes. */
async function browsersUp(mark: string, wanted: string[], output: () => string): Promise<void> {
  const up = () => {
    const names = markedProcesses(mark).map(processName);
    return wanted.every((name) => names.some((running) => running.startsWith(name.slice(0, 15))));
  };
  expect(await until(up, 120_000), `never all of ${wanted.join(', ')} up; output:\n${output()}`).toBe(true);
}

/** Kills (group or process), then expects no marked process and none of the run's ports within 10 s. */
async function expectNothingLeft(started: Started, kill: () => void): Promise<void> {
  const before = markedProcesses(started.mark);
  const ports = portsOf(before);
  expect(ports.length, 'the run listens on some port before the kill').toBeGreaterThan(0);
  kill();
  await started.exited;
  const listening = () => ports.filter((port) => listeningPorts().has(port));
  await until(() => markedProcesses(started.mark).length === 0 && listening().length === 0, 10_000);
  expect(markedProcesses(started.mark).map((pid) => `${pid} ${processName(pid)}`)).toEqual([]);
  expect(listening()).toEqual([]);
}

describe('a vitest run killed with SIGKILL', () => {
  it('with createLab in its global setup (the example suite): no browser, driver, Xvfb or lab port is left', async () => {
    const run = startMarked(NODE, [VITEST, 'run', '--config', 'examples/middleware-author/vitest.config.ts']);
    await browsersUp(run.mark, BROWSERS, run.output);
    // The runner only, as a CI job's timeout does: the global setup's lab lives in it.
    await expectNothingLeft(run, () => run.child.kill('SIGKILL'));
  }, 180_000);

  it('with createLab in a test file: the runner SIGKILLed, nothing is left either', async () => {
    const dir = suiteHoldingALab(tempDir('parent-kill-worker'));
    const run = startMarked(NODE, [VITEST, 'run', '--root', dir], dir);
    await browsersUp(run.mark, BROWSERS, run.output);
    await expectNothingLeft(run, () => run.child.kill('SIGKILL'));
  }, 180_000);

  it('with createLab in a test file: the worker SIGKILLed from outside, nothing is left', async () => {
    const dir = suiteHoldingALab(tempDir('parent-kill-worker'));
    const run = startMarked(NODE, [VITEST, 'run', '--root', dir], dir);
    await browsersUp(run.mark, BROWSERS, run.output);
    // The worker is the process that started WebKit's driver (its parent), below the runner.
    const driver = markedProcesses(run.mark).find((pid) => processName(pid) === 'WebKitWebDriver');
    const worker = driver === undefined ? undefined : parentOf(driver);
    expect(worker === undefined ? 0 : parentOf(worker), 'the worker runs below the runner').toBe(run.child.pid);
    expect(worker, 'the vitest worker').toBeDefined();
    await expectNothingLeft({ ...run, exited: workerGone(worker!) }, () => process.kill(worker!, 'SIGKILL'));
    // The runner reports the lost worker and ends on its own.
    await run.exited;
  }, 180_000);
});

/** The parent pid of `pid`, from /proc. */
function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** Resolves once `pid` has ended. */
async function workerGone(pid: number): Promise<void> {
  await until(() => !alive(pid), 10_000);
}

describe('npm run bench killed mid-way', () => {
  it('its process group SIGKILLed during the catalog: no browser, driver, Xvfb or lab port is left', async () => {
    const run = startMarked(NPM, [
      'run',
      'bench',
      '--',
      '--quick',
      '--part',
      'catalog',
      '--json',
      join(tempDir('parent-kill-bench'), 'bench.json'),
    ]);
    await browsersUp(run.mark, BROWSERS, run.output);
    await expectNothingLeft(run, () => process.kill(-run.child.pid!, 'SIGKILL'));
  }, 180_000);
});
