// Browser processes must never outlive a run, even on a crash or Ctrl-C.
// Drivers register every process group they start; on exit (normal, signal
// or uncaught error) the remaining groups are killed synchronously.
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

const liveGroups = new Set<number>();
const closers = new Set<() => Promise<void>>();
let installed = false;

/** Track a child started with `detached: true` (so its pid is its process group). */
export function trackProcessGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  installHandlers();
  liveGroups.add(pid);
}

export function untrackProcessGroup(pid: number | undefined): void {
  if (pid !== undefined) liveGroups.delete(pid);
}

/** Register an async closer (e.g. a Playwright browser) to run on SIGINT/SIGTERM. */
export function onInterrupt(close: () => Promise<void>): () => void {
  installHandlers();
  closers.add(close);
  return () => closers.delete(close);
}

/**
 * A temporary browser profile directory. `remove()` deletes it; if the
 * process exits first, an exit handler does, after the browsers it belonged
 * to are killed (the kill handler is installed first, so it runs first).
 */
export async function temporaryDirectory(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  installHandlers();
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const removeOnExit = (): void => rmSync(dir, { recursive: true, force: true });
  process.on('exit', removeOnExit);
  return {
    path: dir,
    async remove() {
      process.off('exit', removeOnExit);
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

function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killTrackedGroups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      const hadBrowsers = liveGroups.size > 0 || closers.size > 0;
      const pending = [...closers].map((close) => close().catch(() => {}));
      // Give graceful closes a moment, then kill whatever is left.
      const deadline = setTimeout(() => finish(signal, hadBrowsers), 2000);
      Promise.all(pending).finally(() => {
        clearTimeout(deadline);
        finish(signal, hadBrowsers);
      });
    });
  }
}

function finish(signal: NodeJS.Signals, hadBrowsers: boolean): void {
  killTrackedGroups();
  if (hadBrowsers) process.stderr.write(`\ncors-lab: stopped by ${signal}; browsers closed\n`);
  process.exit(signal === 'SIGINT' ? 130 : 143);
}
