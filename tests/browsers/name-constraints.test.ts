// The lab CA's name constraints, measured in each engine as cors-lab
// launches it. Each engine trusts one CA the way its driver does. A page on
// app.site-a.localhost with a leaf from the lab CA (whose name space holds
// localhost and every name under it) must load; the same page with a leaf
// from a CA constrained to example.org must not, where the engine honours
// constraints, while one from the same kind of CA without constraints (the
// control) loads. Whether the TLS handshake got through is read from the
// server: a refused certificate never reaches HTTP.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverForRun } from '../../harness/engines/discovery.ts';
import type { EngineDriver, EngineId, TrustMaterial } from '../../harness/engines/types.ts';
import {
  ensureLabCertificates,
  issueCa,
  issueServerCertificate,
  spkiHash,
  type KeyAndCert,
} from '../../harness/lab/certificates.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempCertDir } from '../helpers.ts';

const HOST = 'app.site-a.localhost';

interface Site {
  server: Server;
  url: string;
  requests: number;
  trust: TrustMaterial;
}

/** An HTTPS server for HOST with a leaf from `ca`, and the trust material that trusts `ca` (and nothing else) in a browser, as trustMaterial() makes it. */
async function siteSignedBy(ca: KeyAndCert, dir: string, name: string): Promise<Site> {
  const leaf = issueServerCertificate([HOST], ca);
  const site = { requests: 0 } as Site;
  site.server = createServer({ key: leaf.keyPem, cert: leaf.certPem }, (_request, response) => {
    site.requests++;
    response.writeHead(200, { 'content-type': 'text/html' }).end('<title>reached</title>reached');
  });
  await new Promise<void>((resolve) => site.server.listen(0, '127.0.0.1', resolve));
  site.url = `https://${HOST}:${(site.server.address() as AddressInfo).port}/`;
  const caCertPath = join(dir, `${name}.pem`);
  writeFileSync(caCertPath, ca.certPem);
  // Chromium matches the list against the chain the server sends (the leaf alone), so the lab lists its leaf key too.
  site.trust = { caCertPem: ca.certPem, caCertPath, spkiHashes: [spkiHash(ca.certPem), spkiHash(leaf.certPem)] };
  return site;
}

/** Whether the engine, trusting only the site's CA, got its page over TLS (the server saw the request). */
async function reaches(driver: EngineDriver, site: Site): Promise<boolean> {
  const before = site.requests;
  const engine = await driver.launch({ trust: site.trust, timeoutMs: 60_000 });
  try {
    const context = await engine.newContext();
    await context.goto(site.url, 10_000).catch(() => {}); // a refused certificate: an error page or a thrown navigation
    await context.close();
  } finally {
    await engine.close();
  }
  return site.requests > before;
}

const dir = tempCertDir();
let inside: Site;
let outside: Site;
let unconstrained: Site;
const { runnable } = await discoverForRun(['chromium', 'firefox', 'webkit']);

beforeAll(async () => {
  inside = await siteSignedBy(ensureLabCertificates([HOST], dir).ca, dir, 'lab');
  outside = await siteSignedBy(issueCa('a CA for example.org only', ['example.org']), dir, 'example-org');
  unconstrained = await siteSignedBy(issueCa('a CA without name constraints'), dir, 'unconstrained');
});
afterAll(() => {
  inside?.server.close();
  outside?.server.close();
  unconstrained?.server.close();
});

/**
 * Measured: Firefox (NSS) and WebKitGTK (GnuTLS) refuse a leaf outside the
 * CA's name space. Chromium's trust is the SPKI allow-list
 * (--ignore-certificate-errors-spki-list), which ignores every certificate
 * error for a chain the server sends with a listed key (the lab's leaf key),
 * so constraints do not apply there: its scope is the one browser launch.
 */
const HONOURS_CONSTRAINTS: Record<EngineId, boolean> = { chromium: false, firefox: true, webkit: true };

describe("the lab CA's name constraints", () => {
  for (const engine of runnable) {
    it(`${engine.id}: a lab-CA leaf for ${HOST} loads; a leaf for it from a CA constrained to example.org ${HONOURS_CONSTRAINTS[engine.id] ? 'is refused' : 'loads all the same (SPKI allow-list)'}`, async () => {
      expect(await reaches(engine.driver!, inside)).toBe(true);
      expect(await reaches(engine.driver!, outside)).toBe(!HONOURS_CONSTRAINTS[engine.id]);
      expect(await reaches(engine.driver!, unconstrained)).toBe(true);
    }, 120_000);
  }
});
