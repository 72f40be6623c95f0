// The lab CA and its leaf certificates.
//
// The CA is cached per user (0700 directory, 0600 keys). It is never
// installed in the system trust store: each engine driver trusts it in its
// own scoped way (see harness/engines). Were its key to leak, it still could
// not sign for any host: it carries name constraints (RFC 5280 4.2.1.10)
// limiting it to the names the lab serves (loopback names, the reserved
// .test TLD the check sweep uses, loopback addresses, and the hosts a check
// poses as or targets), and it is valid for 90 days, re-created before it
// expires. A check's posed hosts make a CA of their own, cached under a tag
// of its name space. A second, "rogue" CA is kept too: nothing trusts it, so
// a leaf it signs is how tests prove that an untrusted certificate gives
// `error`, never `blocked`.
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

/** Short lives, so a copied key is soon worthless; far longer than a run, whose browser clock the max-age study moves days ahead. */
const CA_DAYS = 90;
const LEAF_DAYS = 90;
/** Re-issue a cached certificate this long before it expires (every run then has a month in hand). */
const RENEW_MARGIN_MS = 30 * 24 * 3600 * 1000;

/**
 * The names every lab CA may sign for: `localhost` and every name under it
 * (a dNSName constraint admits the name and any labels added on the left),
 * the reserved `.test` TLD (the sweep's attacker site), and loopback
 * addresses. A check adds the hosts it poses as and targets.
 */
export const LAB_NAME_SPACE: readonly string[] = ['localhost', 'test', '127.0.0.0/8', '::1/128'];

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
      if (Date.now() > deadline)
        throw new Error(
          `the certificate cache ${dir} stayed locked for ${LOCK_WAIT_MS / 1000} s by process ${readOwner(lock)}. Fix: wait for that run to end, or remove ${lock} if no cors-lab is running`,
        );
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

/** A short, stable file-name tag for a list of names. */
function tagOf(names: readonly string[]): string {
  return createHash('sha256').update(names.join(',')).digest('hex').slice(0, 16);
}

function loadOrIssue(hostnames: Iterable<string>, dir: string): LabCertificates {
  const names = [...new Set(['localhost', '127.0.0.1', ...hostnames])].sort();

  const nameSpace = nameSpaceFor(names);
  const spaceTag = tagOf(nameSpace);
  const caName = `lab-ca-${spaceTag}`;
  const ca = loadOrCreate(dir, caName, () =>
    issueCa('cors-lab local CA (trusted only inside lab browsers)', nameSpace),
  );
  // Trusted by nothing, so its leaves fail as an unknown issuer, whatever their names.
  const rogueCa = loadOrCreate(dir, 'untrusted-ca', () => issueCa('cors-lab untrusted CA (trusted by nothing)'));
  // One stable leaf key: Chromium's SPKI allow-list then stays valid across host sets.
  const leafKeyPem = loadOrCreateKey(dir, 'lab-leaf');
  const rogueLeafKeyPem = loadOrCreateKey(dir, 'untrusted-leaf');

  const hostsTag = tagOf(names);
  // Named by its CA too: a cors-lab of another version sharing this cache keeps its own CA's leaves.
  const leafCert = loadOrCreateCert(dir, `lab-leaf-${spaceTag}-${hostsTag}`, ca, () =>
    issueLeaf(names, leafKeyPem, ca),
  );
  const rogueLeafCert = loadOrCreateCert(dir, `untrusted-leaf-${hostsTag}`, rogueCa, () =>
    issueLeaf(names, rogueLeafKeyPem, rogueCa),
  );

  return {
    dir,
    ca,
    caCertPath: join(dir, `${caName}.cert.pem`),
    leaf: { keyPem: leafKeyPem, certPem: leafCert },
    untrustedLeaf: { keyPem: rogueLeafKeyPem, certPem: rogueLeafCert },
    spkiHashes: [spkiHash(ca.certPem), spkiHash(leafCert)],
  };
}

/** What a driver needs to trust the lab CA, and nothing else, in its browser. */
export function trustMaterial(certificates: LabCertificates): TrustMaterial {
  return {
    caCertPem: certificates.ca.certPem,
    caCertPath: certificates.caCertPath,
    spkiHashes: certificates.spkiHashes,
  };
}

/** base64 SHA-256 of a certificate's SubjectPublicKeyInfo, as Chromium expects it. */
export function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * The lab name space, plus each name it does not already cover (a check's
 * posed and target hosts, exactly: one host and the names under it).
 */
