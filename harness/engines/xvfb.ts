// A virtual X display for browsers that need one (WebKitGTK's MiniBrowser has
// no headless mode). When DISPLAY is already set it is used as is; otherwise
// one Xvfb is started and shared by every caller, reference-counted, and
// stopped when the last caller releases it.
import { spawn, type ChildProcess } from 'node:child_process';
import process from 'node:process';
import type { Readable } from 'node:stream';
import { trackProcessGroup } from './cleanup.ts';
import { stopProcessGroup } from './system.ts';

export interface XDisplay {
  /** Value for DISPLAY, e.g. ":0". */
  display: string;
  /** True when this module started an Xvfb for it (false for an inherited DISPLAY). */
  startedXvfb: boolean;
  /** Releases this handle; the Xvfb stops with the last one. Safe to call twice. */
  stop(): Promise<void>;
}

interface Shared {
  child: ChildProcess;
  display: string;
  users: number;
}

/** How long Xvfb gets to exit after SIGTERM before the group is killed. */
const STOP_GRACE_MS = 2000;

let shared: Promise<Shared> | undefined;

/** A display to run a browser on: the inherited DISPLAY or a shared Xvfb. */
export async function acquireDisplay(timeoutMs: number): Promise<XDisplay> {
  const inherited = process.env.DISPLAY;
  if (inherited) return { display: inherited, startedXvfb: false, stop: async () => {} };

  const pending = (shared ??= startXvfb(timeoutMs));
  let server: Shared;
  try {
    server = await pending;
  } catch (error) {
    // A failed start must not poison later attempts.
    if (shared === pending) shared = undefined;
    throw error;
  }
  server.users++;
  let released = false;
  return {
    display: server.display,
    startedXvfb: true,
    async stop() {
      if (released) return;
      released = true;
      if (--server.users > 0) return;
      if (shared === pending) shared = undefined;
      await stopProcessGroup(server.child, STOP_GRACE_MS);
    },
  };
}

async function startXvfb(timeoutMs: number): Promise<Shared> {
  // -displayfd: Xvfb picks a free display number and writes it to fd 3 once it
  // accepts connections, so there is no guessing and no race on :99.
  // -nolisten tcp: the display is reachable through its Unix socket only.
  // -noreset: keep the server when the last client disconnects between sessions.
  const child = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-noreset', '-screen', '0', '1280x1024x24'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  trackProcessGroup(child.pid);
  const stderr = child.stderr!;
  const displayFd = child.stdio[3] as Readable;
  let errorText = '';
  stderr.setEncoding('utf8');
  stderr.on('data', (chunk: string) => {
    errorText = (errorText + chunk).slice(-2000);
  });

  try {
    const display = await new Promise<string>((resolve, reject) => {
      let digits = '';
      const timer = setTimeout(
        () => reject(new Error(`Xvfb did not report a display within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const fail = (why: string) => {
        clearTimeout(timer);
        reject(new Error(`${why}${errorText.trim() ? `: ${errorText.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
      };
      child.once('error', (error) => fail(`cannot start Xvfb (${error.message}); fix: sudo apt-get install xvfb`));
      child.once('exit', (code, signal) => fail(`Xvfb exited early (${signal ?? `code ${code}`})`));
      displayFd.setEncoding('utf8');
      displayFd.on('data', (chunk: string) => {
        digits += chunk;
        if (!digits.includes('\n')) return;
        clearTimeout(timer);
        resolve(`:${digits.trim()}`);
      });
    });
    // Do not keep the event loop alive for Xvfb; stop() or the exit handler ends it.
    displayFd.destroy();
    child.removeAllListeners('exit');
    (stderr as Readable & { unref?: () => void }).unref?.();
    child.unref();
    return { child, display, users: 0 };
  } catch (error) {
    await stopProcessGroup(child, STOP_GRACE_MS);
    throw error;
  }
}
