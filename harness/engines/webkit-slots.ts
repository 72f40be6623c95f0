// WebKitWebDriver processes, each with its one session (one MiniBrowser).
// Each driver leads a process group that MiniBrowser and its WebKit processes
// join, so one kill reaches them all.
import { spawn, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { trackProcessGroup } from './cleanup.ts';
import { stopProcessGroup } from './system.ts';
import { freePort, webdriver } from './webdriver-client.ts';
import { messageOf } from '../package/error-message.ts';
import type { WebDriverSession } from './webdriver-sessions.ts';
import type { Trust } from './webkit-trust.ts';

/** How long deleting a session may take before the driver's group is killed anyway. */
const CLOSE_GRACE_MS = 3000;

export interface SlotConfig {
  driverPath: string;
  miniBrowserPath: string;
  /** MiniBrowser arguments for the engine profile (cookie policy, ITP). */
  profileArgs: string[];
  /** The posing proxy, "host:port", if any. */
  proxy?: string;
  env: NodeJS.ProcessEnv;
  trust: Trust;
  timeoutMs: number;
  /** LaunchOptions.contexts. */
  contexts?: number;
}

/** One WebKitWebDriver process with its one session (one MiniBrowser). */
export type Slot = WebDriverSession;

/**
 * MiniBrowser's own --proxy, one HTTP proxy for every scheme. (WebDriver's
 * proxy capability is no use here: WebKitGTK reads its sslProxy as a proxy
 * that itself speaks TLS.)
 */
function proxyArgs(proxy: string | undefined): string[] {
  return proxy ? [`--proxy=http://${proxy}`] : [];
}

export async function openSlot(config: SlotConfig, timeoutMs = config.timeoutMs, signal?: AbortSignal): Promise<Slot> {
  const deadline = Date.now() + timeoutMs;
  const port = await freePort();
  const argv = [...config.trust.wrapper, config.driverPath, `--port=${port}`, '--host=127.0.0.1'];
  // Detached: the driver leads a process group that MiniBrowser and its
  // WebKit processes join, so one kill reaches all of them.
  const child = spawn(argv[0]!, argv.slice(1), {
    detached: true,
    env: config.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  trackProcessGroup(child.pid);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  (child.stderr as net.Socket).unref();
  child.unref();
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error; // surfaced by the readiness wait below
  });
  const base = `http://127.0.0.1:${port}`;
  let sessionId: string | undefined;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // Deleting the session makes the driver close MiniBrowser cleanly.
      if (sessionId)
        await webdriver(base, 'DELETE', `/session/${sessionId}`, undefined, CLOSE_GRACE_MS).catch(() => {});
      await stopProcessGroup(child, CLOSE_GRACE_MS);
    })());

  // Aborted: the driver and its browser go at once, which fails the pending requests.
  if (signal?.aborted) void close();
  else signal?.addEventListener('abort', () => void close(), { once: true });
  try {
    await waitForDriver(child, base, deadline, () => spawnError?.message ?? stderr);
    const created = await webdriver<{ sessionId: string; capabilities: Record<string, unknown> }>(
      base,
      'POST',
      '/session',
      {
        capabilities: {
          alwaysMatch: {
            acceptInsecureCerts: config.trust.acceptInsecureCerts,
            pageLoadStrategy: 'normal',
            // A stray alert() must not block the probe commands.
            unhandledPromptBehavior: 'dismiss',
            'webkitgtk:browserOptions': {
              binary: config.miniBrowserPath,
              args: ['--automation', ...config.profileArgs, ...proxyArgs(config.proxy)],
            },
          },
        },
      },
      Math.max(1, deadline - Date.now()),
    );
    sessionId = created.sessionId;
    return { endpoint: base, sessionId, capabilities: created.capabilities, close };
  } catch (error) {
    await close();
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`WebKitWebDriver session failed: ${messageOf(error)}${tail ? ` (stderr: ${tail})` : ''}`);
  }
}

async function waitForDriver(child: ChildProcess, base: string, deadline: number, stderr: () => string): Promise<void> {
  // A failed spawn has no pid and reports why on the next tick.
  if (child.pid === undefined) await new Promise((resolve) => setImmediate(resolve));
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      throw new Error(
        `WebKitWebDriver exited (${child.signalCode ?? `code ${child.exitCode}`}) before listening: ${stderr().trim() || 'no output'}`,
      );
    }
    const status = await webdriver<{ ready?: boolean }>(base, 'GET', '/status', undefined, 1000).catch(() => undefined);
    if (status?.ready) return;
    if (Date.now() > deadline) throw new Error('WebKitWebDriver did not become ready in time (timeout)');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
