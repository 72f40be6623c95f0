// The research clock shim on ordinary processes: a process started with it
// sees its wall and monotonic clocks moved by the offset, and a later move of
// the offset reaches a process already running.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildClockShim, createClock } from '../../harness/research/clock.ts';
import { NODE } from '../helpers.ts';

describe('research clock shim', () => {
  it('writes the offset file the shim reads: nanoseconds, twice, in place', async () => {
    const clock = createClock('/nonexistent.so');
    try {
      clock.advance(90);
      const bytes = readFileSync(clock.env.CORS_LAB_CLOCK_FILE!);
      expect(bytes).toHaveLength(16);
      expect(bytes.readBigInt64LE(0)).toBe(90_000_000_000n);
      expect(bytes.readBigInt64LE(8)).toBe(90_000_000_000n);
      expect(() => clock.advance(-1)).toThrow(/only moves forward/);
    } finally {
      clock.close();
    }
  });

  it('moves the wall clock of a process started with it, and a running process sees later moves', async () => {
    const shim = await buildClockShim();
    expect('path' in shim, JSON.stringify(shim)).toBe(true);
    const clock = createClock((shim as { path: string }).path);
    try {
      clock.advance(86_400);
      const wall = Number(
        execFileSync('date', ['+%s'], { env: { ...process.env, ...clock.env }, encoding: 'utf8' }).trim(),
      );
      expect(Math.abs(wall - (Date.now() / 1000 + 86_400))).toBeLessThan(5);
      // A Node process prints its wall and monotonic clocks each time it reads a line.
      const child = spawn(
        NODE,
        ['-e', "process.stdin.on('data', () => console.log(Date.now(), Number(process.hrtime.bigint() / 1000000n)))"],
        { env: { ...process.env, ...clock.env } },
      );
      const lines: string[] = [];
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.trim().split('\n')));
      const ask = async () => {
        const before = lines.length;
        child.stdin.write('\n');
        while (lines.length === before) await new Promise((resolve) => setTimeout(resolve, 20));
        return lines.at(-1)!.split(' ').map(Number) as [number, number];
      };
      const [wallBefore, monotonicBefore] = await ask();
      expect(Math.abs(wallBefore - (Date.now() + 86_400_000))).toBeLessThan(5000);
      clock.advance(3600);
      const [wallAfter, monotonicAfter] = await ask();
      // Both clocks jumped by an hour (give or take the real time between the two questions).
      expect(wallAfter - wallBefore).toBeGreaterThanOrEqual(3_600_000);
      expect(wallAfter - wallBefore).toBeLessThan(3_605_000);
      expect(monotonicAfter - monotonicBefore).toBeGreaterThanOrEqual(3_600_000);
      expect(monotonicAfter - monotonicBefore).toBeLessThan(3_605_000);
      child.kill();
    } finally {
      clock.close();
    }
  });
});
