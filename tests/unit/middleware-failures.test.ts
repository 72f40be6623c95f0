// An adapter that fails is bad input, never a crash: a scenario's unknown
// middleware names the file and the field; an adapter whose create() throws is
// named with what it was making; a middleware that throws while answering
// gets its request a 500 naming the error, and the server keeps serving.
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdapterError, type MiddlewareAdapter } from '../../harness/middleware/adapter.ts';
import { serveMiddleware } from '../../harness/middleware/serve.ts';
import { runCli, tempDir } from '../helpers.ts';

const get = (port: number, method = 'GET') =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path: '/items', method }, (answer) => {
      let body = '';
      answer.on('data', (chunk: Buffer) => (body += chunk));
      answer.on('end', () => resolve({ status: answer.statusCode!, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });

describe('a middleware adapter that fails', () => {
  it('throwing while answering: that request gets a 500 naming the error, and the next is served', async () => {
    const adapter: MiddlewareAdapter = {
      name: 'throws-on-options',
      version: '1',
      create: (_policy, handler) => (incoming, response) => {
        if (incoming.method === 'OPTIONS') throw new Error('kaboom in middleware');
        handler(incoming, response);
      },
    };
    const server = await serveMiddleware(adapter, { origins: '*' });
    try {
      expect(await get(server.port, 'OPTIONS')).toEqual({
        status: 500,
        body: 'cors-lab: the middleware "throws-on-options" threw while answering: kaboom in middleware\n',
      });
      expect((await get(server.port)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('throwing in create(): an AdapterError naming the adapter and what it was making', async () => {
    const adapter: MiddlewareAdapter = {
      name: 'throws-in-create',
      version: '1',
      create: () => {
        throw new Error('boom maxAge');
      },
    };
    const attempt = serveMiddleware(adapter, { origins: '*', maxAge: 600 }, 'scenario mw-max-age-600 (profile.yaml)');
    await expect(attempt).rejects.toBeInstanceOf(AdapterError);
    await expect(attempt).rejects.toThrow(
      'the middleware adapter "throws-in-create" threw while creating its server for scenario mw-max-age-600 (profile.yaml): boom maxAge. Fix:',
    );
  });

  it('an AdapterError from create() (a package the project lacks) is passed on in its own words', async () => {
    const said = new AdapterError('the x adapter needs the npm package "x". Fix: npm install --save-dev x');
    const adapter: MiddlewareAdapter = {
      name: 'x',
      version: '1',
      create: () => {
        throw said;
      },
    };
    await expect(serveMiddleware(adapter, { origins: '*' })).rejects.toBe(said);
  });

  it('a module path written without ./ is told how to write it', async () => {
    const { loadAdapter } = await import('../../harness/middleware/registry.ts');
    await expect(loadAdapter('adapter.ts')).rejects.toThrow(
      'unknown middleware "adapter.ts": a path to an adapter module starts with ./ or /, so write ./adapter.ts. The built-in ones are cors,',
    );
    await expect(loadAdapter('expresss')).rejects.toThrow('unknown middleware "expresss". Use cors,');
  });

  it("a scenario's unknown middleware: exit 2, the file and the field named, no stack trace", async () => {
    const dir = tempDir('middleware-use');
    const file = join(dir, 'mw.yaml');
    writeFileSync(
      file,
      [
        'origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }',
        'scenarios:',
        '  - id: mw-typo',
        '    title: a middleware name with a typo',
        '    request: { target: api, path: /items }',
        '    middleware: { use: expresss, policy: { origins: ["{{origin.page}}"] } }',
        '    expect: { spec: allowed }',
        '',
      ].join('\n'),
    );
    const run = await runCli(['run', file, '--browsers', 'chromium', '--out', join(dir, 'out')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`cors-lab: ${file}: middleware.use: unknown middleware "expresss".`);
    expect(run.stderr).not.toMatch(/harness failure|\n\s+at /);
  });
});
