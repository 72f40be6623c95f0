// Browser processes must never outlive a run, even on a crash or Ctrl-C.
// Drivers register every process group they start; on exit (normal, signal
// or uncaught error) the remaining groups are killed synchronously.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

const liveGroups = new Set<number>();
/** Per tracked group, the stop function of the watchdog that kills it should this process die without its exit handlers (SIGKILL). */
const watchdogs = new Map<number, () => void>();
const closers = new Set<() => Promise<void>>();
let installed = false;

/**
 * Track a child started with `detached: true` (so its pid is its process
 * group): the exit handlers kill it, and so does a watchdog should this
 * process die without running them (SIGKILL, a test runner killed from
 * outside). Its folders are temporaryDirectory()'s, which removes them.
 */
export function trackProcessGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  installHandlers();
  liveGroups.add(pid);
  watchdogs.get(pid)?.();
  watchdogs.set(pid, startWatchdog({ group: pid }, []));
}

/**
 * For a browser still starting, whose process group is not known yet (puppeteer
 * gives Firefox's pid only once it has connected): kills every process whose
 * command line holds `commandLine` (the profile folder it was given) should
 * this process die before trackProcessGroup takes over. Returns the stop
 * function.
 */
export function killStartingOnParentDeath(commandLine: string): () => void {
  return startWatchdog({ commandLine }, []);
}

/**
 * Runs `command` (argv, with `env` added to a bare PATH) should this process
 * die without stopping it first: for what cors-lab's tooling starts outside
 * any process group it can kill, such as the Selenium Grid the bench and the
 * tests start in a network namespace, whose own stop script must run; then
 * removes `paths`. Returns the stop function.
 */
export function runOnParentDeath(
  command: string[],
  env: Record<string, string> = {},
  paths: string[] = [],
): () => void {
  return startWatchdog({ command, env }, paths);
}

export function untrackProcessGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  liveGroups.delete(pid);
  watchdogs.get(pid)?.();
  watchdogs.delete(pid);
}

/**
 * A detached shell that blocks reading a pipe only this process holds open.
 * When this process dies, however it dies, the kernel closes the pipe, the
 * read returns, and the shell kills the group and removes `paths`. Stopped
 * (killed) when the group is closed the ordinary way.
 */
function startWatchdog(
  target:
    | { group: number }
    | { commandLine: string }
    | { command: string[]; env: Record<string, string> }
    | Record<string, never>,
  paths: string[],
): () => void {
  // What to kill and remove travels in the environment, not on the command
  // line: a shell whose arguments held the profile folder would be matched by
  // its own pgrep. No `--` for kill: dash's kill rejects it, and "-<pgid>"
  // after the signal is unambiguous.
  const script = [
    'read -r _',
    'if [ -n "$CORS_LAB_GROUP" ]; then kill -KILL "-$CORS_LAB_GROUP" 2>/dev/null',
    'elif [ -n "$CORS_LAB_MATCH" ]; then for pid in $(pgrep -f -- "$CORS_LAB_MATCH"); do group=$(ps -o pgid= -p "$pid" | tr -d " "); [ -n "$group" ] && kill -KILL "-$group" 2>/dev/null; done',
    'elif [ "$#" -gt 0 ]; then "$@"',
    'fi',
    'sleep 0.2',
    'printf "%s\\n" "$CORS_LAB_PATHS" | while IFS= read -r path; do [ -n "$path" ] && rm -rf "$path"; done',
  ].join('\n');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    CORS_LAB_PATHS: paths.join('\n'),
    ...('group' in target
      ? { CORS_LAB_GROUP: String(target.group) }
      : 'commandLine' in target
        ? { CORS_LAB_MATCH: target.commandLine }
        : 'command' in target
          ? target.env
          : {}),
  };
  // A command to run comes as the script's own arguments ("$@").
  const command = 'command' in target ? target.command : [];
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', ['-c', script, 'cors-lab-watchdog', ...command], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      env,
    });
  } catch {
    return () => {};
  }
  child.on('error', () => {});
  // Neither the child nor its pipe may keep the event loop alive.
  child.unref();
  (child.stdin as { unref?: () => void } | null)?.unref?.();
  return () => {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
}

/** Register an async closer (e.g. a Playwright browser) to run on SIGINT/SIGTERM. */
export function onInterrupt(close: () => Promise<void>): () => void {
  installHandlers();
  closers.add(close);
  return () => closers.delete(close);
}

