import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureLabCertificates, spkiHash } from '../../harness/lab/certificates.ts';
import { tempCertDir } from '../helpers.ts';

describe('lab certificates', () => {
  const dir = tempCertDir();
  const first = ensureLabCertificates(['app.site-a.localhost', 'api.site-b.localhost'], dir);

  it('issues a leaf for every hostname, signed by the lab CA', () => {
    const leaf = new X509Certificate(first.leaf.certPem);
    const ca = new X509Certificate(first.ca.certPem);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    for (const host of ['app.site-a.localhost', 'api.site-b.localhost', 'localhost']) expect(leaf.checkHost(host)).toBe(host);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
  });

  it('signs the untrusted leaf with a different CA and key', () => {
    const untrusted = new X509Certificate(first.untrustedLeaf.certPem);
    expect(untrusted.checkIssued(new X509Certificate(first.ca.certPem))).toBe(false);
    expect(spkiHash(first.untrustedLeaf.certPem)).not.toBe(spkiHash(first.leaf.certPem));
    expect(first.spkiHashes).not.toContain(spkiHash(first.untrustedLeaf.certPem));
  });

  it('keeps keys private (0600) in a 0700 directory', () => {
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const keys = readdirSync(dir).filter((name) => name.endsWith('.key.pem'));
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const key of keys) expect(statSync(join(dir, key)).mode & 0o777).toBe(0o600);
  });

  it('reuses the cached CA and leaf key, and re-issues only for new hostnames', () => {
    const again = ensureLabCertificates(['api.site-b.localhost', 'app.site-a.localhost'], dir);
    expect(again.ca.certPem).toBe(first.ca.certPem);
    expect(again.leaf.certPem).toBe(first.leaf.certPem);
    const wider = ensureLabCertificates(['app.site-a.localhost', 'other.localhost'], dir);
    expect(wider.ca.certPem).toBe(first.ca.certPem);
    expect(wider.leaf.keyPem).toBe(first.leaf.keyPem);
    expect(new X509Certificate(wider.leaf.certPem).checkHost('other.localhost')).toBe('other.localhost');
    expect(wider.spkiHashes).toEqual(first.spkiHashes);
  });
});

describe('the certificate cache lock', () => {
  it('takes over a lock left by a process that is gone, and leaves no lock behind', () => {
    const dir = tempCertDir();
    // A real pid that no longer runs: a process that has ended.
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    mkdirSync(join(dir, '.lock'));
    writeFileSync(join(dir, '.lock', 'pid'), String(gone));
    const made = ensureLabCertificates(['app.site-a.localhost'], dir);
    expect(new X509Certificate(made.leaf.certPem).verify(new X509Certificate(made.ca.certPem).publicKey)).toBe(true);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });
});
