// `cors-lab ui` as a person starts it: it prints a URL that serves the page
// with its token and refuses without it, offers the engines this machine has
// (a remote one given with --remote included), and Ctrl-C stops it (exit 0).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { BIN, NODE } from '../helpers.ts';

describe('cors-lab ui', () => {
  it('prints its URL on 127.0.0.1 with a token, serves the form there, refuses without the token, and stops on SIGINT', async () => {
    // Nothing listens at this endpoint: the form lists the remote engine as not there, and why.
    const child = spawn(NODE, [BIN, 'ui', '--remote', 'grid-chrome=chrome@http://127.0.0.1:9/'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('cors-lab ui printed no URL within 20 s')), 20_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const found = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(line)?.[1];
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form id="form">');
    const token = new URL(url).searchParams.get('token')!;
    const { engines } = (await (
      await fetch(new URL('/api/engines', url), { headers: { 'x-cors-lab-token': token } })
    ).json()) as { engines: { id: string; found: boolean; detail: string }[] };
    expect(
      engines
        .filter((engine) => ['chromium', 'firefox', 'webkit'].includes(engine.id))
        .map((engine) => [engine.id, engine.found, engine.detail]),
    ).toEqual([
      ['chromium', true, 'system'],
      ['firefox', true, 'system'],
      ['webkit', true, 'system'],
    ]);
    expect(engines.find((engine) => engine.id === 'grid-chrome')).toMatchObject({
      found: false,
      detail: expect.stringContaining('127.0.0.1:9'),
    });
    const bare = await fetch(url.replace(/\?token=.*/, ''));
    expect(bare.status).toBe(401);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000);
});
