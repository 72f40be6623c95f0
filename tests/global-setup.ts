// One temporary folder for the whole test run, removed at the end, so test
// workers (which may be stopped by a signal) never leave files behind. At the
// end, the run also checks that nothing of cors-lab's outlived it: no browser,
// driver or Xvfb process and no browser profile folder that appeared during
// the tests (the fault suite kills and interrupts runs on purpose).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The executables cors-lab starts (and their helpers). */
const LAB_PROCESS = /^(chromium|chrome|firefox-esr|firefox|MiniBrowser|WebKitWebDriver|WebKitNetworkProcess|WebKitWebProcess|Xvfb)$/;
/** The temporary folders cors-lab's engines and clock make. */
const LAB_FOLDER = /^cors-lab-(chromium|firefox|webkit|clock)-/;

function labProcesses(): Map<number, string> {
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

const labFolders = () => new Set(readdirSync(tmpdir()).filter((name) => LAB_FOLDER.test(name)));

export default function setup(): () => Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'cors-lab-test-'));
  process.env.CORS_LAB_TEST_TMP = root;
  const processesBefore = labProcesses();
  const foldersBefore = labFolders();
  return async () => {
    rmSync(root, { recursive: true, force: true });
    // Killed browsers are reaped a moment after their parent ends.
    let left: string[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      left = [
        ...[...labProcesses()].filter(([pid]) => !processesBefore.has(pid)).map(([pid, name]) => `process ${pid} (${name})`),
        ...[...labFolders()].filter((name) => !foldersBefore.has(name)).map((name) => `folder ${join(tmpdir(), name)}`),
      ];
      if (left.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`the tests left cors-lab's processes or folders behind: ${left.join(', ')}`);
  };
}
