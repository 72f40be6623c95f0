// The lab: certificates, one Fastify server per (scheme, port slot), the
// journal, and the registry that maps a probe nonce to its scenario.
import type { FastifyInstance } from 'fastify';
import getPort from 'get-port';
import { buildLabOrigin, type ProbeRoute } from '../../servers/lab-origin.ts';
import type { LabOrigin, Scenario } from '../scenario/loader.ts';
import type { Route } from '../scenario/schema.ts';
import { ensureLabCertificates, type LabCertificates } from './certificates.ts';
import { Journal } from '../../servers/journal.ts';

/** The servers a lab runs; "stopped-*" reserve a port nobody listens on. */
export const SERVER_KEYS = [
  'https-main',
  'https-alt',
  'https-third',
  'http-main',
  'http-alt',
  'http-third',
  'https-untrusted',
  'stopped-https',
  'stopped-http',
] as const;
export type ServerKey = (typeof SERVER_KEYS)[number];

export function serverKeyFor(origin: Pick<LabOrigin, 'scheme' | 'slot' | 'certificate' | 'state'>): ServerKey {
  if (origin.state === 'stopped') return `stopped-${origin.scheme}`;
  if (origin.certificate === 'untrusted' && origin.scheme === 'https') return 'https-untrusted';
  return `${origin.scheme}-${origin.slot}`;
}

interface Registration {
  scenario: Scenario;
  nonce: string;
  forward?: MiddlewareForward;
}

/** A real middleware's server that answers one origin's probe requests. */
export interface MiddlewareForward {
  host: string;
  serverKey: ServerKey;
  port: number;
  /** Forward only this many preflights per probe; the lab refuses later ones (see the scenario field). */
  passPreflights?: number;
}

export interface Lab {
  certificates: LabCertificates;
  journal: Journal;
  ports: Record<ServerKey, number>;
  /** Serialised origin (scheme://host:port) of a lab origin. */
  originUrl(origin: LabOrigin): string;
  /** The URL a probe requests: origin + /x/<nonce> + path. */
  probeUrl(scenario: Scenario, nonce: string): string;
  /** Maps a probe nonce to its scenario; with `forward`, that origin's probe requests go to a middleware's server. */
  register(scenario: Scenario, nonce: string, forward?: MiddlewareForward): void;
  /** Fills a scenario value's templates for one probe. */
  render(scenario: Scenario, nonce: string, text: string): string;
  close(): Promise<void>;
}

export interface StartLabOptions {
  /** Hostnames the certificate must cover (all scenarios' hosts). */
  hostnames: Iterable<string>;
  certDir?: string;
}

export function hostnamesOf(scenarios: Scenario[]): string[] {
  return [...new Set(scenarios.flatMap((scenario) => Object.values(scenario.origins).map((origin) => origin.host)))];
}

/** The route a scenario declares for a path on one host and server. */
export function routeFor(scenario: Scenario, host: string, serverKey: ServerKey, path: string): Route | undefined {
  // Several origin names may share this host and server (same-origin cases).
  return Object.values(scenario.origins)
    .filter((origin) => origin.host === host && serverKeyFor(origin) === serverKey)
    .map((origin) => scenario.server[origin.name]?.[path])
    .find((found) => found !== undefined);
}

/** How lab origins, probe URLs and templates are written, given the lab's ports. */
export type LabAddresses = Pick<Lab, 'originUrl' | 'probeUrl' | 'render' | 'ports'>;

export function labAddresses(ports: Record<ServerKey, number>): LabAddresses {
  const originUrl = (origin: LabOrigin) => `${origin.scheme}://${origin.host}:${ports[serverKeyFor(origin)]}`;
  const render = (scenario: Scenario, nonce: string, text: string) =>
    text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (whole, reference: string) => {
      if (reference === 'nonce') return nonce;
      const [kind, name] = reference.split('.');
      const origin = name === undefined ? undefined : scenario.origins[name];
      if (!origin) return whole; // the loader already refused unknown names
      if (kind === 'origin') return originUrl(origin);
      if (kind === 'base') return `${originUrl(origin)}/x/${nonce}`;
      if (kind === 'host') return origin.host;
      if (kind === 'port') return String(ports[serverKeyFor(origin)]);
      return whole;
    });
  const probeUrl = (scenario: Scenario, nonce: string) =>
    `${originUrl(scenario.target)}/x/${nonce}${scenario.request.path}`;
  return { originUrl, probeUrl, render, ports };
}

export async function startLab(options: StartLabOptions): Promise<Lab> {
  const certificates = ensureLabCertificates(options.hostnames, options.certDir);
  const journal = new Journal();
  const registrations = new Map<string, Registration>();
  const ports = {} as Record<ServerKey, number>;
  const servers: FastifyInstance[] = [];

  const { originUrl, probeUrl, render } = labAddresses(ports);

  const lookup =
    (serverKey: ServerKey) =>
    (nonce: string, host: string, path: string): ProbeRoute | undefined => {
      const registration = registrations.get(nonce);
      if (!registration) return undefined;
      const { scenario } = registration;
      const route = routeFor(scenario, host, serverKey, path);
      // The journal already holds this request, so earlier ones are count - 1.
      const count = (kind: 'preflight' | 'request') =>
        journal
          .forNonce(nonce)
          .filter(
            (entry) =>
              entry.kind === kind &&
              entry.server === serverKey &&
              new URL(entry.url!).hostname === host &&
              new URL(entry.url!).pathname.endsWith(path),
          ).length - 1;
      const forward = registration.forward;
      const forwardPort =
        forward && forward.host === host && forward.serverKey === serverKey ? forward.port : undefined;
      return {
        route,
        render: (text) => render(scenario, nonce, text),
        count,
        ...(forwardPort !== undefined
          ? { forwardPort, ...(forward?.passPreflights ? { passPreflights: forward.passPreflights } : {}) }
          : {}),
      };
    };

  try {
    for (const key of SERVER_KEYS) {
      if (key.startsWith('stopped-')) {
        // A free port with nothing listening: connections are refused.
        ports[key] = await getPort({ host: '127.0.0.1' });
        continue;
      }
      const scheme = key.startsWith('https') ? 'https' : 'http';
      const leaf = key === 'https-untrusted' ? certificates.untrustedLeaf : certificates.leaf;
      const app = buildLabOrigin({
        serverKey: key,
        scheme,
        tls: scheme === 'https' ? { key: leaf.keyPem, cert: leaf.certPem } : undefined,
        journal,
        lookup: lookup(key),
        cookiesFor: (nonce, host) => {
          const registration = registrations.get(nonce);
          const cookies = registration?.scenario.cookies;
          if (!registration || !cookies || cookies.on.host !== host || serverKeyFor(cookies.on) !== key)
            return undefined;
          return cookies.set.map((value) => render(registration.scenario, nonce, value));
        },
      });
      servers.push(app);
      // Loopback only; the browsers resolve *.localhost to 127.0.0.1 themselves.
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      ports[key] = typeof address === 'object' && address ? address.port : 0;
    }
  } catch (error) {
    await Promise.allSettled(servers.map((app) => app.close()));
    throw error;
  }

  return {
    certificates,
    journal,
    ports,
    originUrl,
    probeUrl,
    register: (scenario, nonce, forward) =>
      registrations.set(nonce, { scenario, nonce, ...(forward ? { forward } : {}) }),
    render,
    close: async () => {
      await Promise.allSettled(servers.map((app) => app.close()));
    },
  };
}
