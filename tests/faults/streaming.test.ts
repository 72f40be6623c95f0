// Fault: a target that never stops sending (Server-Sent Events, an endless
// body). `cors-lab check` must read what CORS needs, close the stream and
// exit, with the cell as CORS decides it (allowed, since the server allows
// any origin), never hang a CI job or report an error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../harness/result/result.ts';
import { startFixture } from '../check-helpers.ts';
import { BIN, expectValidResult, NODE, runCommand, tempDir } from '../helpers.ts';

/** Far more than a check of two URLs in one engine takes; a run that hangs is killed here and the test fails. */
const HANG_LIMIT_MS = 120_000;

describe('a streaming target', () => {
  it(
    'check reads the head, closes the streams, reports allowed and exits',
    async () => {
      const server = await startFixture('streaming-server');
      try {
        const dir = tempDir('fault-streaming');
        for (const [path, kind] of [
          ['/events', 'fetch'],
          ['/endless', 'fetch'],
          ['/events', 'xhr'],
        ] as const) {
          const started = Date.now();
          const out = join(dir, `${path.slice(1)}-${kind}`);
          const run = await runCommand(
            NODE,
            [
              BIN,
              'check',
              `http://api.example.com:${server.port}${path}`,
              '--kind',
              kind,
              '--resolve',
              `api.example.com:${server.port}:127.0.0.1`,
              '--origin',
              'http://app.example.com',
              '--browsers',
              'chromium,firefox',
              '--no-sweep',
              '--no-missing-path',
              '--reporter',
              'json',
              '--out',
              out,
              '--no-color',
            ],
            { timeoutMs: HANG_LIMIT_MS },
          );
          expect(run.timedOut, `check of ${path} (${kind}) still running after ${HANG_LIMIT_MS} ms`).toBeUndefined();
          expect(run.stderr).not.toMatch(/harness failure/);
          expect(run.status).toBe(0);
          const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as CheckResult;
          expectValidResult(result);
          expect(result.results.map((cell) => [cell.engine, cell.outcome])).toEqual([
            ['chromium', 'allowed'],
            ['firefox', 'allowed'],
          ]);
          expect(result.scenarios[0]!.replay!.exchanges[0]!.status).toBe(200);
          expect(Date.now() - started).toBeLessThan(HANG_LIMIT_MS);
        }
        // Every stream the browsers and the replay opened was closed again.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const opened = server.log.filter((line) => 'path' in line && line.method === 'GET').length;
        const closed = server.log.filter((line) => 'closed' in line).length;
        expect(opened).toBeGreaterThanOrEqual(9);
        expect(closed).toBe(opened);
      } finally {
        await server.stop();
      }
    },
    2 * HANG_LIMIT_MS + 30_000,
  );

  it(
    'a target that never answers is an error that says the request was passed on and got no answer, not that it never reached the server',
    async () => {
      const server = await startFixture('streaming-server');
      try {
        const dir = tempDir('fault-hang');
        const run = await runCommand(
          NODE,
          [
            BIN,
            'check',
            `http://api.example.com:${server.port}/hang`,
            '--resolve',
            `api.example.com:${server.port}:127.0.0.1`,
            '--origin',
            'http://app.example.com',
            '--browsers',
            'chromium',
            '--no-sweep',
            '--timeout',
            '2s',
            '--reporter',
            'json',
            '--out',
            dir,
            '--no-color',
          ],
          { timeoutMs: HANG_LIMIT_MS },
        );
        expect(run.timedOut).toBeUndefined();
        const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as CheckResult;
        const [cell] = result.results;
        expect(cell!.outcome).toBe('error');
        expect(cell!.explanation).toMatch(
          /the browser sent the request and the lab's proxy passed it on, but the target gave no answer \(.*no answer within 2000 ms\)/,
        );
        expect(cell!.explanation).not.toMatch(/never reached/);
        expect(server.log.some((line) => line.path === '/hang')).toBe(true);
      } finally {
        await server.stop();
      }
    },
    HANG_LIMIT_MS + 30_000,
  );
});
