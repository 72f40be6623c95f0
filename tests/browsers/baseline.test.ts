// --baseline: a run of the middleware profile against the example middleware
// is recorded; the same run passes against the record, and an adapter broken
// in one behaviour fails naming that behaviour's cells and nothing else.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers.ts';

const PROFILE = new URL('../../scenarios/middleware', import.meta.url).pathname;
const ADAPTER = new URL('../../examples/middleware-author/adapter.ts', import.meta.url).pathname;
let dir = '';
let baseline = '';

beforeAll(() => {
  dir = tempDir('baseline');
  baseline = join(dir, 'cors-baseline.json');
});

describe('run --baseline', () => {
  it('records a small, sorted baseline without ports or nonces, and a second run matches it', async () => {
    const record = await runCli([
      'run',
      PROFILE,
      '--middleware',
      ADAPTER,
      '--baseline',
      baseline,
      '--update-baseline',
      '--reporter',
      'json',
      '--out',
      join(dir, 'record'),
      '--no-color',
    ]);
    expect(record.status, record.stderr).toBe(0);
    expect(record.stdout).toMatch(/^baseline written: .*cors-baseline\.json \(63 cells\)$/m);
    const text = readFileSync(baseline, 'utf8');
    expect(text).not.toMatch(/localhost:\d|nonce|20\d\d-\d\d-\d\d/);
    const recorded = JSON.parse(text) as { cells: Record<string, Record<string, string>> };
    const ids = Object.keys(recorded.cells);
    expect(ids).toEqual([...ids].sort());
    // One line per row.
    expect(text.split('\n').filter((line) => line.startsWith('    "mw-'))).toHaveLength(21);
    expect(recorded.cells['mw-expose-listed']).toEqual({
      'simple-cors · chromium': 'allowed',
      'simple-cors · firefox': 'allowed',
      'simple-cors · webkit': 'allowed',
    });

    const again = await runCli([
      'run',
      PROFILE,
      '--middleware',
      ADAPTER,
      '--baseline',
      baseline,
      '--reporter',
      'json',
      '--out',
      join(dir, 'again'),
      '--no-color',
    ]);
    expect(again.status, again.stdout).toBe(0);
    expect(again.stdout).toContain(`baseline ${baseline}: all 63 cells as recorded`);
  });

  it('an adapter broken in one behaviour (it drops exposeHeaders) fails naming those cells and nothing else', async () => {
    const broken = join(dir, 'broken-adapter.ts');
    writeFileSync(
      broken,
      readFileSync(ADAPTER, 'utf8')
        .replace(
          "from './simple-cors.ts'",
          `from ${JSON.stringify(new URL('../../examples/middleware-author/simple-cors.ts', import.meta.url).pathname)}`,
        )
        .replace('      ...(policy.exposeHeaders ? { exposeHeaders: policy.exposeHeaders } : {}),\n', ''),
    );
    const run = await runCli([
      'run',
      PROFILE,
      '--middleware',
      broken,
      '--baseline',
      baseline,
      '--reporter',
      'json',
      '--out',
      join(dir, 'broken'),
      '--no-color',
    ]);
    expect(run.status, run.stderr).toBe(1);
    const lines = run.stdout
      .slice(run.stdout.indexOf(`baseline ${baseline}:`))
      .trim()
      .split('\n');
    expect(lines[0]).toBe(`baseline ${baseline}: 3 cell(s) differ from the record (63 measured):`);
    expect(lines.slice(1).map((line) => line.replace(/\. .*$/, ''))).toEqual(
      ['chromium', 'firefox', 'webkit'].map(
        (engine) => `  mw-expose-listed in simple-cors · ${engine}: recorded allowed, now blocked (new-finding)`,
      ),
    );
  });

  it('refuses a missing or broken baseline before running, and --update-baseline without a file', async () => {
    const missing = await runCli(['run', PROFILE, '--baseline', join(dir, 'none.json'), '--out', join(dir, 'x')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(
      `--baseline ${join(dir, 'none.json')}: no such baseline. Fix: write it with --update-baseline`,
    );
    writeFileSync(
      join(dir, 'bad.json'),
      '{"format": "cors-lab baseline 1", "kind": "run", "profile": "defaults", "cells": {"a": {"chromium": 1}}}',
    );
    const bad = await runCli(['run', PROFILE, '--baseline', join(dir, 'bad.json'), '--out', join(dir, 'x')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${join(dir, 'bad.json')}: cells.a.chromium:`);
    const noFile = await runCli(['run', PROFILE, '--update-baseline', '--out', join(dir, 'x')]);
    expect(noFile.status).toBe(2);
    expect(noFile.stderr).toContain('--update-baseline: which file?');
  });
});
