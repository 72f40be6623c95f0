// The lab CA and its leaf certificates.
//
// The CA is made once and cached per user (0700 directory, 0600 keys). It is
// never installed in the system trust store: each engine driver trusts it in
// its own scoped way (see harness/engines). A second, "rogue" CA is kept too:
// nothing trusts it, so a leaf it signs is how tests prove that an untrusted
// certificate gives `error`, never `blocked`.
import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import type { TrustMaterial } from '../engines/types.ts';
import { userCacheDir } from '../package/root.ts';

export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

export interface LabCertificates {
  /** Directory holding the cache. */
  dir: string;
  ca: KeyAndCert;
  caCertPath: string;
  /** Leaf for every lab hostname, signed by the lab CA. */
  leaf: KeyAndCert;
  /** Leaf for the same hostnames signed by a CA nobody trusts. */
  untrustedLeaf: KeyAndCert;
  /** base64(sha256(SPKI)) of the lab CA and the lab leaf key (Chromium's SPKI allow-list). */
  spkiHashes: string[];
}

const CA_DAYS = 3650;
const LEAF_DAYS = 365;
/** Re-issue a cached certificate this long before it expires. */
const RENEW_MARGIN_MS = 30 * 24 * 3600 * 1000;

export function defaultCertDir(): string {
  return join(userCacheDir(), 'certs');
}

/**
 * Loads the cached CA and leaf keys, creating what is missing or about to
 * expire, and issues leaves covering `hostnames` (plus localhost and 127.0.0.1).
 */
export function ensureLabCertificates(hostnames: Iterable<string>, dir = defaultCertDir()): LabCertificates {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  // Two runs starting at once on an empty cache would each make a CA and
  // mix their files (a key from one, a certificate from the other).
  return withCacheLock(dir, () => loadOrIssue(hostnames, dir));
}

/** How long a run waits for another process to finish making the cache. */
const LOCK_WAIT_MS = 60_000;
const LOCK_POLL_MS = 50;

/**
 * Runs `work` holding the cache's lock: a folder made with mkdir (atomic on
 * every file system) holding the owner's pid. A lock whose owner is gone is
 * taken over. Synchronous, like the rest of the cache, so the wait sleeps
 * with Atomics.wait rather than spinning.
 */
