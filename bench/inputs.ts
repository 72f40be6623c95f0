// `npm run bench`, inputs part: check's inputs at the size real ones come
// in, a front end's HAR of 50 MB and an OpenAPI document of 5 MB, each read
// by `cors-lab check` and planned (--max-rows 1 stops it before any browser
// starts), with the time it took and the process's peak resident memory, over
// the same command on the small example inputs. The size bounds check
// enforces (MAX_HAR_BYTES, MAX_OPENAPI_BYTES) rest on these figures.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_HAR_BYTES } from '../harness/check/har.ts';
import { MAX_OPENAPI_BYTES } from '../harness/check/openapi.ts';
import { PACKAGE_ROOT } from '../harness/package/root.ts';
import { seconds, type BenchPart } from './figures.ts';

const EXAMPLE = join(PACKAGE_ROOT, 'examples', 'api-owner');
const BIN = join(PACKAGE_ROOT, 'bin', 'cors-lab.js');
const MB = 1024 * 1024;
/** Peak resident memory goal for reading either input at the size above: the bounds keep larger ones near it. */
const PEAK_GOAL_MB = 1024;
/** Reports the process's peak resident set size on exit, in KiB (getrusage's ru_maxrss). */
const REPORT_PEAK = `data:text/javascript,process.on('exit',()=>process.stderr.write('cors-lab-peak-rss '+process.resourceUsage().maxRSS+'\\n'))`;

/** The example HAR's entries again and again, each with its own id in the path and a response body as DevTools saves it, to about `bytes`. */
export function largeHar(bytes: number): string {
  const har = JSON.parse(readFileSync(join(EXAMPLE, 'app.har'), 'utf8')) as {
    log: { entries: { request: { url: string }; response: { content?: object } }[] };
  };
  const seed = har.log.entries;
  const body = 'x'.repeat(1200);
  const perRound = JSON.stringify(seed).length + seed.length * body.length;
  const entries = [];
  for (let round = 0; round < Math.ceil(bytes / perRound); round++) {
    for (const entry of seed) {
      const copy = structuredClone(entry);
      copy.request.url = copy.request.url.replace(/\/api\/(\w+)/, `/api/$1/${round}`);
      copy.response.content = { ...copy.response.content, size: body.length, text: body };
      entries.push(copy);
    }
  }
  har.log.entries = entries;
  return JSON.stringify(har);
}

/** An OpenAPI 3.1 document of about `bytes`: many paths, each operation's schema a $ref into shared components. */
export function largeOpenApi(bytes: number): string {
  const schemas: Record<string, unknown> = {};
  for (let i = 0; i < 400; i++) {
    schemas[`Thing${i}`] = {
      type: 'object',
      description: 'd'.repeat(500),
      properties: Object.fromEntries(
        Array.from({ length: 20 }, (_, field) => [`f${field}`, { type: 'string', description: 'p'.repeat(40) }]),
      ),
    };
  }
  const paths: Record<string, unknown> = {};
  const document = {
    openapi: '3.1.0',
    info: { title: 'Large', version: '1' },
    servers: [{ url: 'https://api.example.com' }],
    paths,
    components: { schemas },
  };
  const id = [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }];
  // The size is counted as the paths are added: stringifying the whole document each time would take minutes.
  // At least 100 paths, so a size below the shared components' own still gives operations to plan.
  for (let i = 0, size = JSON.stringify(document).length; size < bytes || i < 100; i++) {
    const ref = { $ref: `#/components/schemas/Thing${i % 400}` };
    const key = `/api/things${i}/{id}`;
    paths[key] = {
      get: {
        operationId: `get${i}`,
        parameters: id,
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: ref } } } },
      },
      put: {
        operationId: `put${i}`,
        parameters: id,
        requestBody: { content: { 'application/json': { schema: ref } } },
        responses: { '200': { description: 'ok' } },
      },
    };
    size += JSON.stringify({ [key]: paths[key] }).length;
  }
  return JSON.stringify(document);
}

/** `cors-lab check ARGS --max-rows 1` in a process of its own: how long it took, its peak RSS, and whether it read the input (exit 2 with the --max-rows refusal). */
function readOnce(args: string[]): Promise<{ ms: number; peakMb: number; read: boolean; stderr: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', REPORT_PEAK, BIN, 'check', ...args, '--max-rows', '1', '--no-color'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', () => {
      const peakKb = Number(/cors-lab-peak-rss (\d+)/.exec(stderr)?.[1] ?? NaN);
      resolve({
        ms: performance.now() - started,
        peakMb: peakKb / 1024,
        read: stderr.includes('more than --max-rows 1'),
        stderr,
      });
    });
  });
}

export const inputsPart: BenchPart = async (quick) => {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lab-bench-inputs-'));
  try {
    const harBytes = (quick ? 5 : 50) * MB;
    const openApiBytes = (quick ? 1.5 : 5) * MB;
    writeFileSync(join(dir, 'large.har'), largeHar(harBytes));
    writeFileSync(join(dir, 'large.json'), largeOpenApi(openApiBytes));
    const origin = ['--origin', 'https://app.example.com'];
    const runs = {
      harSmall: await readOnce(['--har', join(EXAMPLE, 'app.har')]),
      har: await readOnce(['--har', join(dir, 'large.har')]),
      openApiSmall: await readOnce(['--openapi', join(EXAMPLE, 'openapi.yaml'), ...origin]),
      openApi: await readOnce(['--openapi', join(dir, 'large.json'), ...origin]),
    };
    const unread = Object.entries(runs).filter(([, run]) => !run.read);
    if (unread.length > 0)
      return {
        ran: false,
        summary: unread
          .map(([name, run]) => `${name}: ${run.stderr.trim().split('\n').slice(-2).join(' ')}`)
          .join('; '),
      };
    const line = (what: string, size: number, large: typeof runs.har, small: typeof runs.har, limit: number) =>
      `  ${what} of ${(size / MB).toFixed(1)} MB: read and planned in ${seconds(large.ms)}, peak RSS ${Math.round(large.peakMb)} MB (the example's: ${Math.round(small.peakMb)} MB, so ${((large.peakMb - small.peakMb) / (size / MB)).toFixed(1)}x the file's size on top; goal: <= ${PEAK_GOAL_MB} MB); larger than ${limit / MB} MB is refused\n`;
    process.stdout.write(
      `\ninputs at real size (cors-lab check, planning only):\n${line('a HAR', harBytes, runs.har, runs.harSmall, MAX_HAR_BYTES)}${line('an OpenAPI document', openApiBytes, runs.openApi, runs.openApiSmall, MAX_OPENAPI_BYTES)}`,
    );
    const figures = Object.fromEntries(
      Object.entries(runs).map(([name, run]) => [name, { ms: Math.round(run.ms), peakMb: Math.round(run.peakMb) }]),
    );
    const withinGoal = quick || (runs.har.peakMb <= PEAK_GOAL_MB && runs.openApi.peakMb <= PEAK_GOAL_MB);
    return {
      ran: true,
      summary: `${withinGoal ? '' : 'over the memory goal: '}HAR peak ${Math.round(runs.har.peakMb)} MB, OpenAPI peak ${Math.round(runs.openApi.peakMb)} MB`,
      figures: { ...figures, harMb: harBytes / MB, openApiMb: openApiBytes / MB },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
