// Small system helpers the drivers share: finding executables, running a
// command, and stopping a process group.
import { execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { constants, existsSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { untrackProcessGroup } from './cleanup.ts';

export function firstExisting(paths: (string | undefined)[]): string | undefined {
  return paths.find((path): path is string => path !== undefined && path !== '' && existsSync(path));
}

/** Path of a Playwright-bundled browser if `npx playwright install` put it there. */
export function playwrightBundled(executablePath: () => string): string | undefined {
  try {
    const path = executablePath();
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Where `name` would be on each PATH directory. */
export function onPath(name: string): string[] {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name));
}

export async function firstExecutable(files: string[]): Promise<string | undefined> {
  for (const file of files) if (await isExecutable(file)) return file;
  return undefined;
}

/** Runs a command to completion; rejects with its first stderr line. */
export function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error)
        reject(
          new Error(
            `${path.basename(file)} ${args.join(' ')} failed: ${(stderr || error.message).trim().split('\n')[0]}`,
          ),
        );
      else resolve(stdout);
    });
  });
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * SIGTERM a detached child's process group (so it can clean up), SIGKILL it
 * after `graceMs`, then SIGKILL whatever else is left in the group.
 */
export async function stopProcessGroup(child: ChildProcess, graceMs: number): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit').catch(() => {});
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  signalGroup(pid, 'SIGKILL');
  untrackProcessGroup(pid);
}

/** Rejects with "<what> timeout after <ms> ms" when `promise` takes longer. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  // The losing promise may still settle later; keep that from becoming an
  // unhandled rejection.
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timeout after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
