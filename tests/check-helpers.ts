// Real servers for the check tests, each in its own process on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { issueCa, issueServerCertificate } from '../harness/lab/certificates.ts';

export interface FixtureServer {
  port: number;
  /** Lines the server logged after its port line, parsed as JSON. */
  log: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Starts tests/fixtures/<name>.ts with Node (the same binary as the tests) and waits for its port. */
export async function startFixture(name: string, env: Record<string, string> = {}): Promise<FixtureServer> {
  const child: ChildProcess = spawn(process.execPath, [new URL(`./fixtures/${name}.ts`, import.meta.url).pathname], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const log: Record<string, unknown>[] = [];
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 10 s`)), 10_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (typeof parsed.port === 'number' && log.length === 0 && !('method' in parsed)) {
        clearTimeout(timer);
        resolve(parsed.port);
      } else {
        log.push(parsed);
      }
    });
  });
  return {
    port,
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The API's own CA (as mkcert would make, trusted by nothing unless told) and a certificate for api.example.com, as PEM files in `dir`; `tls` is what express-cors-server serves HTTPS with. */
export function ownCa(dir: string): { caFile: string; tls: { TLS_KEY: string; TLS_CERT: string } } {
  const ca = issueCa('the API team CA');
  const leaf = issueServerCertificate(['api.example.com'], ca);
  writeFileSync(join(dir, 'root.pem'), ca.certPem);
  writeFileSync(join(dir, 'key.pem'), leaf.keyPem);
  writeFileSync(join(dir, 'cert.pem'), leaf.certPem);
  return { caFile: join(dir, 'root.pem'), tls: { TLS_KEY: join(dir, 'key.pem'), TLS_CERT: join(dir, 'cert.pem') } };
}
