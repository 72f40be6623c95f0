// `npm run bench`, check part: one `cors-lab check` of a single endpoint across
// the engines, security sweep included, against a real Express 5 + cors server
// over HTTPS with its own CA, in its own process. Prints the wall time of the
// whole check (lab, replays, browser start-up, every probe) and per engine.
// The quick form is the same check: it is already short.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planFromCli } from '../harness/check/plan.ts';
import { runCheck } from '../harness/check/runner.ts';
import { ENGINE_IDS, type EngineId } from '../harness/engines/types.ts';
import { issueCa, issueServerCertificate } from '../harness/lab/certificates.ts';
import { startFixture } from '../tests/check-helpers.ts';
import { seconds, type BenchPart } from './figures.ts';

export const checkPart: BenchPart = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lab-bench-'));
  const ca = issueCa('bench API CA');
  const server = issueServerCertificate(['api.example.com'], ca);
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  writeFileSync(join(dir, 'key.pem'), server.keyPem);
  writeFileSync(join(dir, 'cert.pem'), server.certPem);
  const express = await startFixture('express-cors-server', {
    ALLOWED_ORIGINS: 'https://app.example.com',
    TLS_KEY: join(dir, 'key.pem'),
    TLS_CERT: join(dir, 'cert.pem'),
  });

  try {
    const plan = planFromCli('https://api.example.com/api/me', {
      origin: ['https://app.example.com'],
      expect: [],
      method: 'GET',
      header: [],
      credentials: 'include',
      kind: 'fetch',
      resolve: [`api.example.com:443:127.0.0.1:${express.port}`],
      ca: [join(dir, 'ca.pem')],
      sweep: true,
    });
    const finished = new Map<EngineId, number>();
    const started = performance.now();
    const result = await runCheck({
      plan,
      timeoutMs: 10_000,
      onProgress: ({ engine, done, total }) => {
        if (done === total) finished.set(engine, performance.now() - started);
      },
    });
    const totalMs = performance.now() - started;
    const rows = result.scenarios.length;
    process.stdout.write(
      `\ncors-lab bench: one check (1 endpoint, 1 origin + ${rows - 1} sweep origins) against Express 5 + cors over HTTPS\n`,
    );
    for (const id of ENGINE_IDS) {
      const engine = result.engines.find((candidate) => candidate.id === id);
      if (!engine) {
        process.stdout.write(`  ${id}: not run\n`);
        continue;
      }
      const cells = result.results.filter((cell) => cell.engine === id);
      process.stdout.write(
        `  ${id} ${engine.version}: ${cells.length} probes done at ${((finished.get(id) ?? totalMs) / 1000).toFixed(1)} s, ${cells.filter((cell) => !cell.matchesExpectation).length} not as expected\n`,
      );
    }
    process.stdout.write(
      `check, all engines side by side: ${seconds(totalMs)} wall for ${result.results.length} cells, ${result.check!.findings.length} security findings (goal: <= 15 s)\n`,
    );
    return {
      ran: result.results.length > 0,
      summary: `check: ${result.results.length} cells`,
      figures: {
        wallMs: Math.round(totalMs),
        cells: result.results.length,
        securityFindings: result.check!.findings.length,
      },
    };
  } finally {
    await express.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
