// `npm run bench`, start-up part: how long a command takes before it does
// anything (`cors-lab --version` loads every module a command needs), with
// Node's compile cache in cors-lab's cache folder (bin/cors-lab.js) and
// without it (NODE_DISABLE_COMPILE_CACHE=1), alternated in one run. The
// cache is a fresh folder, filled by one start that is not counted.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../harness/package/root.ts';
import { temporaryDirectory } from '../harness/engines/cleanup.ts';
import { seconds, type BenchPart } from './figures.ts';

const BIN = join(PACKAGE_ROOT, 'bin', 'cors-lab.js');

export const startupPart: BenchPart = async (quick) => {
  const rounds = quick ? 2 : 7;
  const cache = await temporaryDirectory('cors-lab-bench-cache-');
  try {
    const start = (compileCache: boolean): number => {
      const { NODE_DISABLE_COMPILE_CACHE: _disabled, ...inherited } = process.env;
      const env = {
        ...inherited,
        CORS_LAB_CACHE: cache.path,
        ...(compileCache ? {} : { NODE_DISABLE_COMPILE_CACHE: '1' }),
      };
      const started = performance.now();
      const run = spawnSync(process.execPath, [BIN, '--version'], { env, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`cors-lab --version exited ${run.status}: ${run.stderr}`);
      return performance.now() - started;
    };
    start(true); // fills the cache
    const cached: number[] = [];
    const uncached: number[] = [];
    for (let round = 0; round < rounds; round++) {
      uncached.push(start(false));
      cached.push(start(true));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const [withCache, without] = [median(cached), median(uncached)];
    process.stdout.write(
      `\ncors-lab bench: a command's start-up (cors-lab --version, ${rounds} of each, alternated)\n` +
        `with the compile cache ${seconds(withCache)} against ${seconds(without)} without: ${(withCache / without).toFixed(2)}x\n`,
    );
    return {
      ran: cached.length === rounds,
      summary: `start-up: ${rounds} starts with and without the compile cache`,
      figures: { withCacheMs: Math.round(withCache), withoutCacheMs: Math.round(without), ratio: withCache / without },
    };
  } finally {
    await cache.remove();
  }
};
