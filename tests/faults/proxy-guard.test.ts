// Fault: another process sends a request through a running check's proxy.
// The proxy serves only the processes below the cors-lab that started it (its
// browsers): anyone else's connection is refused before a byte is read, and
// journaled without a nonce, so it never counts in a cell.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startFixture } from '../check-helpers.ts';
import { tempCertDir } from '../helpers.ts';

describe("the check's proxy", () => {
  it("serves the process's own children and refuses every other process", async () => {
    const proxy = await startFixture('guarded-proxy', { CERT_DIR: tempCertDir() });
    try {
      while (proxy.log.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      const info = proxy.log[0] as { targetPort: number; child: { status: number; output: string } };
      // A descendant of the proxy's process (as the browsers are) is served.
      expect(info.child).toEqual({ status: 0, output: 'target ok' });
      // This test's process is not below the proxy's: refused, nothing forwarded.
      const outsider = spawnSync(
        'curl',
        ['-s', '-x', `http://127.0.0.1:${proxy.port}`, `http://api.example.com:${info.targetPort}/from-outsider`],
        { encoding: 'utf8', timeout: 10_000 },
      );
      expect(outsider.status).not.toBe(0);
      expect(outsider.stdout).toBe('');
    } finally {
      await proxy.stop();
    }
    const journal = proxy.log
      .filter((line) => 'journal' in line)
      .map((line) => line.journal as { kind: string; url?: string; error?: string; nonce?: string });
    expect(journal.filter((entry) => entry.kind === 'request').map((entry) => entry.url)).toEqual([
      expect.stringMatching(/\/from-child$/),
    ]);
    const refused = journal.filter((entry) => entry.error?.startsWith('refused: a connection from a process'));
    expect(refused).toHaveLength(1);
    expect(refused[0]!.nonce).toBeUndefined();
  }, 60_000);
});