export function nameSpaceFor(names: Iterable<string>): string[] {
  const extra = [...names].filter((name) => !LAB_NAME_SPACE.some((space) => inNameSpace(name, space)));
  return [...LAB_NAME_SPACE, ...[...new Set(extra)].sort()];
}

/** Whether `name` (a DNS name or an IP address) falls in one name-space entry (a DNS name, or an address with a prefix length). */
function inNameSpace(name: string, space: string): boolean {
  const ip = ipAndMask(space);
  if (!ip) return !isIp(name) && (name === space || name.endsWith(`.${space}`));
  const address = isIp(name) ? bytesFromIP(name) : null;
  if (!address || address.length !== ip.address.length) return false;
  for (let index = 0; index < address.length; index++) {
    if ((address.charCodeAt(index) & ip.mask.charCodeAt(index)) !== ip.address.charCodeAt(index)) return false;
  }
  return true;
}

/** forge's own parser of IPv4 and IPv6 addresses to bytes (left out of its type declarations). */
const bytesFromIP = (forge.util as unknown as { bytesFromIP(ip: string): string | null }).bytesFromIP;

const isIp = (name: string) => /^[\d.]+$|:/.test(name);

/** An address ("127.0.0.0/8", "::1/128", or a bare address: all of it) as the bytes RFC 5280 puts in an iPAddress constraint; null for a DNS name. */
function ipAndMask(space: string): { address: string; mask: string } | null {
  const [host = '', prefix] = space.split('/');
  if (!isIp(host)) return null;
  const address = bytesFromIP(host);
  if (!address) throw new Error(`'${space}' is not an IP address`);
  const bits = prefix === undefined ? address.length * 8 : Number(prefix);
  let mask = '';
  for (let index = 0; index < address.length; index++)
    mask += String.fromCharCode(0xff & (0xff << (8 - Math.max(0, Math.min(8, bits - index * 8)))));
  return { address, mask };
}

/** The nameConstraints extension (RFC 5280 4.2.1.10) permitting only `nameSpace`: dNSName and iPAddress subtrees, critical as the RFC asks. */
function nameConstraints(nameSpace: readonly string[]) {
  const { asn1 } = forge;
  const subtrees = nameSpace.map((space) => {
    const ip = ipAndMask(space);
    // GeneralName: [2] dNSName IA5String, [7] iPAddress OCTET STRING (address then mask), both implicit.
    const base = ip
      ? asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, ip.address + ip.mask)
      : asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, space);
    return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [base]);
  });
  // NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees }
  const value = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, subtrees),
  ]);
  return { id: '2.5.29.30', critical: true, value };
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

/** A cached leaf, unless it expires soon or was signed by an earlier CA (one re-created since). */
function loadOrCreateCert(dir: string, name: string, issuer: KeyAndCert, create: () => string): string {
  const certPath = join(dir, `${name}.cert.pem`);
  if (existsSync(certPath)) {
    const certPem = readFileSync(certPath, 'utf8');
    if (!expiresSoon(certPem) && new X509Certificate(certPem).verify(new X509Certificate(issuer.certPem).publicKey))
      return certPem;
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
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
}

/**
 * A certificate serial as forge takes it (hex): 16 random bytes, unique, so
 * Firefox never sees two different certificates with the same issuer and
 * serial. The first byte is never zero and has its high bit clear: forge
 * drops only one leading zero byte, and bytes starting 00 00 then one below
 * 0x80 (1 serial in 65,536 before) became a DER INTEGER that is not minimal,
 * "illegal padding" to OpenSSL, which then refused the lab's certificate.
 */
export function certificateSerial(bytes: Buffer = randomBytes(16)): string {
  const serial = Buffer.from(bytes);
  serial[0] = serial[0]! & 0x7f || 0x01;
  return serial.toString('hex');
}

function baseCertificate(publicKey: forge.pki.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = certificateSerial();
  cert.validity.notBefore = new Date(Date.now() - 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + days * 24 * 3600 * 1000);
  return cert;
}

/** A new CA, e.g. to stand for a server's own CA (mkcert's root) in tests; with `nameSpace`, it may sign only for those names. */
export function issueCa(commonName: string, nameSpace?: readonly string[]): KeyAndCert {
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
    ...(nameSpace ? [nameConstraints(nameSpace)] : []),
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
      altNames: hostnames.map((host) => (isIp(host) ? { type: 7, ip: host } : { type: 2, value: host })),
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(issuer.keyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
