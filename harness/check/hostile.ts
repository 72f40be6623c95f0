// The security sweep's hostile origins. For an origin a server allows, these
// are the look-alikes that careless allowlists (prefix or suffix matching,
// reflection, "null", any scheme) also let in. Each is posed in the real
// browsers, with credentials, and must be refused.
import type { OriginPattern } from './origin-pattern.ts';

export type Attack = 'null' | 'http-downgrade' | 'sibling-subdomain' | 'prefix' | 'suffix' | 'unrelated';

export interface HostileOrigin {
  attack: Attack;
  /** The serialized origin the page has; "null" for an opaque origin. */
  origin: string;
  /** The origin whose page hosts the probe: itself, or for "null" the allowed origin with a sandboxed iframe. */
  pageOrigin: string;
  derivedFrom: string;
  description: string;
}

/** The unrelated attacker site (.test is reserved and never resolves on the internet). */
export const ATTACKER_HOST = 'cors-lab-attacker.test';

export function hostileOrigins(allowed: string): HostileOrigin[] {
  const url = new URL(allowed);
  const port = url.port ? `:${url.port}` : '';
  const host = url.hostname;
  const labels = host.split('.');
  const at = (scheme: string, hostname: string) => `${scheme}//${hostname}${port}`;
  const found: HostileOrigin[] = [
    {
      attack: 'null',
      origin: 'null',
      pageOrigin: allowed,
      derivedFrom: allowed,
      description: `a sandboxed iframe inside ${allowed} (Origin: null)`,
    },
  ];
  if (url.protocol === 'https:') {
    found.push({
      attack: 'http-downgrade',
      origin: at('http:', host),
      pageOrigin: at('http:', host),
      derivedFrom: allowed,
      description: 'the same host over plain http',
    });
  }
  const posed = (attack: Attack, hostname: string, description: string): HostileOrigin => {
    const origin = at(url.protocol, hostname);
    return { attack, origin, pageOrigin: origin, derivedFrom: allowed, description };
  };
  // An IP address has no subdomains and no suffix to match.
  const isIp = /^[\d.]+$/.test(host) || host.startsWith('[');
  if (!isIp) {
    // A sibling: the same parent domain, another first label.
    const sibling = labels.length > 2 ? ['cors-lab-sibling', ...labels.slice(1)].join('.') : `cors-lab-sibling.${host}`;
    found.push(posed('sibling-subdomain', sibling, 'another subdomain of the same parent'));
  }
  // No host name can start with an IPv6 address (and "--1", the old stand-in
  // for [::1], is no valid DNS label: a CA with name constraints refuses it).
  if (!host.startsWith('['))
    found.push(
      posed('prefix', `${host}.${ATTACKER_HOST}`, `an attacker domain that starts with ${host} (prefix matching)`),
    );
  if (!isIp) found.push(posed('suffix', `evil${host}`, `a domain that ends with ${host} (suffix matching)`));
  found.push(posed('unrelated', ATTACKER_HOST, 'an unrelated site'));
  // Never sweep an origin that the user listed themselves.
  return found.filter((hostile) => hostile.origin !== allowed);
}

/**
 * Look-alikes of an intended pattern's own domain (https://*.example.com →
 * example.com): a domain that starts with it, one that ends with it, and a
 * subdomain over plain http. The caller drops any the patterns admit.
 */
export function patternLookAlikes(pattern: OriginPattern): HostileOrigin[] {
  if (!pattern.base) return [];
  const { scheme, domain } = pattern.base;
  const posed = (attack: Attack, origin: string, description: string): HostileOrigin => ({
    attack,
    origin,
    pageOrigin: origin,
    derivedFrom: pattern.source,
    description,
  });
  const found = [
    posed(
      'prefix',
      `${scheme}//${domain}.${ATTACKER_HOST}`,
      `an attacker domain that starts with ${domain} (prefix matching)`,
    ),
    posed('suffix', `${scheme}//evil${domain}`, `a domain that ends with ${domain} without a dot (suffix matching)`),
  ];
  if (scheme === 'https:')
    found.push(
      posed('http-downgrade', `http://cors-lab-sibling.${domain}`, `a subdomain of ${domain} over plain http`),
    );
  return found;
}