function withCacheLock<T>(dir: string, work: () => T): T {
  const lock = join(dir, '.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!ownerAlive(lock)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`the certificate cache ${dir} stayed locked for ${LOCK_WAIT_MS / 1000} s by process ${readOwner(lock)}. Fix: wait for that run to end, or remove ${lock} if no cors-lab is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LOCK_POLL_MS);
    }
  }
  try {
    return work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readOwner(lock: string): number | undefined {
  try {
    return Number(readFileSync(join(lock, 'pid'), 'utf8')) || undefined;
  } catch {
    return undefined;
  }
}

/** How long a lock may be without its pid before it counts as left by a crash (the pid is written right after mkdir). */
const PIDLESS_LOCK_MS = 5000;

/** Whether the lock's owner still runs. */
function ownerAlive(lock: string): boolean {
  const owner = readOwner(lock);
  if (owner === undefined) {
    try {
      return Date.now() - statSync(lock).mtimeMs < PIDLESS_LOCK_MS;
    } catch {
      return false; // gone already
    }
  }
  try {
    process.kill(owner, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function loadOrIssue(hostnames: Iterable<string>, dir: string): LabCertificates {
  const names = [...new Set(['localhost', '127.0.0.1', ...hostnames])].sort();

  const ca = loadOrCreate(dir, 'lab-ca', () => issueCa('cors-lab local CA (trusted only inside lab browsers)'));
  const rogueCa = loadOrCreate(dir, 'untrusted-ca', () => issueCa('cors-lab untrusted CA (trusted by nothing)'));
  // One stable leaf key: Chromium's SPKI allow-list then stays valid across host sets.
  const leafKeyPem = loadOrCreateKey(dir, 'lab-leaf');
  const rogueLeafKeyPem = loadOrCreateKey(dir, 'untrusted-leaf');

  const hostsTag = createHash('sha256').update(names.join(',')).digest('hex').slice(0, 16);
  const leafCert = loadOrCreateCert(dir, `lab-leaf-${hostsTag}`, () => issueLeaf(names, leafKeyPem, ca));
  const rogueLeafCert = loadOrCreateCert(dir, `untrusted-leaf-${hostsTag}`, () =>
    issueLeaf(names, rogueLeafKeyPem, rogueCa),
  );

  return {
    dir,
    ca,
    caCertPath: join(dir, 'lab-ca.cert.pem'),
    leaf: { keyPem: leafKeyPem, certPem: leafCert },
    untrustedLeaf: { keyPem: rogueLeafKeyPem, certPem: rogueLeafCert },
    spkiHashes: [spkiHash(ca.certPem), spkiHash(leafCert)],
  };
}

/** What a driver needs to trust the lab CA, and nothing else, in its browser. */
export function trustMaterial(certificates: LabCertificates): TrustMaterial {
  return { caCertPem: certificates.ca.certPem, caCertPath: certificates.caCertPath, spkiHashes: certificates.spkiHashes };
}

/** base64 SHA-256 of a certificate's SubjectPublicKeyInfo, as Chromium expects it. */
export function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

function loadOrCreate(dir: string, name: string, create: () => KeyAndCert): KeyAndCert {
  const keyPath = join(dir, `${name}.key.pem`);
  const certPath = join(dir, `${name}.cert.pem`);
  if (existsSync(keyPath) && existsSync(certPath)) {
    const certPem = readFileSync(certPath, 'utf8');
    if (!expiresSoon(certPem)) return { keyPem: readFileSync(keyPath, 'utf8'), certPem };
  }
  const made = create();
  writeAtomically(keyPath, made.keyPem, 0o600);
  writeAtomically(certPath, made.certPem, 0o644);
  return made;
}

function loadOrCreateKey(dir: string, name: string): string {
  const keyPath = join(dir, `${name}.key.pem`);
  if (existsSync(keyPath)) return readFileSync(keyPath, 'utf8');
  const keyPem = newRsaKeyPem();
  writeAtomically(keyPath, keyPem, 0o600);
  return keyPem;
}

function loadOrCreateCert(dir: string, name: string, create: () => string): string {
  const certPath = join(dir, `${name}.cert.pem`);
  if (existsSync(certPath)) {
    const certPem = readFileSync(certPath, 'utf8');
    if (!expiresSoon(certPem)) return certPem;
  }
  const certPem = create();
  writeAtomically(certPath, certPem, 0o644);
  return certPem;
}

function expiresSoon(certPem: string): boolean {
  try {
    return Date.parse(new X509Certificate(certPem).validTo) - Date.now() < RENEW_MARGIN_MS;
  } catch {
    return true; // unreadable: re-issue
  }
}

/** Write to a temp file and rename, so a crash never leaves a half-written key. */
function writeAtomically(path: string, contents: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function newRsaKeyPem(): string {
  // Node's native generator is far faster than forge's pure-JS one.
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

function baseCertificate(publicKey: forge.pki.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // 16 random bytes, high bit clear: unique serials, so Firefox never sees
  // two different certificates with the same issuer and serial.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + days * 24 * 3600 * 1000);
  return cert;
}

/** A new CA, e.g. to stand for a server's own CA (mkcert's root) in tests. */
export function issueCa(commonName: string): KeyAndCert {
  const keyPem = newRsaKeyPem();
  const privateKey = forge.pki.privateKeyFromPem(keyPem);
  const publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  const cert = baseCertificate(publicKey, CA_DAYS);
  // A per-install suffix keeps subjects distinct between machines and CAs.
  const subject = [
    { name: 'commonName', value: `${commonName} ${randomBytes(4).toString('hex')}` },
    { name: 'organizationName', value: 'cors-lab' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { keyPem, certPem: forge.pki.certificateToPem(cert) };
}

/** A server certificate for `hostnames`, with a fresh key, signed by `issuer`. */
export function issueServerCertificate(hostnames: string[], issuer: KeyAndCert): KeyAndCert {
  const keyPem = newRsaKeyPem();
  return { keyPem, certPem: issueLeaf(hostnames, keyPem, issuer) };
}

function issueLeaf(hostnames: string[], leafKeyPem: string, issuer: KeyAndCert): string {
  const leafKey = forge.pki.privateKeyFromPem(leafKeyPem);
  const publicKey = forge.pki.setRsaPublicKey(leafKey.n, leafKey.e);
  const caCert = forge.pki.certificateFromPem(issuer.certPem);
  const cert = baseCertificate(publicKey, LEAF_DAYS);
  cert.setSubject([{ name: 'commonName', value: hostnames[0] ?? 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    {
      name: 'subjectAltName',
      altNames: hostnames.map((host) => (/^[\d.]+$|:/.test(host) ? { type: 7, ip: host } : { type: 2, value: host })),
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(issuer.keyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
