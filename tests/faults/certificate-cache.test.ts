// Fault: several runs start at once with an empty certificate cache. Each
// must end with the same CA, and every key with its own certificate (before
// the lock, a CA key from one process met a certificate from another).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand, tempDir } from '../helpers.ts';

const MAKER = new URL('../fixtures/make-certificates.ts', import.meta.url).pathname;

describe('the certificate cache on first use', () => {
  it('gives every process started at once the same, consistent CA and leaf', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = join(tempDir('fault-cert-race'), 'certs');
      const runs = await Promise.all(
        Array.from({ length: 4 }, () =>
          runCommand(process.execPath, [MAKER], { env: { CERT_DIR: dir }, timeoutMs: 90_000 }),
        ),
      );
      for (const run of runs) expect(run.stderr, run.stderr).toBe('');
      const made = runs.map(
        (run) =>
          JSON.parse(run.stdout) as {
            ca: string;
            caKeyMatches: boolean;
            leafKeyMatches: boolean;
            leafSignedByCa: boolean;
          },
      );
      expect(new Set(made.map((entry) => entry.ca)).size).toBe(1);
      for (const entry of made)
        expect(entry).toMatchObject({ caKeyMatches: true, leafKeyMatches: true, leafSignedByCa: true });
    }
  }, 300_000);
});
