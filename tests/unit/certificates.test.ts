import { createHash, X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import forge from 'node-forge';
import {
  certificateSerial,
  ensureLabCertificates,
  issueServerCertificate,
  spkiHash,
  type KeyAndCert,
} from '../../harness/lab/certificates.ts';
import { NODE, runCommand, tempCertDir } from '../helpers.ts';

describe('lab certificates', () => {
  const dir = tempCertDir();
  const first = ensureLabCertificates(['app.site-a.localhost', 'api.site-b.localhost'], dir);

  it('issues a leaf for every hostname, signed by the lab CA', () => {
    const leaf = new X509Certificate(first.leaf.certPem);
    const ca = new X509Certificate(first.ca.certPem);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    for (const host of ['app.site-a.localhost', 'api.site-b.localhost', 'localhost'])
      expect(leaf.checkHost(host)).toBe(host);
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

/** What OpenSSL's verifier (which enforces name constraints) says of `leaf` under `ca`: "OK" or its error. */
function opensslVerify(ca: KeyAndCert, leafPem: string, atMs = Date.now()): string {
  const dir = tempCertDir();
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  writeFileSync(join(dir, 'leaf.pem'), leafPem);
  const verify = spawnSync(
    'openssl',
    ['verify', '-attime', String(Math.floor(atMs / 1000)), '-CAfile', join(dir, 'ca.pem'), join(dir, 'leaf.pem')],
    { encoding: 'utf8' },
  );
  return verify.status === 0 ? 'OK' : `${verify.stdout}${verify.stderr}`;
}

const DAY_MS = 24 * 3600 * 1000;

describe("the lab CA's reach", () => {
  afterEach(() => vi.useRealTimers());

  it('can sign only for loopback names, .test and loopback addresses: a leaf it signs for any other host fails verification', () => {
    const { ca, leaf } = ensureLabCertificates(['app.site-a.localhost'], tempCertDir());
    expect(opensslVerify(ca, leaf.certPem)).toBe('OK');
    expect(opensslVerify(ca, issueServerCertificate(['cors-lab-attacker.test', '::1'], ca).certPem)).toBe('OK');
    expect(opensslVerify(ca, issueServerCertificate(['www.example.com'], ca).certPem)).toMatch(
      /permitted subtree violation/,
    );
    expect(opensslVerify(ca, issueServerCertificate(['10.0.0.1'], ca).certPem)).toMatch(/permitted subtree violation/);
    expect(opensslVerify(ca, issueServerCertificate(['localhost.example.com'], ca).certPem)).toMatch(
      /permitted subtree violation/,
    );
  });

  it("a check's posed hosts get a CA of their own, covering exactly them besides the lab's names", () => {
    const dir = tempCertDir();
    const lab = ensureLabCertificates(['app.site-a.localhost'], dir);
    const posing = ensureLabCertificates(['app.example.com', 'api.example.com', 'cors-lab-attacker.test'], dir);
    expect(posing.ca.certPem).not.toBe(lab.ca.certPem);
    expect(posing.caCertPath).not.toBe(lab.caCertPath);
    expect(opensslVerify(posing.ca, posing.leaf.certPem)).toBe('OK');
    expect(opensslVerify(posing.ca, issueServerCertificate(['evil.example.com'], posing.ca).certPem)).toMatch(
      /permitted subtree violation/,
    );
    // The same posed hosts again: the same cached CA.
    expect(ensureLabCertificates(['api.example.com', 'app.example.com'], dir).ca.certPem).toBe(posing.ca.certPem);
  });

  it('is valid for 90 days, and is re-created, with new leaves, when fewer than 30 remain', () => {
    const dir = tempCertDir();
    const first = ensureLabCertificates(['app.site-a.localhost'], dir);
    const ca = new X509Certificate(first.ca.certPem);
    expect(Date.parse(ca.validTo) - Date.parse(ca.validFrom)).toBeLessThanOrEqual(91 * DAY_MS);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 59 * DAY_MS);
    expect(ensureLabCertificates(['app.site-a.localhost'], dir).ca.certPem).toBe(first.ca.certPem);
    vi.setSystemTime(Date.now() + 2 * DAY_MS);
    const renewed = ensureLabCertificates(['app.site-a.localhost'], dir);
    expect(renewed.ca.certPem).not.toBe(first.ca.certPem);
    expect(new X509Certificate(renewed.leaf.certPem).verify(new X509Certificate(renewed.ca.certPem).publicKey)).toBe(
      true,
    );
    expect(opensslVerify(renewed.ca, renewed.leaf.certPem)).toBe('OK');
  });

  it('leaves the files of an older cors-lab sharing the cache as they were (its CA and the leaves it signed)', () => {
    const dir = tempCertDir();
    const older = { 'lab-ca.cert.pem': 'older CA', 'lab-ca.key.pem': 'older key' } as Record<string, string>;
    // An older cors-lab named its leaves by their host set alone.
    const hostsTag = createHash('sha256')
      .update(['127.0.0.1', 'app.site-a.localhost', 'localhost'].join(','))
      .digest('hex')
      .slice(0, 16);
    older[`lab-leaf-${hostsTag}.cert.pem`] = 'older leaf';
    for (const [name, text] of Object.entries(older)) writeFileSync(join(dir, name), text);
    ensureLabCertificates(['app.site-a.localhost'], dir);
    for (const [name, text] of Object.entries(older)) expect(readFileSync(join(dir, name), 'utf8')).toBe(text);
  });
});

// The intermittent first-run failure ("asn1 encoding routines::illegal
// padding" from X509Certificate): forge drops one leading zero byte of a
// serial, so random bytes starting 00 00 and then a byte below 0x80 (1
// serial in 65,536 with the high bit cleared) became an INTEGER starting 00
// and a byte below 0x80: no minimal DER, which OpenSSL refuses. With a
// hundred certificate caches made per `npm test`, a run failed now and then.
describe('certificate serials', () => {
  const forgeCertificate = (serialHex: string): string => {
    const keys = forge.pki.rsa.generateKeyPair({ bits: 512, e: 0x10001 });
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = serialHex;
    cert.validity.notBefore = new Date(Date.now() - 3600_000);
    cert.validity.notAfter = new Date(Date.now() + 3600_000);
    cert.setSubject([{ name: 'commonName', value: 'serial test' }]);
    cert.setIssuer([{ name: 'commonName', value: 'serial test' }]);
    cert.sign(keys.privateKey, forge.md.sha256.create());
    return forge.pki.certificateToPem(cert);
  };
  const leadingZeros = Buffer.from('00001122334455667788990aabbccdde', 'hex');

  it('random bytes starting 00 00 then below 0x80, as the lab used to take them, make a certificate OpenSSL refuses', () => {
    expect(() => new X509Certificate(forgeCertificate(leadingZeros.toString('hex')))).toThrow(/illegal padding/);
  });

  it('is always a minimal positive DER INTEGER, so every certificate the lab writes parses', () => {
    expect(() => new X509Certificate(forgeCertificate(certificateSerial(leadingZeros)))).not.toThrow();
    for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
      const serial = Buffer.from(
        certificateSerial(Buffer.from([first, 0x00, 0x7f, ...leadingZeros.subarray(3)])),
        'hex',
      );
      expect(serial[0]).toBeGreaterThan(0);
      expect(serial[0]).toBeLessThan(0x80);
      expect(serial).toHaveLength(16);
    }
    for (let draw = 0; draw < 20_000; draw++) {
      const first = Buffer.from(certificateSerial(), 'hex')[0]!;
      expect(first > 0 && first < 0x80).toBe(true);
    }
  });
});

// The first creation of the cache, as a user's first runs meet it: several
// processes start on an empty cache at once (two `cors-lab run`s, a test
// suite's workers). Each must get whole, readable certificates, the same CA
// and leaf as the others, round after round.
describe('the certificate cache made from empty by several processes at once', () => {
  const MODULE = new URL('../../harness/lab/certificates.ts', import.meta.url).href;
  const SCRIPT = `import { ensureLabCertificates, spkiHash } from ${JSON.stringify(MODULE)};
const made = ensureLabCertificates(['app.site-a.localhost', 'api.site-b.localhost'], process.argv[1]);
for (const pem of [made.ca.certPem, made.leaf.certPem, made.untrustedLeaf.certPem]) spkiHash(pem);
process.stdout.write(made.spkiHashes.join(','));`;
  const ROUNDS = 6;
  const PROCESSES = 4;

  it(`${PROCESSES} processes on an empty cache, ${ROUNDS} rounds: every one succeeds with the same CA and leaf`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dir = tempCertDir();
      const runs = await Promise.all(
        Array.from({ length: PROCESSES }, () =>
          runCommand(NODE, ['--input-type=module', '-e', SCRIPT, dir], { timeoutMs: 60_000 }),
        ),
      );
      for (const run of runs) expect(run.status, `round ${round + 1}: ${run.stderr}`).toBe(0);
      expect(
        new Set(runs.map((run) => run.stdout)).size,
        `round ${round + 1}: the processes got different certificates`,
      ).toBe(1);
      expect(readdirSync(dir).filter((name) => name.endsWith('.tmp') || name === '.lock')).toEqual([]);
    }
  }, 180_000);
});
