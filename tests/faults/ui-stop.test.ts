// cors-lab ui ends on Ctrl-C: exit 0 as the exit-codes reference says, also
// once a run has left its browsers warm, and nothing of it is left behind.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../../harness/ui/server.ts';
import { startFixture } from '../check-helpers.ts';
import { BIN, NODE } from '../helpers.ts';
import { alive, descendants, until } from './processes.ts';

describe('cors-lab ui stopped with Ctrl-C', () => {
  it('after a run, with its browser warm: closes it and exits 0', async () => {
    const target = await startFixture('streaming-server');
    const child = spawn(NODE, [BIN, 'ui', '--port', '0'], { env: { ...process.env, CI: 'true' } });
    try {
      let printed = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const opened = () => /open http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)/.exec(printed);
      expect(await until(() => opened() !== null, 30_000), printed + stderr).toBe(true);
      const [, port, token] = opened()!;
      const call = async (path: string, body?: unknown) =>
        (await (
          await fetch(`http://127.0.0.1:${port}${path}`, {
            method: body === undefined ? 'GET' : 'POST',
            headers: { [TOKEN_HEADER]: token!, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          })
        ).json()) as Record<string, unknown>;
      const { id } = (await call('/api/runs', {
        url: `http://127.0.0.1:${target.port}/events`,
        origins: ['http://app.example.com'],
        engines: ['chromium'],
      })) as { id: string };
      let done = false;
      for (const deadline = Date.now() + 120_000; !done && Date.now() < deadline;)
        done =
          (await call(`/api/runs/${id}`)).done === true ||
          (await new Promise((resolve) => setTimeout(resolve, 250)), false);
      expect(done).toBe(true);
      const browsers = descendants(child.pid!);
      expect(browsers.length, 'the warm Chromium under the UI').toBeGreaterThan(0);
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(0);
      expect(await until(() => !browsers.some(alive), 10_000)).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await target.stop();
    }
  }, 180_000);
});
