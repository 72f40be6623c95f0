// `npm run bench`, Grid part: the catalog in the local Chromium and WebKit,
// then the same catalog in the same builds through the Selenium Grid of the
// README's example (examples/grid: another host in a network namespace, each
// context a Grid session), with the wall time of each, their ratio, and
// whether the Grid's matrix equals the local one cell for cell.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOnParentDeath } from '../harness/engines/cleanup.ts';
import { BUILTIN_CATALOG, PACKAGE_ROOT } from '../harness/package/root.ts';
import { cellsOf, cli, seconds, type BenchPart } from './figures.ts';

const EXAMPLE = join(PACKAGE_ROOT, 'examples', 'grid');
/** The Grid's engines as the local engine of the same build. */
const LOCAL_OF: Record<string, string> = { 'grid-chrome': 'chromium', 'grid-webkit': 'webkit' };

export const gridPart: BenchPart = async (quick) => {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lab-bench-grid-'));
  const env = { ...process.env, CORS_LAB_GRID_RUN: join(dir, 'grid') };
  // A bench killed mid-way (a CI timeout) must not leave the Grid and its namespace behind.
  const stopOnDeath = runOnParentDeath(
    ['bash', join(EXAMPLE, 'stop-grid.sh')],
    { CORS_LAB_GRID_RUN: env.CORS_LAB_GRID_RUN },
    [dir],
  );
  try {
    const startedGrid = performance.now();
    const start = spawnSync('bash', [join(EXAMPLE, 'start-grid.sh')], { env, encoding: 'utf8', timeout: 150_000 });
    if (start.status !== 0)
      return { ran: false, summary: `the Grid did not start: ${start.stderr.trim().split('\n').at(-1)}` };
    const gridStartMs = performance.now() - startedGrid;
    const paths = quick ? [join(BUILTIN_CATALOG, 'basics/acao.yaml')] : [BUILTIN_CATALOG];
    const run = async (out: string, browsers: string) => {
      const started = performance.now();
      const finished = await cli([
        'run',
        ...paths,
        '--remote-config',
        join(EXAMPLE, 'remote.yaml'),
        '--browsers',
        browsers,
        '--reporter',
        'json',
        '--out',
        join(dir, out),
        '--no-color',
      ]);
      return { ...finished, ms: performance.now() - started };
    };
    const local = await run('local', 'chromium,webkit');
    const grid = await run('grid', 'grid-chrome,grid-webkit');
    const failures = [local, grid].filter((finished) => finished.status !== 0 && finished.status !== 1);
    if (failures.length > 0)
      return { ran: false, summary: failures.map((failure) => failure.stderr.trim().split('\n').at(-1)).join('; ') };
    const equal =
      cellsOf(join(dir, 'local', 'result.json')) ===
      cellsOf(join(dir, 'grid', 'result.json'), (id) => LOCAL_OF[id] ?? id);
    process.stdout.write(
      `\ngrid (${quick ? 'basics/acao.yaml' : 'the catalog'}, Chromium and WebKit): local ${seconds(local.ms)}; through the Selenium Grid ${seconds(grid.ms)} (${(grid.ms / local.ms).toFixed(2)}x local; the Grid started in ${seconds(gridStartMs)}, not counted); the Grid's matrix equals the local one: ${equal ? 'yes' : 'NO'}\n`,
    );
    return {
      ran: equal,
      summary: equal ? "the Grid's matrix equals the local one" : "the Grid's matrix differs from the local one",
      figures: {
        localMs: Math.round(local.ms),
        gridMs: Math.round(grid.ms),
        gridOverLocal: Number((grid.ms / local.ms).toFixed(2)),
        gridStartMs: Math.round(gridStartMs),
      },
    };
  } finally {
    stopOnDeath();
    execFileSync('bash', [join(EXAMPLE, 'stop-grid.sh')], { env, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
};
