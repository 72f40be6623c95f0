// A real nginx (Debian's package) for the check tests, in its own process
// on 127.0.0.1, with a configuration written by the test: everything it
// needs (pid, logs, temp paths) lives in the test's own directory.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));
/** Why nginx tests are skipped here, or undefined when they run. */
export const NGINX_MISSING = NGINX
  ? undefined
  : 'nginx is not installed (Debian: apt-get install nginx); the nginx check tests are skipped';

export interface NginxServer {
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts nginx with `serverBlock` (the inside of one `server { }`, where {{port}} is its port) and waits until it answers. */
export async function startNginx(dir: string, serverBlock: string): Promise<NginxServer> {
  if (!NGINX) throw new Error(NGINX_MISSING);
  mkdirSync(join(dir, 'temp'), { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  const temp = (name: string) => `${name}_temp_path ${join(dir, 'temp', name)};`;
  writeFileSync(
    conf,
    `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 64; }
http {
  access_log ${join(dir, 'access.log')};
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  default_type application/json;
  server {
    ${serverBlock.replaceAll('{{port}}', String(port))}
  }
}
`,
  );
  const test = spawnSync(NGINX, ['-t', '-c', conf, '-p', dir], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx refused the test's configuration: ${test.stderr}`);
  const child = spawn(NGINX, ['-c', conf, '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}${readLog(dir)}`);
    const listening = await new Promise<boolean>((resolve) => {
      const socket = createServer()
        .once('error', () => resolve(true))
        .once('listening', () => socket.close(() => resolve(false)));
      socket.listen(port, '127.0.0.1');
    });
    if (listening) break;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within 10 s: ${readLog(dir)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        // SIGQUIT: nginx's graceful shutdown, workers included.
        child.kill('SIGQUIT');
      }),
  };
}

function readLog(dir: string): string {
  const file = join(dir, 'error.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}
