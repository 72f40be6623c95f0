// What cors-lab may leave behind on this machine: browser, driver and Xvfb
// processes, listening TCP sockets (a lab server, a proxy, a fixture server
// that outlived its run), and the temporary folders its engines and clock
// make. The test
// run's teardown (tests/global-setup.ts) and the soak (bench/soak.ts) compare
// a snapshot from before with one from after.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The executables cors-lab starts (and their helpers). */
const LAB_PROCESS =
  /^(chromium|chrome|firefox-esr|firefox|MiniBrowser|WebKitWebDriver|WebKitNetwork.*|WebKitWebProc.*|Xvfb)$/; // comm is cut to 15 characters
/** The temporary folders cors-lab's engines and clock make. */
const LAB_FOLDER = /^cors-lab-(chromium|firefox|webkit|clock)-/;

export function labProcesses(): Map<number, string> {
  const found = new Map<number, string>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
      if (state !== 'Z' && LAB_PROCESS.test(name)) found.set(Number(pid), name);
    } catch {
      // ended while we looked
    }
  }
  return found;
}

export const labFolders = () => new Set(readdirSync(tmpdir()).filter((name) => LAB_FOLDER.test(name)));

/** Listening TCP sockets, as "address:port" mapped to what ss says of their process ("users:((\"node\",pid=…))"). */
export function listeners(): Map<string, string> {
  const found = new Map<string, string>();
  const table = spawnSync('ss', ['-ltnpH'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 4) found.set(fields[3]!, fields.slice(5).join(' '));
  }
  return found;
}

export interface Snapshot {
  processes: Map<number, string>;
  folders: Set<string>;
  listeners: Map<string, string>;
}

export function snapshot(): Snapshot {
  return { processes: labProcesses(), folders: labFolders(), listeners: listeners() };
}

/** What appeared since `before` and is still there, waiting up to `waitMs` for killed processes to be reaped. */
export async function leftoversSince(before: Snapshot, waitMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const left = [
      ...[...labProcesses()]
        .filter(([pid]) => !before.processes.has(pid))
        .map(([pid, name]) => `process ${pid} (${name})`),
      ...[...labFolders()].filter((name) => !before.folders.has(name)).map((name) => `folder ${join(tmpdir(), name)}`),
      ...[...listeners()]
        .filter(([address]) => !before.listeners.has(address))
        .map(([address, owner]) => `listening socket ${address} ${owner}`),
    ];
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
