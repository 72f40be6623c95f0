// The bench's JSON figures compared with an earlier run's: every figure both
// hold, old → new with the ratio; a file that is not a bench result is refused
// with its name and the fix.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareLines, readBenchResult, type BenchResult } from '../../bench/compare.ts';
import { tempDir } from '../helpers.ts';

const result = (startedAt: string, catalogMs: number, extra: Record<string, number> = {}): BenchResult => ({
  tool: 'cors-lab bench',
  startedAt,
  quick: false,
  machine: { cores: 2, node: 'v24.21.0', platform: 'linux' },
  commit: 'abc1234',
  parts: {
    catalog: {
      ran: true,
      summary: 'catalog',
      figures: { group: { totalMs: catalogMs, engines: { chromium: { setupOverProbes: 2.5 } } }, ...extra },
    },
    'lab.probe': { ran: true, summary: 'probe', figures: { medianMs: 80 } },
  },
});

describe('bench --compare', () => {
  it('lists every figure both runs hold, old → new with the ratio, and those only the earlier run has', () => {
    const lines = compareLines(
      result('2026-12-06T10:00:00.000Z', 40_000, { gone: 1 }),
      result('2026-12-07T10:00:00.000Z', 30_000),
    );
    expect(lines).toEqual([
      'compared with 2026-12-06T10:00:00.000Z (abc1234); machine then 2 cores, now 2:',
      '  catalog.group.totalMs: 40000 → 30000 (0.75x)',
      '  catalog.group.engines.chromium.setupOverProbes: 2.5 → 2.5 (1.00x)',
      '  lab.probe.medianMs: 80 → 80 (1.00x)',
      '  only in the earlier run: catalog.gone',
    ]);
  });

  it('says when one run is --quick and the other not', () => {
    const quick = { ...result('2026-12-06T10:00:00.000Z', 1000), quick: true };
    expect(compareLines(quick, result('2026-12-07T10:00:00.000Z', 40_000))[0]).toContain(
      'NOT comparable: one run is --quick, the other is not',
    );
  });

  it('refuses a file that is not JSON, or not a bench result, naming it and the fix', () => {
    const dir = tempDir('bench-compare');
    writeFileSync(join(dir, 'broken.json'), '{"tool": ');
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ kind: 'run', results: [] }));
    expect(() => readBenchResult(join(dir, 'broken.json'))).toThrow(
      new RegExp(
        `^--compare ${join(dir, 'broken.json')}: cannot read it as JSON .*Fix: give a bench/result.json written by npm run bench$`,
      ),
    );
    expect(() => readBenchResult(join(dir, 'other.json'))).toThrow(
      /not a cors-lab bench result .*Fix: give a bench\/result\.json/,
    );
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(result('2026-12-06T10:00:00.000Z', 1)));
    expect(readBenchResult(join(dir, 'ok.json')).parts.catalog!.ran).toBe(true);
  });
});
