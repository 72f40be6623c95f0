// Fault: SIGTERM sent to `npx cors-lab run`. npm passes it to its `sh -c`,
// which dies without passing it on; cors-lab must notice its launcher is gone
// and stop as if it had been sent SIGTERM itself (a report marked
// interrupted, no browser left), not run on unseen and write a full report.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../harness/result/result.ts';
import { PROJECT_ROOT, tempDir } from '../helpers.ts';
import { alive, descendants, foldersOf, until } from './processes.ts';

describe('a run started with npx', () => {
  it('stops, reports what completed as interrupted and closes its browsers when npx is sent SIGTERM', async () => {
    const dir = tempDir('fault-npx');
    // npx from this project runs this project's cors-lab; Node 24 first on PATH, as npm scripts have it.
    const npx = spawn(
      'npx',
      ['--yes', 'cors-lab', 'run', '--browsers', 'chromium,firefox', '--reporter', 'json', '--out', dir, '--no-color'],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, CI: 'true', PATH: `${join(PROJECT_ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
        stdio: 'ignore',
      },
    );
    const browsersUp = await until(() => descendants(npx.pid!).length >= 8, 90_000);
    expect(browsersUp).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const tree = descendants(npx.pid!);
    const folders = foldersOf(tree);
    npx.kill('SIGTERM');

    // Everything below npx ends, without a signal of its own.
    expect(await until(() => tree.every((pid) => !alive(pid)), 30_000)).toBe(true);
    const result = JSON.parse(readFileSync(join(dir, 'result.interrupted.json'), 'utf8')) as RunResult;
    expect(result.interrupted).toMatchObject({ signal: 'SIGTERM' });
    expect(result.interrupted!.notRun).toBeGreaterThan(0);
    expect(result.results.filter((cell) => cell.outcome === 'error')).toEqual([]);
    expect(existsSync(join(dir, 'result.json'))).toBe(false);
    expect(folders.filter((folder) => existsSync(folder))).toEqual([]);
  }, 180_000);
});
