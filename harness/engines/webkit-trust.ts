// How WebKitGTK trusts the lab CA, and only it. Inside a private mount
// namespace the browser's process tree (driver, MiniBrowser, network and web
// processes) sees a CA bundle holding only the lab CA bind-mounted over the
// system bundle that GnuTLS reads; the rest of the machine keeps its trust
// store, and a certificate from any other CA still fails. WebKitGTK has no
// scoped alternative: glib-networking and GnuTLS honour no CA-file
// environment variable, and WebKitWebDriver's `certificates` capability only
// allows one exact leaf per host.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import type { TrustMaterial } from './types.ts';
import { firstExecutable, onPath, run } from './system.ts';
import { messageOf } from '../package/error-message.ts';

/**
 * CA bundles GnuTLS may be built to read as its system trust (Debian and
 * Ubuntu: the first). Every one that exists is covered by the lab bundle.
 */
const SYSTEM_CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];
export interface Trust {
  /** Command prefix that runs the driver inside the trust namespace. */
  wrapper: string[];
  acceptInsecureCerts: boolean;
  /** Honest description for EngineInfo.trust. */
  description: string;
}

/**
 * CORS_LAB_WEBKIT_TRUST picks the mode: "auto" (default: namespace when it
 * works, else acceptInsecureCerts), "namespace", "insecure" or "none".
 */
export async function prepareTrust(material: TrustMaterial, workDir: string, timeoutMs: number): Promise<Trust> {
  const wanted = process.env.CORS_LAB_WEBKIT_TRUST ?? 'auto';
  if (wanted === 'none') {
    return {
      wrapper: [],
      acceptInsecureCerts: false,
      description: 'none: system trust store only, lab CA not trusted (every lab HTTPS load fails)',
    };
  }
  if (wanted === 'insecure') return insecureTrust('CORS_LAB_WEBKIT_TRUST=insecure');
  if (wanted !== 'auto' && wanted !== 'namespace') {
    throw new Error(`CORS_LAB_WEBKIT_TRUST=${wanted} is not one of auto, namespace, insecure, none`);
  }
  const attempt = await namespaceTrust(material, workDir, timeoutMs);
  if ('wrapper' in attempt) return attempt;
  if (wanted === 'namespace') throw new Error(`scoped WebKit trust unavailable: ${attempt.unavailable}`);
  return insecureTrust(attempt.unavailable);
}

function insecureTrust(why: string): Trust {
  return {
    wrapper: [],
    acceptInsecureCerts: true,
    description: `acceptInsecureCerts (NOT scoped: every certificate is accepted, so untrusted-certificate cases cannot fail; ${why})`,
  };
}

/**
 * Runs the driver under `unshare --mount` with the lab CA bind-mounted over
 * the system CA bundles. The mount is private to that process tree. Root
 * uses the mount namespace directly; other users need an unprivileged user
 * namespace (`--map-root-user`) to be allowed to mount.
 */
async function namespaceTrust(
  material: TrustMaterial,
  workDir: string,
  timeoutMs: number,
): Promise<Trust | { unavailable: string }> {
  const unshare = await firstExecutable(onPath('unshare'));
  if (!unshare) return { unavailable: 'unshare (util-linux) not found' };
  const targets = SYSTEM_CA_BUNDLES.filter((file) => existsSync(file));
  if (targets.length === 0)
    return { unavailable: `no system CA bundle to replace (looked for ${SYSTEM_CA_BUNDLES.join(', ')})` };

  const bundle = path.join(workDir, 'lab-ca-bundle.pem');
  const pem = material.caCertPem.endsWith('\n') ? material.caCertPem : `${material.caCertPem}\n`;
  await writeFile(bundle, pem, { mode: 0o644 });
  const namespaceFlags = process.getuid?.() === 0 ? ['--mount'] : ['--user', '--map-root-user', '--mount'];
  // $1 is the bundle, then targets up to "--", then the command to exec.
  const script =
    'b="$1"; shift; while [ "$1" != -- ]; do mount --bind "$b" "$1" || exit 97; shift; done; shift; exec "$@"';
  const wrapper = [
    unshare,
    ...namespaceFlags,
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    script,
    'cors-lab-trust',
    bundle,
    ...targets,
    '--',
  ];

  // Prove the mount works and is what GnuTLS will read before relying on it.
  const seen = await run(wrapper[0]!, [...wrapper.slice(1), 'cat', targets[0]!], timeoutMs).catch(
    (error: unknown) => error,
  );
  if (seen !== pem) {
    const why = typeof seen === 'string' ? 'bind mount did not take effect' : messageOf(seen);
    return { unavailable: `private mount namespace failed (${why})` };
  }
  return {
    wrapper,
    acceptInsecureCerts: false,
    description: `private mount namespace: the lab CA alone is bind-mounted over ${targets.join(', ')} for the browser's processes only; other CAs fail`,
  };
}
