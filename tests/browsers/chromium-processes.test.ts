// Chromium runs only what the probes need: no WebUI of the browser's own
// chrome (the omnibox popups it preloads even headless, each in a renderer of
// its own, were half the renderer CPU of a catalog run). Read from the real
// processes under the launched browser.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumDriver } from '../../harness/engines/chromium.ts';
import { startLab, type Lab } from '../../harness/lab/lab.ts';
import { launchForLab } from '../../harness/session/launch.ts';
import { pageOnlyScenario, tempCertDir } from '../helpers.ts';

const scenario = pageOnlyScenario();

/** Every live process: its parent and its command line (Chromium's helpers rewrite theirs as one string). */
function processTable(): { pid: number; ppid: number; cmdline: string }[] {
  const table: { pid: number; ppid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      table.push({
        pid: Number(name),
        ppid,
        cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' '),
      });
    } catch {
      // exited while read
    }
  }
  return table;
}

/** The command lines of the browser whose command line holds `marker`, and of everything under it. */
function browserTree(marker: string): string[] {
  const table = processTable();
  const roots = table.filter((entry) => entry.cmdline.includes(marker) && !entry.cmdline.includes('--type='));
  const tree = new Set(roots.map((entry) => entry.pid));
  for (let grown = true; grown;) {
    grown = false;
    for (const entry of table)
      if (!tree.has(entry.pid) && tree.has(entry.ppid)) {
        tree.add(entry.pid);
        grown = true;
      }
  }
  return table.filter((entry) => tree.has(entry.pid)).map((entry) => entry.cmdline);
}

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ hostnames: ['app.site-a.localhost'], certDir: tempCertDir() });
});
afterAll(async () => {
  await lab?.close();
});

describe('Chromium processes', () => {
  it('run no WebUI of the browser chrome: renderers for pages only', async () => {
    const engine = await launchForLab(chromiumDriver, lab.certificates, { profile: 'defaults' });
    try {
      const context = await engine.newContext();
      await context.goto(`${lab.originUrl(scenario.page)}/__lab/runner`, 10_000);
      // The popups were preloaded within the first second of a launch.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // This lab's CA is the browser's one trusted SPKI: only this browser's command line holds its hash.
      const tree = browserTree(lab.certificates.spkiHashes[0]!);
      expect(tree.filter((cmdline) => cmdline.includes('--type=renderer')).length).toBeGreaterThan(0);
      expect(tree.filter((cmdline) => cmdline.includes('--top-chrome-webui'))).toEqual([]);
    } finally {
      await engine.close();
    }
  }, 60_000);
});