/**
 * A temporary browser profile or work directory. `remove()` deletes it; if
 * the process exits first, an exit handler does, after the browsers it
 * belonged to are killed (the kill handler is installed first, so it runs
 * first); if the process is killed without running its handlers, a watchdog
 * does.
 */
export async function temporaryDirectory(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  installHandlers();
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const removeOnExit = (): void => rmSync(dir, { recursive: true, force: true });
  process.on('exit', removeOnExit);
  const stopWatchdog = startWatchdog({}, [dir]);
  return {
    path: dir,
    async remove() {
      process.off('exit', removeOnExit);
      stopWatchdog();
      await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 }).catch(() => {});
    },
  };
}

export function killTrackedGroups(): void {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveGroups.clear();
}

/** How an interruption happened: the signal, and when. */
export interface Interruption {
  signal: NodeJS.Signals;
  at: Date;
}

let interruptedBy: Interruption | undefined;
/** Flows that report an interruption themselves (a partial report, then the signal's exit code). */
let reporting = 0;
/** How long such a flow may take to write its partial report before the process exits anyway. */
const REPORT_GRACE_MS = 20_000;

/** The signal that interrupted this process, if one did. */
export function interruption(): Interruption | undefined {
  return interruptedBy;
}

/** A process a signal stops as its normal end (cors-lab ui, which runs until Ctrl-C): exit 0, browsers closed as always. */
let signalEndsNormally = false;

/** Declares that a signal is this process's normal way to stop: it exits 0, whether or not browsers were open. */
export function stopsOnSignal(): void {
  signalEndsNormally = true;
}

/** The shell's convention: 128 + the signal's number. */
export function exitCodeFor(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143;
}

/**
 * Declares that the caller reports an interruption itself: on a signal the
 * browsers are closed as always, but the process is left to finish (keep the
 * cells it completed, write a report marked interrupted, exit with the
 * signal's code) for up to REPORT_GRACE_MS. A second signal exits at once.
 * Returns the undo.
 */
export function reportInterruptions(): () => void {
  installHandlers();
  reporting++;
  return () => {
    reporting--;
  };
}

/** How often the processes that launched cors-lab under npm are looked at. */
const LAUNCHER_POLL_MS = 500;

/**
 * Under npm (npx, npm exec, npm run) a signal sent to npm does not reach
 * cors-lab: npm passes it to its `sh -c`, which dies without passing it on,
 * and cors-lab would run on with no one waiting for it. So when the process
 * that started cors-lab there, or npm above it, goes away, cors-lab acts as
 * if it had been sent SIGTERM. Only under npm: a run left going on purpose
 * (nohup, a terminal closed) is not stopped.
 */
function watchLauncher(): void {
  if (!process.env.npm_command && !process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const launchers = [parent, parentOf(parent)].filter((pid): pid is number => pid !== undefined && pid > 1);
  const timer = setInterval(() => {
    if (process.ppid === parent && launchers.every(isRunning)) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, LAUNCHER_POLL_MS);
  timer.unref();
}

/** A process's parent, from /proc (Linux); undefined where it cannot be read. */
function parentOf(pid: number): number | undefined {
  try {
    // The comm field may hold spaces and parentheses: the fields after it start after the last ')'.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (one we may not signal counts). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  watchLauncher();
  process.on('exit', killTrackedGroups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      const hadBrowsers = liveGroups.size > 0 || closers.size > 0;
      if (interruptedBy) return finish(signal, hadBrowsers); // a second signal: stop now
      interruptedBy = { signal, at: new Date() };
      const pending = [...closers].map((close) => close().catch(() => {}));
      // Give graceful closes a moment, then kill whatever is left.
      const closed = new Promise<void>((resolve) => {
        const deadline = setTimeout(resolve, 2000);
        void Promise.all(pending).finally(() => {
          clearTimeout(deadline);
          resolve();
        });
      });
      if (reporting === 0) {
        void closed.then(() => finish(signal, hadBrowsers));
        return;
      }
      void closed.then(killTrackedGroups);
      process.stderr.write(
        `\ncors-lab: stopped by ${signal}; browsers closed, writing the report of what completed (${signal === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit at once)\n`,
      );
      // unref: a flow that is done exits by itself; one that hangs is stopped here.
      setTimeout(() => finish(signal, false), REPORT_GRACE_MS).unref();
    });
  }
}

function finish(signal: NodeJS.Signals, hadBrowsers: boolean): void {
  killTrackedGroups();
  if (hadBrowsers) process.stderr.write(`\ncors-lab: stopped by ${signal}; browsers closed\n`);
  process.exit(signalEndsNormally ? 0 : exitCodeFor(signal));
}
