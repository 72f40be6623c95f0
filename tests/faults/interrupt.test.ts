// Fault: a run stopped by a real signal sent to its real process. It keeps
// the cells it completed, marks the rest not run (never error), marks the
// result and every report as interrupted, writes them beside the previous
// complete report instead of over it, exits 130 (SIGINT) or 143 (SIGTERM),
// and leaves no browser process and no temporary folder behind.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../harness/result/result.ts';
import { BIN, expectValidResult, NODE, tempDir } from '../helpers.ts';
import { alive, descendants, foldersOf, until } from './processes.ts';

async function interruptedRun(signal: 'SIGINT' | 'SIGTERM') {
  const dir = tempDir(`fault-interrupt-${signal}`);
  const previous = '{"a previous complete report": true}\n';
  writeFileSync(join(dir, 'result.json'), previous);
  const child = spawn(
    NODE,
    [
      BIN,
      'run',
      '--browsers',
      'chromium,firefox',
      '--reporter',
      'json,html,junit,markdown',
      '--out',
      dir,
      '--no-color',
    ],
    { env: { ...process.env, CI: 'true' } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  // Mid-run: both browsers up (several processes each), then a few seconds of probes.
  const deadline = Date.now() + 60_000;
  while (descendants(child.pid!).length < 6 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 200));
  await new Promise((resolve) => setTimeout(resolve, 4000));
  const browsers = descendants(child.pid!);
  const folders = foldersOf(browsers);
  child.kill(signal);
  const status = await exited;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return { dir, previous, status, stdout, stderr, browsers, folders };
}

describe('an interrupted run', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal}: keeps the completed cells, marks the rest not run and every report interrupted, keeps the previous report, exits ${code}, leaves nothing behind`, async () => {
      const run = await interruptedRun(signal);
      expect(run.status, run.stderr).toBe(code);
      // The previous complete report is untouched; the interrupted one sits beside it.
      expect(readFileSync(join(run.dir, 'result.json'), 'utf8')).toBe(run.previous);
      const result = JSON.parse(readFileSync(join(run.dir, 'result.interrupted.json'), 'utf8')) as RunResult;
      expectValidResult(result);
      expect(result.interrupted).toMatchObject({ signal, completed: result.results.length });
      expect(result.interrupted!.notRun).toBeGreaterThan(0);
      expect(result.results.length + result.interrupted!.notRun).toBe(result.scenarios.length * 2);
      // What completed is real: no cell became an error because its browser was closed under it.
      expect(result.results.filter((cell) => cell.outcome === 'error')).toEqual([]);
      const banner = `INTERRUPTED by ${signal}`;
      expect(run.stdout).toContain(banner);
      expect(readFileSync(join(run.dir, 'report.interrupted.md'), 'utf8')).toContain(banner);
      expect(readFileSync(join(run.dir, 'report.interrupted.html'), 'utf8')).toContain(banner);
      expect(readFileSync(join(run.dir, 'junit.interrupted.xml'), 'utf8')).toMatch(/<error message="INTERRUPTED by/);
      expect(existsSync(join(run.dir, 'report.html'))).toBe(false);
      // Nothing of the run is left: no browser process, no temporary folder.
      expect(run.browsers.length).toBeGreaterThan(0);
      // Killed processes are reaped by their new parent a moment after cors-lab exits.
      await until(() => !run.browsers.some(alive), 10_000);
      expect(run.browsers.filter(alive)).toEqual([]);
      expect(run.folders.length).toBeGreaterThan(0);
      expect(run.folders.filter((folder) => existsSync(folder))).toEqual([]);
    }, 180_000);
  }
});

// SIGKILL gives cors-lab no say at all: no handler runs. Every process group
// it started (Firefox, each WebKitWebDriver with its MiniBrowser, Xvfb) has a
// watchdog that kills it when cors-lab's end of a pipe closes, so nothing of
// the run outlives it; Chromium goes with Playwright's pipe.
describe('a run killed with SIGKILL', () => {
  it('leaves no browser, driver or Xvfb process and no profile folder within 10 s', async () => {
    const dir = tempDir('fault-sigkill');
    const child = spawn(
      NODE,
      [BIN, 'run', '--browsers', 'chromium,firefox,webkit', '--reporter', 'json', '--out', dir, '--no-color'],
      { env: { ...process.env, CI: 'true' } },
    );
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    const name = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    // Mid-run: all three engines up, WebKit's driver, MiniBrowser and Xvfb among them.
    const deadline = Date.now() + 60_000;
    const upAll = () =>
      ['WebKitWebDriver', 'MiniBrowser', 'Xvfb', 'firefox-esr'].every((wanted) =>
        descendants(child.pid!).some((pid) => name(pid).startsWith(wanted.slice(0, 15))),
      );
    while (!upAll() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(upAll()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const browsers = descendants(child.pid!);
    const folders = foldersOf(browsers);
    child.kill('SIGKILL');
    await exited;
    await until(() => !browsers.some(alive) && folders.every((folder) => !existsSync(folder)), 10_000);
    expect(browsers.filter(alive).map((pid) => `${pid} ${name(pid)}`)).toEqual([]);
    expect(folders.length).toBeGreaterThan(0);
    expect(folders.filter((folder) => existsSync(folder))).toEqual([]);
  }, 120_000);
});
